"""/topics: the multi-select list of topic feeds (also onboarding's first step)."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import BotContext
from bot.handlers.common import (
    ChatUnit,
    answer,
    chat_unit,
    may_change_settings,
    show,
    stored_chat_unit,
)
from domain.buttons import Menu, Step, ToggleTopic, parse
from domain.content.model import Library
from domain.i18n import Translator

CHECKED, UNCHECKED = "✅", "⬜"


def topic_keyboard(
    chosen: frozenset[str], library: Library, t: Translator, *, menu: Menu, done: str
) -> InlineKeyboardMarkup:
    """One checkbox row per topic, then a row that moves on (`done` is its label)."""
    rows = [
        [
            InlineKeyboardButton(
                f"{CHECKED if topic.id in chosen else UNCHECKED} {topic.emoji} "
                f"{topic.name(t.language)}",
                callback_data=ToggleTopic(menu, topic.id).pack(),
            )
        ]
        for topic in library.topics.values()
    ]
    rows.append([InlineKeyboardButton(done, callback_data=Step(menu, "done").pack())])
    return InlineKeyboardMarkup(rows)


def topics_text(library: Library, t: Translator) -> str:
    _ = t.gettext
    lines = [_("<b>Which topics would you like?</b> Tap to choose, tap again to remove.")]
    lines += [
        f"{topic.emoji} <b>{topic.name(t.language)}</b>: {topic.description(t.language)}"
        for topic in library.topics.values()
    ]
    return "\n".join(lines)


async def toggle_topic(unit: ChatUnit, topic_id: str) -> frozenset[str]:
    """Add or remove one topic for the chat (in its unit of work); returns the new selection."""
    profile = await unit.profile()
    return (await unit.set_topics(profile.topics ^ {topic_id})).topics


async def topics_command(update: Update, context: BotContext) -> None:
    """Show the topic checklist."""
    if not await may_change_settings(update, context):
        return
    async with chat_unit(update, context) as unit:
        chosen = (await unit.profile()).topics
    library = context.services.library.current
    await show(
        update,
        topics_text(library, unit.t),
        topic_keyboard(chosen, library, unit.t, menu=Menu.TOPICS, done=unit.t.gettext("Done")),
    )


async def topics_button(update: Update, context: BotContext) -> None:
    """A tap on a topic (toggle) or on Done. A chat keeps at least one topic: with none it
    would be subscribed to nothing, and nothing would ever come."""
    query = update.callback_query
    if query is None or not await may_change_settings(update, context):
        return
    library = context.services.library.current
    button = parse(query.data)
    chosen: frozenset[str] | None = None
    saved = refused = False
    async with stored_chat_unit(update, context) as unit:
        if unit is not None:
            topics = (await unit.profile()).topics
            if isinstance(button, ToggleTopic) and button.topic_id in library.topics:
                refused = topics == {button.topic_id}
                if not refused:
                    chosen = await toggle_topic(unit, button.topic_id)
            elif button == Step(Menu.TOPICS, "done"):
                saved, refused = bool(topics), not topics
    if unit is None:
        await answer(query)
        return
    _ = unit.t.gettext
    if refused:  # the last topic, or Done with none (left from before this rule)
        await answer(query, _("Keep at least one topic. To stop all tips, send /stop."))
        return
    await answer(query)
    if chosen is not None:
        await show(
            update,
            topics_text(library, unit.t),
            topic_keyboard(chosen, library, unit.t, menu=Menu.TOPICS, done=_("Done")),
        )
    elif saved:
        await show(update, _("Your topics are saved. Change them any time with /topics."))


def build_handlers() -> list[BaseHandler[Update, BotContext, None]]:
    return [
        CommandHandler("topics", topics_command),
        CallbackQueryHandler(topics_button, pattern=Menu.TOPICS.pattern),
    ]
