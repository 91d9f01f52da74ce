"""Typed answers to the bot's questions (a date, a time, a time zone); other text: a pointer."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, MessageHandler, filters

from bot.context import BotContext
from bot.handlers import ask, children, schedule


async def on_text(update: Update, context: BotContext) -> None:
    """Route the text to whatever question is open for this chat."""
    pending = context.chat_state.pending if context.chat_data is not None else None
    if pending is None:
        await ask.on_free_text(update, context)
        return
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None:
        return
    if pending.asked_by is not None and pending.asked_by != user.id:
        return  # a group's date question waits for the admin who asked it
    if not await context.bot_data.admins.is_admin(context.bot, chat, user.id):
        return  # in a group, only admins answer the bot's setup questions
    if pending.kind in ("time", "timezone"):
        await schedule.receive_answer(update, context, pending)
    else:
        await children.receive_date(update, context, pending)


def build_handlers() -> list[BaseHandler[Update, BotContext, None]]:
    return [MessageHandler(filters.TEXT & ~filters.COMMAND & ~filters.UpdateType.EDITED, on_text)]
