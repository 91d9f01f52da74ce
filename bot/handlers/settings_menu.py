"""/settings: one screen leading to every other setting."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import BotContext
from bot.handlers import children, language, pause, privacy, schedule, topics
from bot.handlers.children import describe_child
from bot.handlers.common import answer, chat_unit, may_change_settings, show
from bot.handlers.language import native_name, region_name
from bot.texts import plan_line, schedule_line, topics_line
from domain.buttons import Menu, OpenSettings, SettingsTarget
from domain.content.render import escape
from domain.i18n import Translator

TARGETS: dict[SettingsTarget, Callable[[Update, BotContext], Awaitable[None]]] = {
    "topics": topics.topics_command,
    "children": children.children_command,
    "schedule": schedule.schedule_command,
    "language": language.language_command,
    "region": language.region_command,
    "pause": pause.pause_command,
    "resume": pause.resume_command,
    "stop": pause.stop_command,
    "mydata": privacy.mydata_command,
    "forget": privacy.forget_command,
}


def menu(t: Translator, paused: bool) -> InlineKeyboardMarkup:
    _ = t.gettext

    def button(label: str, target: SettingsTarget) -> InlineKeyboardButton:
        return InlineKeyboardButton(label, callback_data=OpenSettings(target).pack())

    return InlineKeyboardMarkup(
        [
            [button(_("📚 Topics"), "topics"), button(_("👶 Children"), "children")],
            [button(_("🗓 Days and time"), "schedule"), button(_("🌐 Language"), "language")],
            [
                button(_("📍 Nation"), "region"),
                button(_("▶️ Resume") if paused else _("⏸ Pause"), "resume" if paused else "pause"),
            ],
            [button(_("🛑 Stop all tips"), "stop"), button(_("📄 My data"), "mydata")],
            [button(_("🗑 Forget me"), "forget")],
        ]
    )


async def settings_command(update: Update, context: BotContext) -> None:
    """The settings overview with a button for each part."""
    if not await may_change_settings(update, context):
        return
    async with chat_unit(update, context) as unit:
        profile = await unit.profile()
    t, chat = unit.t, unit.chat
    _ = t.gettext
    now = context.services.clock()
    children = [describe_child(c, now.date(), t) for c in profile.children] or [_("none")]
    text = "\n".join(
        [
            _("<b>Your settings</b>"),
            _("Topics: %(topics)s")
            % {"topics": topics_line(profile, context.services.library.current, t)},
            _("Children: %(children)s") % {"children": escape("; ".join(children))},
            schedule_line(profile, t),
            _("Language: %(language)s") % {"language": native_name(chat.language)},
            _("Nation: %(nation)s") % {"nation": region_name(chat.region, t)},
            plan_line(profile, now, t),
        ]
    )
    await show(update, text, menu(t, paused=profile.chat.status in ("paused", "stopped")))


async def settings_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    # Refused before the answer: a refusal is the answer (an alert), and a query takes one.
    if query is None or not await may_change_settings(update, context):
        return
    button = OpenSettings.parse(query.data)
    await answer(query)
    if button is not None:
        await TARGETS[button.target](update, context)


def build_handlers() -> list[BaseHandler[Update, BotContext, None]]:
    return [
        CommandHandler("settings", settings_command),
        CallbackQueryHandler(settings_button, pattern=Menu.SETTINGS.pattern),
    ]
