"""/topics: the multi-select list of topic feeds (also onboarding's first step)."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.callbacks import pack, pattern, unpack
from bot.context import BotContext
from bot.handlers.common import answer, for_button, for_settings, profile_for, show
from domain.chats import get_chat, load_profile, set_topics
from domain.content.model import Library
from domain.i18n import Translator

CHECKED, UNCHECKED = "✅", "⬜"


def topic_keyboard(
    chosen: frozenset[str], library: Library, t: Translator, *, feature: str, done: str
) -> InlineKeyboardMarkup:
    """One checkbox row per topic, then a row that moves on (`done` is its label)."""
    rows = [
        [
            InlineKeyboardButton(
                f"{CHECKED if topic.id in chosen else UNCHECKED} {topic.emoji} "
                f"{topic.name(t.language)}",
                callback_data=pack(feature, "t", topic.id),
            )
        ]
        for topic in library.topics.values()
    ]
    rows.append([InlineKeyboardButton(done, callback_data=pack(feature, "done"))])
    return InlineKeyboardMarkup(rows)


def topics_text(library: Library, t: Translator) -> str:
    _ = t.gettext
    lines = [_("<b>Which topics would you like?</b> Tap to choose, tap again to remove.")]
    lines += [
        f"{topic.emoji} <b>{topic.name(t.language)}</b>: {topic.description(t.language)}"
        for topic in library.topics.values()
    ]
    return "\n".join(lines)


async def toggle_topic(context: BotContext, telegram_id: int, topic_id: str) -> frozenset[str]:
    """Add or remove one topic for the chat; returns the new selection."""
    if topic_id not in context.services.library.current.topics:
        raise KeyError(topic_id)
    async with context.services.sessions() as session:
        chat = await get_chat(session, telegram_id=telegram_id)
        assert chat is not None and chat.id is not None
        profile = await load_profile(session, chat=chat)
        chosen = profile.topics ^ {topic_id}
        await set_topics(session, chat_id=chat.id, topics=chosen)
        await session.commit()
    return chosen


async def topics_command(update: Update, context: BotContext) -> None:
    """Show the topic checklist."""
    where = await for_settings(update, context)
    if where is None:
        return
    chosen = (await profile_for(context, where.chat_id)).topics
    library = context.services.library.current
    await show(
        update,
        topics_text(library, where.t),
        topic_keyboard(chosen, library, where.t, feature="tp", done=where.t.gettext("Done")),
    )


async def topics_button(update: Update, context: BotContext) -> None:
    """A tap on a topic (toggle) or on Done."""
    found = await for_button(update, context)
    if found is None:
        return
    query, where = found
    parts = unpack(query.data)
    library = context.services.library.current
    _ = where.t.gettext
    if parts[1:2] == ["t"] and len(parts) == 3 and parts[2] in library.topics:
        chosen = await toggle_topic(context, where.chat_id, parts[2])
        await answer(query)
        await show(
            update,
            topics_text(library, where.t),
            topic_keyboard(chosen, library, where.t, feature="tp", done=_("Done")),
        )
        return
    await answer(query)
    if parts[1:2] == ["done"]:
        await show(update, _("Your topics are saved. Change them any time with /topics."))


def build_handlers() -> list[BaseHandler[Update, BotContext, None]]:
    return [
        CommandHandler("topics", topics_command),
        CallbackQueryHandler(topics_button, pattern=pattern("tp")),
    ]
