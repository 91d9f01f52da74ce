"""/start: greet, then topics -> children -> how often -> what time -> a confirmed summary.

With the defaults (all topics, no child, 3 a week, 10:00) it is four taps. `/start TOPIC` (a
deep link from a poster or QR code) subscribes straight to that topic with the default schedule
and asks, in one tap, about a child: expecting (the due-date step), a baby or child (the
birth-date step) or skip. Tips flow meanwhile; a family that skips is asked once more after a
few tips (scheduler.child_prompt), and never again.
"""

from __future__ import annotations

import contextlib
from dataclasses import replace
from functools import partial

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Chat, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import BotContext
from bot.handlers.children import ask_for_date, children_view, describe_child
from bot.handlers.common import (
    Reply,
    answer,
    chat_unit,
    create_new_chat,
    ensure_profile,
    may_change_settings,
    next_tip_at,
    show,
)
from bot.handlers.schedule import (
    TIME_PRESETS,
    change_schedule,
    frequency_buttons,
    time_buttons,
)
from bot.handlers.topics import toggle_topic, topic_keyboard, topics_text
from bot.texts import schedule_line, topics_line, when_line
from domain.buttons import ChildQuestion, Frequency, Menu, SendTime, Step, ToggleTopic, parse
from domain.cadence import FREQUENCY_PRESETS
from domain.chats import ChatProfile, activate, set_topics
from domain.child_prompt import note_asked
from domain.content.model import Library
from domain.i18n import Translator
from scheduler.child_prompt import question_keyboard, question_text

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
            _("Children: %(children)s") % {"children": t.join_clauses(children)},
            schedule_line(profile, t),
            when_line(next_tip_at(profile, context.services.clock()), profile.chat.timezone, t),
            _("Change anything with /settings, or stop with /stop."),
        ]
    )


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


def topics_step(
    chosen: frozenset[str], library: Library, t: Translator, *, intro: bool
) -> tuple[str, InlineKeyboardMarkup]:
    text = f"{step(1, t)}\n{topics_text(library, t)}"
    if intro:
        text = f"{greeting(t)}\n\n{text}"
    done = t.gettext("Next ➡️")
    return text, topic_keyboard(chosen, library, t, menu=Menu.ONBOARDING, done=done)


async def subscribe_by_link(update: Update, context: BotContext, topic_id: str) -> None:
    """A deep link: subscribe to one topic with the default schedule, say so, and ask about a
    child unless the chat has one already. A new chat is created, subscribed and marked as
    asked, together with the other new chats of the moment (bot.intake)."""
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
            if not profile.children:
                note_asked(profile.chat)
            await session.commit()
    chat = profile.chat
    asking = not profile.children
    topic = context.services.library.current.topics[topic_id]
    t = context.services.catalogs.for_language(chat.language)
    _ = t.gettext
    lines = [
        greeting(t),
        "",
        _("You're subscribed to %(topic)s.")
        % {"topic": f"{topic.emoji} <b>{topic.name(t.language)}</b>"},
        schedule_line(profile, t),
        when_line(next_tip_at(profile, now), profile.chat.timezone, t),
    ]
    if asking:
        await show(update, "\n".join([*lines, "", question_text(t)]), question_keyboard(t))
    else:
        lines.append(_("Add a child, other topics or change the days with /settings."))
        await show(update, "\n".join(lines))


async def skipped(update: Update, t: Translator) -> None:
    """The question was skipped: its buttons go, and a word on where to add a child later."""
    query = update.callback_query
    if query is not None and isinstance(query.message, Message):
        with contextlib.suppress(BadRequest):  # already without buttons
            await query.message.edit_reply_markup(reply_markup=None)
        await query.message.reply_text(
            t.gettext(
                "No problem: you'll get tips for every family. "
                "You can add a due date or a birth date any time with /children."
            )
        )


