"""/language: the chat's language for menus and tips; and the UK nation (tips differ by nation)."""

from __future__ import annotations

from babel import Locale
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.callbacks import pack, pattern, unpack
from bot.context import BotContext
from bot.handlers.common import answer, for_button, for_settings, show
from domain.chats import get_chat
from domain.i18n import Translator
from domain.models import Chat

REGIONS = ("england", "wales", "scotland", "northern-ireland")


def native_name(language: str) -> str:
    name = Locale.parse(language).get_display_name(language) or language
    return name[:1].upper() + name[1:]


def region_name(region: str, t: Translator) -> str:
    _ = t.gettext
    return {
        "england": _("England"),
        "wales": _("Wales"),
        "scotland": _("Scotland"),
        "northern-ireland": _("Northern Ireland"),
    }[region]


def language_view(
    row: Chat, languages: tuple[str, ...], t: Translator
) -> tuple[str, InlineKeyboardMarkup]:
    rows = [
        [
            InlineKeyboardButton(
                ("✅ " if code == row.language else "") + native_name(code),
                callback_data=pack("lg", code),
            )
        ]
        for code in languages
    ]
    return t.gettext("Which language would you like?"), InlineKeyboardMarkup(rows)


def region_view(row: Chat, t: Translator) -> tuple[str, InlineKeyboardMarkup]:
    rows = [
        [
            InlineKeyboardButton(
                ("✅ " if r == row.region else "") + region_name(r, t), callback_data=pack("rg", r)
            )
        ]
        for r in REGIONS
    ]
    _ = t.gettext
    text = _(
        "Where in the UK do you live? Benefits, childcare and some "
        "health services differ between the nations."
    )
    return text, InlineKeyboardMarkup(rows)


async def language_command(update: Update, context: BotContext) -> None:
    """Offer the languages tipsbot speaks."""
    where = await for_settings(update, context)
    if where is None:
        return
    row = where.stored
    text, markup = language_view(row, context.services.catalogs.languages, where.t)
    await show(update, text, markup)


async def language_button(update: Update, context: BotContext) -> None:
    found = await for_button(update, context)
    if found is None:
        return
    query, where = found
    parts = unpack(query.data)
    catalogs = context.services.catalogs
    await answer(query)
    if len(parts) != 2 or parts[1] not in catalogs.languages:
        return
    async with context.services.sessions() as session:
        chat = await get_chat(session, telegram_id=where.chat_id)
        assert chat is not None
        chat.language = parts[1]
        await session.commit()
    t = catalogs.for_language(parts[1])
    message = t.gettext("Done: I'll write to you in %(language)s.")
    await show(update, message % {"language": native_name(parts[1])})


async def region_command(update: Update, context: BotContext) -> None:
    """Offer the four UK nations."""
    where = await for_settings(update, context)
    if where is None:
        return
    row = where.stored
    text, markup = region_view(row, where.t)
    await show(update, text, markup)


async def region_button(update: Update, context: BotContext) -> None:
    found = await for_button(update, context)
    if found is None:
        return
    query, where = found
    parts = unpack(query.data)
    await answer(query)
    if len(parts) != 2 or parts[1] not in REGIONS:
        return
    async with context.services.sessions() as session:
        chat = await get_chat(session, telegram_id=where.chat_id)
        assert chat is not None
        chat.region = parts[1]
        await session.commit()
    _ = where.t.gettext
    await show(
        update, _("Saved: tips for %(nation)s.") % {"nation": region_name(parts[1], where.t)}
    )


def build_handlers() -> list[BaseHandler[Update, BotContext, None]]:
    return [
        CommandHandler("language", language_command),
        CommandHandler("region", region_command),
        CallbackQueryHandler(language_button, pattern=pattern("lg")),
        CallbackQueryHandler(region_button, pattern=pattern("rg")),
    ]
