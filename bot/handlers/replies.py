"""Typed answers to the bot's open question (a date, a time, a time zone), /cancel and its
button, and the end of a question when something else is done; other text: a pointer."""

from __future__ import annotations

import contextlib

from telegram import Message, Update
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.context import BotContext, PendingInput
from bot.handlers import ask, children, schedule
from bot.handlers.common import (
    CANCEL_QUESTION,
    answer,
    close_question,
    here,
    may_close,
    open_question,
    show,
)
from domain.buttons import Menu


async def on_text(update: Update, context: BotContext) -> None:
    """Route the text to the question it answers; anything else to the free-text reply."""
    pending = await question_answered(update, context)
    if pending is None:
        await ask.on_free_text(update, context)
        return
    if pending.kind in ("time", "timezone"):
        await schedule.receive_answer(update, context, pending)
    else:
        await children.receive_date(update, context, pending)


async def question_answered(update: Update, context: BotContext) -> PendingInput | None:
    """The open question this message answers, or None. In a group only the admin who was
    asked answers, and only by replying to the question: other admins' messages, and theirs
    about something else, are not answers."""
    message, chat, user = update.effective_message, update.effective_chat, update.effective_user
    if message is None or chat is None or user is None or context.chat_data is None:
        return None
    pending = open_question(context)
    if pending is None:
        return None
    if pending.asked_by is not None:
        replied = message.reply_to_message
        if user.id != pending.asked_by or replied is None:
            return None
        if replied.message_id not in pending.question_ids:
            return None
    if not await context.bot_data.admins.is_admin(context.bot, chat, user.id):
        return None  # no longer an admin of the group
    return pending


def command_of(update: Update) -> tuple[str, str | None]:
    """The message's command and the bot it names: "/cancel@tipsbot" -> ("/cancel", "tipsbot")."""
    message = update.effective_message
    words = message.text.split(maxsplit=1) if message is not None and message.text else []
    command, _at, bot = (words[0] if words else "").partition("@")
    return command.lower(), bot or None


def is_cancel(update: Update) -> bool:
    """/cancel (also /cancel@bot) or the Cancel button: they end the question themselves."""
    query = update.callback_query
    if query is not None:
        return query.data == CANCEL_QUESTION.pack()
    return command_of(update)[0] == "/cancel"


def for_another_bot(update: Update, context: BotContext) -> bool:
    """A command that names another bot ("/start@otherbot" in a group): not ours."""
    addressed = command_of(update)[1]
    return addressed is not None and addressed.lower() != (context.bot.username or "").lower()


async def end_on_other_action(update: Update, context: BotContext) -> None:
    """Another command or button from whoever was asked ends the open question: the next text
    is no longer taken for its answer."""
    chat = update.effective_chat
    pending = open_question(context) if context.chat_data is not None else None
    if chat is None or pending is None or is_cancel(update) or not may_close(pending, update):
        return
    if update.callback_query is None and for_another_bot(update, context):
        return
    await close_question(context, chat.id)


async def cancel_command(update: Update, context: BotContext) -> None:
    """/cancel: end the open question (nothing is stored, nothing is created)."""
    message, chat = update.effective_message, update.effective_chat
    pending = open_question(context) if context.chat_data is not None else None
    where = await here(update, context)
    if message is None or chat is None or where is None:
        return
    _ = where.t.gettext
    if pending is None or not may_close(pending, update):
        await message.reply_text(_("There is no open question to cancel."))
        return
    await close_question(context, chat.id)
    await message.reply_text(_("Cancelled."))


async def cancel_button(update: Update, context: BotContext) -> None:
    """The Cancel button under a question: the question becomes "Cancelled." without buttons;
    under a question already closed, the button only goes away."""
    query = update.callback_query
    if query is None:
        return
    pending = open_question(context) if context.chat_data is not None else None
    where = await here(update, context)
    asked = query.message if isinstance(query.message, Message) else None
    if where is None or asked is None:
        await answer(query)
        return
    _ = where.t.gettext
    mine = pending is not None and asked.message_id in pending.question_ids
    if pending is None or not mine or not may_close(pending, update):
        await answer(query, _("There is no open question to cancel."))
        with contextlib.suppress(TelegramError):
            await asked.edit_reply_markup(None)
        return
    await answer(query)
    context.chat_state.pending = None
    await show(update, _("Cancelled."))


def build_handlers() -> list[BaseHandler[Update, BotContext, None]]:
    return [
        CommandHandler("cancel", cancel_command),
        CallbackQueryHandler(cancel_button, pattern=Menu.QUESTION.pattern),
        MessageHandler(filters.TEXT & ~filters.COMMAND & ~filters.UpdateType.EDITED, on_text),
    ]


def build_watchers() -> list[BaseHandler[Update, BotContext, None]]:
    """Registered in a group before every feature: they see each command and button first."""
    return [
        MessageHandler(filters.COMMAND & ~filters.UpdateType.EDITED, end_on_other_action),
        CallbackQueryHandler(end_on_other_action),
    ]
