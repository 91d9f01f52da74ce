"""/start: greet, then topics -> children -> how often -> what time -> a confirmed summary.

With the defaults (all topics, no child, 3 a week, 10:00) it is four taps. `/start TOPIC` (a
deep link from a poster or QR code) subscribes straight to that topic with the default schedule.
"""

from __future__ import annotations

from dataclasses import replace

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Chat, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.callbacks import action_and_argument, pack, pattern, small_int
from bot.context import BotContext
from bot.handlers.children import describe_child, show_children
from bot.handlers.common import (
    Here,
    answer,
    create_new_chat,
    ensure_chat,
    ensure_profile,
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
    """Step 1 for a chat that has a row (the "begin" button)."""
    async with context.services.sessions() as session:
        chat = await get_chat(session, telegram_id=where.chat_id)
        assert chat is not None
        profile = await with_some_topics(session, context, await load_profile(session, chat=chat))
        await session.commit()
    await send_topics_step(update, context, profile.topics, where.t, intro=intro)


async def with_some_topics(
    session: AsyncSession, context: BotContext, profile: ChatProfile
) -> ChatProfile:
    """A chat that chose no topic starts from all of them (in the caller's unit of work)."""
    if profile.topics:
        return profile
    assert profile.chat.id is not None
    everything = frozenset(context.services.library.current.topics)
    await set_topics(session, chat_id=profile.chat.id, topics=everything)
    return replace(profile, topics=everything)


async def send_topics_step(
    update: Update, context: BotContext, chosen: frozenset[str], t: Translator, *, intro: bool
) -> None:
    library = context.services.library.current
    text = f"{step(1, t)}\n{topics_text(library, t)}"
    if intro:
        text = f"{greeting(t)}\n\n{text}"
    await show(
        update, text, topic_keyboard(chosen, library, t, feature="ob", done=t.gettext("Next ➡️"))
    )


async def subscribe_by_link(update: Update, context: BotContext, topic_id: str) -> None:
    """A deep link: subscribe to one topic with the default schedule, say so. A new chat is
    created, subscribed, together with the other new chats of the moment (bot.intake)."""
    now = context.services.clock()
    profile = await create_new_chat(update, context, topics=frozenset({topic_id}), subscribe=True)
    if profile is None:  # a chat we know (or a failed batch: alone, errors are reported)
        async with context.services.sessions() as session:
            profile = await ensure_profile(update, context, session, topics=frozenset({topic_id}))
            assert profile.chat.id is not None
            if topic_id not in profile.topics:
                topics = profile.topics | {topic_id}
                await set_topics(session, chat_id=profile.chat.id, topics=topics)
                profile = replace(profile, topics=topics)
            await activate(session, chat=profile.chat, now=now)
            await session.commit()
    chat = profile.chat
    topic = context.services.library.current.topics[topic_id]
    t = context.services.catalogs.for_language(chat.language)
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
    """/start, with an optional topic from a deep link.

    A new chat is created (with every topic for the walk-through) together with the other new
    chats of the moment; a known chat is read, and given every topic if it has none, in one
    unit of work. A deep link subscribes in one unit of work too."""
    chat = update.effective_chat
    if chat is None:
        return
    if chat.type != Chat.PRIVATE:
        # Only admins may start a group; asking Telegram happens outside any transaction.
        where = await here(update, context)
        assert where is not None
        if not await may_change_settings(update, context, where.t):
            return
    library = context.services.library.current
    payload = context.args[0] if context.args else None
    if payload and payload in library.topics:
        await subscribe_by_link(update, context, payload)
        return
    everything = frozenset(library.topics)
    profile = await create_new_chat(update, context, topics=everything)
    if profile is None:  # a chat we know (or a failed batch: alone, errors are reported)
        async with context.services.sessions() as session:
            profile = await ensure_profile(update, context, session, topics=everything)
            profile = await with_some_topics(session, context, profile)
            await session.commit()
    t = context.services.catalogs.for_language(profile.chat.language)
    await send_topics_step(update, context, profile.topics, t, intro=True)


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