async def start(update: Update, context: BotContext) -> None:
    """/start, with an optional topic from a deep link.

    A new chat is created (with every topic for the walk-through) together with the other new
    chats of the moment; a known chat is read, and given every topic if it has none, in one
    unit of work. A deep link subscribes in one unit of work too."""
    chat = update.effective_chat
    if chat is None:
        return
    # Only admins may start a group; asking Telegram happens outside any transaction.
    if chat.type != Chat.PRIVATE and not await may_change_settings(update, context):
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
    await show(update, *topics_step(profile.topics, library, t, intro=True))


async def onboarding_button(update: Update, context: BotContext) -> None:
    """Every button of the walk-through: stored in the chat's unit of work, then shown."""
    query = update.callback_query
    if query is None or not await may_change_settings(update, context):
        return
    button = parse(query.data)
    library = context.services.library.current
    now = context.services.clock()
    reply: Reply | None = None
    hint: str | None = None
    async with chat_unit(update, context) as unit:
        t = unit.t
        match button:
            case Step(menu=Menu.ONBOARDING, name="begin"):
                profile = await with_some_topics(unit.session, context, await unit.profile())
                reply = partial(show, update, *topics_step(profile.topics, library, t, intro=False))
            case ToggleTopic(menu=Menu.ONBOARDING, topic_id=topic) if topic in library.topics:
                chosen = await toggle_topic(unit, topic)
                reply = partial(show, update, *topics_step(chosen, library, t, intro=False))
            case Step(menu=Menu.ONBOARDING, name="done") if not (await unit.profile()).topics:
                hint = t.gettext("Choose at least one topic.")  # the only answer: a hint
            case Step(menu=Menu.ONBOARDING, name="done"):
                children = (await unit.profile()).children
                view = children_view(children, now.date(), t, back_to=Menu.ONBOARDING)
                reply = partial(show, update, *view)
            case Step(menu=Menu.ONBOARDING, name="freq"):
                reply = partial(show_frequency, update, await unit.profile(), t)
            case Frequency(menu=Menu.ONBOARDING, per_week=per_week):
                profile = await change_schedule(unit, now, days=FREQUENCY_PRESETS[per_week])
                reply = partial(show_time, update, profile, t)
            case Step(menu=Menu.ONBOARDING, name="time"):
                reply = partial(show_time, update, await unit.profile(), t)
            case SendTime(menu=Menu.ONBOARDING, hhmm=hhmm) if hhmm in TIME_PRESETS:
                profile = await change_schedule(unit, now, send_time=hhmm)
                reply = partial(show_time, update, profile, t)
            case ChildQuestion(answer="skip"):
                context.chat_state.pending = None
                reply = partial(skipped, update, t)
            case ChildQuestion(answer="due" | "birth" as kind):
                reply = partial(ask_for_date, update, context, kind, Menu.CHILDREN, t)
            case Step(menu=Menu.ONBOARDING, name="confirm"):
                profile = await unit.profile()
                await activate(unit.session, chat=unit.chat, now=now)
                reply = partial(show, update, summary(profile, context, t))
    await answer(query, hint)
    if reply is not None:
        await reply()


async def show_frequency(update: Update, profile: ChatProfile, t: Translator) -> None:
    _ = t.gettext
    rows = [
        frequency_buttons(profile, t, Menu.ONBOARDING),
        [InlineKeyboardButton(_("Next ➡️"), callback_data=Step(Menu.ONBOARDING, "time").pack())],
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
    times = time_buttons(profile, t, Menu.ONBOARDING)
    confirm = Step(Menu.ONBOARDING, "confirm").pack()
    rows = [times[:3], times[3:], [InlineKeyboardButton(_("✅ Confirm"), callback_data=confirm)]]
    text = "\n".join([step(4, t), _("<b>What time?</b>"), schedule_line(profile, t)])
    await show(update, text, InlineKeyboardMarkup(rows))


def build_handlers() -> list[BaseHandler[Update, BotContext, None]]:
    return [
        CommandHandler("start", start),
        CallbackQueryHandler(onboarding_button, pattern=Menu.ONBOARDING.pattern),
    ]
