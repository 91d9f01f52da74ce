"""/help, and what happens with anything else: unknown commands, free text, stale buttons."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.commands import COMMANDS
from bot.context import BotContext
from bot.handlers.common import answer, here
from domain.i18n import Translator


async def help_command(update: Update, context: BotContext) -> None:
    """What tipsbot does and the commands that work here (a group's own list and wording)."""
    where = await here(update, context)  # read only: asking for help stores nothing
    message = update.effective_message
    if where is None or message is None:
        return
    _ = where.t.gettext
    if where.is_private:
        lines = [
            _("I send short, trusted tips for families at the days and time you choose."),
            _(
                "Ask me a question in your own words (in a group: /ask and your question) and I "
                "answer with the best tips I have, or tell you honestly that I have none yet."
            ),
            "",
            *(f"/{c.name} — {_(c.description)}" for c in COMMANDS if c.private),
        ]
    else:
        lines = [
            _(
                "I send short, trusted tips for families to this group, "
                "on the days and at the time its admins choose."
            ),
            "",
            _("Everyone in the group:"),
            *(f"/{c.name} — {_(c.described(group=True))}" for c in COMMANDS if c.group_member),
            "",
            _("The group's admins:"),
            *(
                f"/{c.name} — {_(c.described(group=True))}"
                for c in COMMANDS
                if c.group_admin and not c.group_member
            ),
        ]
    lines += [
        "",
        *question_privacy(context, where.t),
        # "help" typed alone may be a cry for help: say where urgent help is, every time.
        _(
            "If you are worried about your child's health, talk to your GP, midwife or health "
            "visitor; in an emergency call 999."
        ),
    ]
    await message.reply_text("\n".join(lines))


def question_privacy(context: BotContext, t: Translator) -> list[str]:
    """What is kept of the questions parents ask (for /help and /mydata)."""
    _ = t.gettext
    lines = [
        _("Questions you ask are not stored with this chat: only counted by topic and language.")
    ]
    settings = context.services.settings
    if settings.ask_keep_unanswered:
        lines.append(
            _(
                "The words of questions I had no tip for are kept for %(days)d days for our "
                "editors, with no chat id, so /forget cannot find them; links, e-mail addresses "
                "and phone numbers are removed."
            )
            % {"days": settings.ask_unanswered_retention_days}
        )
    return lines


async def unknown(update: Update, context: BotContext) -> None:
    """Unknown commands and free text: a short pointer in private chats, silence in groups."""
    where = await here(update, context)
    message = update.effective_message
    if where is None or message is None or not where.is_private:
        return
    _ = where.t.gettext
    await message.reply_text(_("I only understand commands and buttons. Try /settings or /help."))


async def stale_button(update: Update, context: BotContext) -> None:
    """A button nobody handles (old, forged or from a removed feature): answer and ignore."""
    where = await here(update, context)
    text = where.t.gettext("This button no longer works. Try /settings.") if where else None
    await answer(update.callback_query, text)


def build_handlers() -> list[BaseHandler[Update, BotContext, None]]:
    return [CommandHandler("help", help_command)]


def build_fallbacks() -> list[BaseHandler[Update, BotContext, None]]:
    """Registered last, after every feature, so they see only what nobody else took."""
    return [
        MessageHandler(filters.COMMAND | (filters.TEXT & ~filters.UpdateType.EDITED), unknown),
        CallbackQueryHandler(stale_button),
    ]
