"""/start: greet, then topics -> children -> how often -> what time -> a confirmed summary.

With the defaults (all topics, no child, 3 a week, 10:00) it is four taps. `/start TOPIC` (a
deep link from a poster or QR code) subscribes straight to that topic with the default schedule.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.callbacks import action_and_argument, pack, pattern, small_int
from bot.context import BotContext
from bot.handlers.children import describe_child, show_children
from bot.handlers.common import (
    Here,
    answer,
    ensure_chat,
    here,
    may_change_settings,
    next_tip_at,
    profile_for,
    show,
)
from bot.handlers.schedule import change_schedule, frequency_buttons, preset_time, time_buttons
from bot.handlers.topics import toggle_topic, topic_keyboard, topics_text
from bot.texts import schedule_line, topics_line, when_line
from domain.cadence import FREQUENCY_PRESETS, WEEKDAYS
from domain.chats import ChatProfile, activate, get_chat, load_profile, set_topics
from domain.i18n import Translator

STEPS = 4


def step(n: int, t: Translator) -> str:
    return t.gettext("Step %(n)d of %(total)d") % {"n": n, "total": STEPS}


def greeting(t: Translator) -> str:
    _ = t.gettext
    return "\n".join(
        [
            _(
                "Hello! I'm tipsbot. I send short, trusted tips for families: "
                "health, money and benefits, and learning through play."
            ),
            _(
                "You choose the topics and when they come; tips follow "
                "your pregnancy or your child's age."
            ),
        ]
    )


def summary(profile: ChatProfile, context: BotContext, t: Translator) -> str:
    _ = t.gettext
    library = context.services.library.current
    today = context.services.clock().date()
    children = [describe_child(c, today, t) for c in profile.children] or [_("none")]
    return "\n".join(
        [
            _("✅ <b>All set!</b>"),
            _("Topics: %(topics)s") % {"topics": topics_line(profile, library, t)},
            _("Children: %(children)s") % {"children": "; ".join(children)},
            schedule_line(profile, t),
            when_line(next_tip_at(profile, context.services.clock()), profile.chat.timezone, t),
            _("Change anything with /settings, or stop with /stop."),
        ]
    )


async def show_topics_step(
    update: Update, context: BotContext, where: Here, *, intro: bool
) -> None:
    profile = await profile_for(context, where.chat_id)
    library = context.services.library.current
    if not profile.topics:
        assert profile.chat.id is not None
        async with context.services.sessions() as session:
            await set_topics(session, chat_id=profile.chat.id, topics=frozenset(library.topics))
            await session.commit()
        profile = await profile_for(context, where.chat_id)
    t = where.t
    text = f"{step(1, t)}\n{topics_text(library, t)}"
    if intro:
        text = f"{greeting(t)}\n\n{text}"
    await show(
        update,
        text,
        topic_keyboard(profile.topics, library, t, feature="ob", done=t.gettext("Next ➡️")),
    )


async def subscribe_by_link(
    update: Update, context: BotContext, where: Here, topic_id: str
) -> None:
    """A deep link: subscribe to one topic with the default schedule, say so."""
    chat = await ensure_chat(update, context)
    now = context.services.clock()
    async with context.services.sessions() as session:
        stored = await get_chat(session, telegram_id=chat.telegram_id)
        assert stored is not None and stored.id is not None
        profile = await load_profile(session, chat=stored)
        await set_topics(session, chat_id=stored.id, topics=profile.topics | {topic_id})
        await activate(session, chat=stored, now=now)
        await session.commit()
        profile = await load_profile(session, chat=stored)
    topic = context.services.library.current.topics[topic_id]
    t = where.t
    _ = t.gettext
    await show(
        update,
        "\n".join(
            [
                greeting(t),
                "",
                _("You're subscribed to %(topic)s.")
                % {"topic": f"{topic.emoji} <b>{topic.name(t.language)}</b>"},
                schedule_line(profile, t),
                when_line(next_tip_at(profile, now), profile.chat.timezone, t),
                _("Add a child, other topics or change the days with /settings."),
            ]
        ),
    )


async def start(update: Update, context: BotContext) -> None:
    """/start, with an optional topic from a deep link."""
    where = await here(update, context)
    if where is None:
        return
    if not where.is_private and not await may_change_settings(update, context, where.t):
        return
    await ensure_chat(update, context)
    where = await here(update, context)
    assert where is not None
    payload = context.args[0] if context.args else None
    if payload and payload in context.services.library.current.topics:
        await subscribe_by_link(update, context, where, payload)
        return
    await show_topics_step(update, context, where, intro=True)


async def onboarding_button(update: Update, context: BotContext) -> None:
    """Every button of the walk-through."""
    query = update.callback_query
    where = await here(update, context)
    if query is None or where is None:
        await answer(query)
        return
    if not await may_change_settings(update, context, where.t):
        return
    if where.row is None:
        await ensure_chat(update, context)
        where = await here(update, context)
        assert where is not None
    t = where.t
    _ = t.gettext
    action, arg = action_and_argument(query.data)
    library = context.services.library.current
    if action == "done" and not (await profile_for(context, where.chat_id)).topics:
        await answer(query, _("Choose at least one topic."))  # the only answer: a hint
        return
    await answer(query)
    if action == "begin":
        await show_topics_step(update, context, where, intro=False)
    elif action == "t" and arg in library.topics:
        chosen = await toggle_topic(context, where.chat_id, arg)
        text = f"{step(1, t)}\n{topics_text(library, t)}"
        await show(update, text, topic_keyboard(chosen, library, t, feature="ob", done=_("Next ➡️")))
    elif action == "done":
        await show_children(update, context, "ob")
    elif action == "freq":
        await show_frequency(update, await profile_for(context, where.chat_id), t)
    elif action == "f" and small_int(arg) in FREQUENCY_PRESETS:
        days = frozenset(WEEKDAYS.index(d) for d in FREQUENCY_PRESETS[int(arg)])
        await show_time(update, await change_schedule(context, where.chat_id, days=days), t)
    elif action == "time":
        await show_time(update, await profile_for(context, where.chat_id), t)
    elif action == "h" and (send_time := preset_time(arg)) is not None:
        profile = await change_schedule(context, where.chat_id, send_time=send_time)
        await show_time(update, profile, t)
    elif action == "confirm":
        now = context.services.clock()
        async with context.services.sessions() as session:
            chat = await get_chat(session, telegram_id=where.chat_id)
            assert chat is not None
            await activate(session, chat=chat, now=now)
            await session.commit()
            profile = await load_profile(session, chat=chat)
        await show(update, summary(profile, context, t))


async def show_frequency(update: Update, profile: ChatProfile, t: Translator) -> None:
    _ = t.gettext
    rows = [
        frequency_buttons(profile, t, "ob"),
        [InlineKeyboardButton(_("Next ➡️"), callback_data=pack("ob", "time"))],
    ]
    text = "\n".join(
        [
            step(3, t),
            _("<b>How often?</b> Three a week suits most families; you can change it later."),
        ]
    )
    await show(update, text, InlineKeyboardMarkup(rows))


async def show_time(update: Update, profile: ChatProfile, t: Translator) -> None:
    _ = t.gettext
    rows = [
        time_buttons(profile, t, "ob")[:3],
        time_buttons(profile, t, "ob")[3:],
        [InlineKeyboardButton(_("✅ Confirm"), callback_data=pack("ob", "confirm"))],
    ]
    text = "\n".join([step(4, t), _("<b>What time?</b>"), schedule_line(profile, t)])
    await show(update, text, InlineKeyboardMarkup(rows))


def build_handlers() -> list[BaseHandler[Update, BotContext, None]]:
    return [
        CommandHandler("start", start),
        CallbackQueryHandler(onboarding_button, pattern=pattern("ob")),
    ]
