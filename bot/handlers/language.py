"""/language: the chat's language for menus and tips; and the UK nation (tips differ by nation)."""

from __future__ import annotations

from babel import Locale
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import BotContext
from bot.handlers.common import answer, ensure_chat, may_change_settings, show, stored_chat_unit
from domain.buttons import Language, Menu, Region
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
                callback_data=Language(code).pack(),
            )
        ]
        for code in languages
    ]
    return t.gettext("Which language would you like?"), InlineKeyboardMarkup(rows)


def region_buttons(
    chosen: str, t: Translator, menu: Menu = Menu.REGION
) -> list[list[InlineKeyboardButton]]:
    """One row per nation, the chosen one ticked (in /region, or onboarding's `menu`)."""
    return [
        [
            InlineKeyboardButton(
                ("✅ " if r == chosen else "") + region_name(r, t),
                callback_data=Region(r, menu).pack(),
            )
        ]
        for r in REGIONS
    ]


def region_question(t: Translator) -> str:
    return t.gettext(
        "Where in the UK do you live? Benefits, childcare and some "
        "health services differ between the nations."
    )


def region_view(row: Chat, t: Translator) -> tuple[str, InlineKeyboardMarkup]:
    return region_question(t), InlineKeyboardMarkup(region_buttons(row.region, t))


async def language_command(update: Update, context: BotContext) -> None:
    """Offer the languages tipsbot speaks."""
    if not await may_change_settings(update, context):
        return
    unit = await ensure_chat(update, context)
    text, markup = language_view(unit.chat, context.services.catalogs.languages, unit.t)
    await show(update, text, markup)


async def language_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    if query is None or not await may_change_settings(update, context):
        return
    button = Language.parse(query.data)
    catalogs = context.services.catalogs
    chosen = button.code if button is not None and button.code in catalogs.languages else None
    async with stored_chat_unit(update, context) as unit:
        if unit is not None and chosen is not None:
            unit.chat.language = chosen
    await answer(query)
    if unit is None or chosen is None:
        return
    message = catalogs.for_language(chosen).gettext("Done: I'll write to you in %(language)s.")
    await show(update, message % {"language": native_name(chosen)})


async def region_command(update: Update, context: BotContext) -> None:
    """Offer the four UK nations."""
    if not await may_change_settings(update, context):
        return
    unit = await ensure_chat(update, context)
    text, markup = region_view(unit.chat, unit.t)
    await show(update, text, markup)


async def region_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    if query is None or not await may_change_settings(update, context):
        return
    button = Region.parse(query.data)
    chosen = button.region if button is not None and button.region in REGIONS else None
    async with stored_chat_unit(update, context) as unit:
        if unit is not None and chosen is not None:
            unit.chat.region = chosen
    await answer(query)
    if unit is None or chosen is None:
        return
    _ = unit.t.gettext
    await show(update, _("Saved: tips for %(nation)s.") % {"nation": region_name(chosen, unit.t)})


def build_handlers() -> list[BaseHandler[Update, BotContext, None]]:
    return [
        CommandHandler("language", language_command),
        CommandHandler("region", region_command),
        CallbackQueryHandler(language_button, pattern=Menu.LANGUAGE.pattern),
        CallbackQueryHandler(region_button, pattern=Menu.REGION.pattern),
    ]
