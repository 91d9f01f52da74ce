"""The one global error handler: log with the traceback, apologise to the user, never show it."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import BadRequest, Forbidden, NetworkError

from bot.context import BotContext

log = logging.getLogger(__name__)


async def on_error(update: object, context: BotContext) -> None:
    """Log the failure; tell the chat something went wrong, in its language."""
    error = context.error
    update_id = update.update_id if isinstance(update, Update) else None
    if isinstance(error, Forbidden):
        log.info("update %s: chat is unreachable (%s)", update_id, error)
        return
    if isinstance(error, BadRequest):  # a definite answer from Telegram: nothing to trace
        log.error("update %s: Telegram refused a request: %s", update_id, error)
    else:
        log.error("update %s failed: %s", update_id, type(error).__name__, exc_info=error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if isinstance(error, NetworkError) and not update.callback_query:
        return  # the reply would most likely fail the same way
    user = update.effective_user
    translator = context.services.catalogs.for_language(
        context.services.catalogs.negotiate(user.language_code if user else None)
    )
    _ = translator.gettext
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(
                _("Sorry, something went wrong. Please try again."), show_alert=False
            )
        elif update.effective_chat.type == "private":
            await context.bot.send_message(
                update.effective_chat.id, _("Sorry, something went wrong. Please try again.")
            )
    except Exception:  # the apology is best effort; the original error is already logged
        log.warning("could not tell chat about failed update %s", update_id, exc_info=True)
