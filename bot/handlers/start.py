"""/start: registers the chat and greets it in its language."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from bot.context import BotContext
from domain.chats import NewChatDefaults, get_or_create_chat
from domain.models import ChatKind


def chat_defaults(context: BotContext, language: str) -> NewChatDefaults:
    settings = context.services.settings
    return NewChatDefaults(
        language=language,
        region=settings.default_region,
        timezone=settings.default_timezone,
        days=settings.default_days,
        send_time=settings.default_send_time,
        quiet_start=settings.quiet_hours_start,
        quiet_end=settings.quiet_hours_end,
    )


async def start(update: Update, context: BotContext) -> None:
    """Create the chat if new and greet it."""
    chat, message, user = update.effective_chat, update.effective_message, update.effective_user
    if chat is None or message is None:
        return
    services = context.services
    language = services.catalogs.negotiate(user.language_code if user else None)
    async with services.sessions() as session:
        stored, _created = await get_or_create_chat(
            session,
            telegram_id=chat.id,
            kind=ChatKind(chat.type) if chat.type != "channel" else ChatKind.GROUP,
            defaults=chat_defaults(context, language),
            now=services.clock(),
        )
        await session.commit()
    _ = services.catalogs.for_language(stored.language).gettext
    await message.reply_text(
        _("Hello! I send short, trusted tips for families, at the times you choose.")
        + "\n"
        + _("Pick your topics and when you would like tips, and I will do the rest.")
    )


def build_handlers() -> list[BaseHandler[Update, BotContext, None]]:
    return [CommandHandler("start", start)]
