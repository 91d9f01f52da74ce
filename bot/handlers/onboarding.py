"""/start: greet, then topics -> nation -> children -> how often (which days) -> what time ->
a confirmed summary; "Step n of 5" on each, and Back on every step after the first.

With the defaults (all topics, the nation guessed from the language, no child, 3 a week, 10:00)
it is five taps. The step a chat is on is stored (`Chat.setup_step`), so /start, /resume and an
undone /stop bring a chat that has not finished back to it. /start from a chat that has finished
shows what it is subscribed to, with buttons to change it (and turns tips on again after a /stop
or a block). `/start TOPIC` (a deep link from a poster or QR code) subscribes straight to that
topic with the default schedule and asks, in one tap, about a child: expecting (the due-date
step), a baby or child (the birth-date step) or skip; a new chat also sees its nation ticked
below, and changes it with one tap. Tips flow meanwhile; a family that skips is asked once more
after a few tips (scheduler.child_prompt), and never again.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import replace
from functools import partial

from babel.dates import get_day_names
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
from bot.handlers.language import (
    REGIONS,
    region_buttons,
    region_name,
    region_question,
)
from bot.handlers.schedule import (
    TIME_PRESETS,
    change_schedule,
    frequency_buttons,
    time_buttons,
)
from bot.handlers.topics import toggle_topic, topic_keyboard, topics_text
from bot.texts import plan_line, schedule_line, step_line, topics_line, when_line
from domain.buttons import (
    ChildQuestion,
    Frequency,
    Menu,
    OpenSettings,
    Region,
    SendTime,
    SettingsTarget,
    Step,
    StepName,
    ToggleDay,
    ToggleTopic,
    parse,
)
from domain.cadence import FREQUENCY_PRESETS, parse_days
from domain.chats import SETUP_STEPS, ChatProfile, activate, set_status, set_topics
from domain.child_prompt import note_asked
from domain.content.model import Library
from domain.i18n import Translator
from domain.models import ChatStatus
from scheduler.child_prompt import question_keyboard, question_text


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


def profile_lines(profile: ChatProfile, context: BotContext, t: Translator) -> list[str]:
    """What the chat is subscribed to: topics, children, nation, schedule, the next tip."""
    _ = t.gettext
    library = context.services.library.current
    today = context.services.clock().date()
    children = [describe_child(c, today, t) for c in profile.children] or [_("none")]
    return [
        _("Topics: %(topics)s") % {"topics": topics_line(profile, library, t)},
        _("Children: %(children)s") % {"children": t.join_clauses(children)},
        _("Nation: %(nation)s") % {"nation": region_name(profile.chat.region, t)},
        schedule_line(profile, t),
        plan_line(profile, context.services.clock(), t),
    ]


def summary(profile: ChatProfile, context: BotContext, t: Translator) -> str:
    _ = t.gettext
    return "\n".join(
        [
            _("✅ <b>All set!</b>"),
            *profile_lines(profile, context, t),
            _("Change anything with /settings, or stop with /stop."),
        ]
    )


def subscribed_view(
    profile: ChatProfile, context: BotContext, t: Translator, *, resumed: bool
) -> tuple[str, InlineKeyboardMarkup]:
    """/start from a chat that has finished the walk-through: what it gets, and buttons to
    change it (the /settings screens)."""
    _ = t.gettext
    heading = _("Welcome back! Tips are on again.") if resumed else _("<b>You're subscribed.</b>")

    def button(label: str, target: SettingsTarget) -> InlineKeyboardButton:
        return InlineKeyboardButton(label, callback_data=OpenSettings(target).pack())

    rows = [
        [button(_("📚 Topics"), "topics"), button(_("👶 Children"), "children")],
        [button(_("🗓 Days and time"), "schedule"), button(_("📍 Nation"), "region")],
    ]
    lines = [heading, *profile_lines(profile, context, t), _("More with /settings.")]
    return "\n".join(lines), InlineKeyboardMarkup(rows)


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


def back_row(
    to: StepName, t: Translator, ahead: InlineKeyboardButton
) -> list[InlineKeyboardButton]:
    """Back to the step before, and the button that moves on."""
    back = InlineKeyboardButton(t.gettext("⬅️ Back"), callback_data=Step(Menu.ONBOARDING, to).pack())
    return [back, ahead]


def topics_step(
    chosen: frozenset[str], library: Library, t: Translator, *, intro: bool
) -> tuple[str, InlineKeyboardMarkup]:
    text = f"{step_line('topics', t)}\n{topics_text(library, t)}"
    if intro:
        text = f"{greeting(t)}\n\n{text}"
    done = t.gettext("Next ➡️")
    return text, topic_keyboard(chosen, library, t, menu=Menu.ONBOARDING, done=done)


def nation_step(profile: ChatProfile, t: Translator) -> tuple[str, InlineKeyboardMarkup]:
    """One tap: the nation guessed from the language (or the default) is ticked already."""
    rows = region_buttons(profile.chat.region, t, Menu.ONBOARDING)
    back = InlineKeyboardButton(
        t.gettext("⬅️ Back"), callback_data=Step(Menu.ONBOARDING, "begin").pack()
    )
    text = f"{step_line('nation', t)}\n{region_question(t)}"
    return text, InlineKeyboardMarkup([*rows, [back]])


def frequency_step(profile: ChatProfile, t: Translator) -> tuple[str, InlineKeyboardMarkup]:
    """How many a week, and on which days (ticked; a tap changes them)."""
    _ = t.gettext
    chosen = parse_days(profile.schedule.days)
    names = get_day_names("abbreviated", locale=t.locale)
    days = [
        InlineKeyboardButton(
            ("✅" if d in chosen else "") + names[d],
            callback_data=ToggleDay(d, Menu.ONBOARDING).pack(),
        )
        for d in range(7)
    ]
    ahead = InlineKeyboardButton(_("Next ➡️"), callback_data=Step(Menu.ONBOARDING, "time").pack())
    rows = [
        frequency_buttons(profile, t, Menu.ONBOARDING),
        days[:4],
        days[4:],
        back_row("kids", t, ahead),
    ]
    text = "\n".join(
        [
            step_line("often", t),
            _("<b>How often?</b> Three a week suits most families; you can change it later."),
            schedule_line(profile, t),
            _("Tips come on the ticked days; tap a day to change them."),
        ]
    )
    return text, InlineKeyboardMarkup(rows)


def time_step(profile: ChatProfile, t: Translator) -> tuple[str, InlineKeyboardMarkup]:
    _ = t.gettext
    times = time_buttons(profile, t, Menu.ONBOARDING)
    confirm = Step(Menu.ONBOARDING, "confirm").pack()
    ahead = InlineKeyboardButton(_("✅ Confirm"), callback_data=confirm)
    rows = [times[:3], times[3:], back_row("freq", t, ahead)]
    text = "\n".join([step_line("time", t), _("<b>What time?</b>"), schedule_line(profile, t)])
    return text, InlineKeyboardMarkup(rows)


def step_view(
    step: str, profile: ChatProfile, context: BotContext, t: Translator, *, intro: bool = False
) -> tuple[str, InlineKeyboardMarkup]:
    """The screen of one of onboarding's steps (domain.chats.SETUP_STEPS)."""
    library = context.services.library.current
    match step:
        case "nation":
            return nation_step(profile, t)
        case "children":
            today = context.services.clock().date()
            return children_view(profile.children, today, t, back_to=Menu.ONBOARDING)
        case "often":
            return frequency_step(profile, t)
        case "time":
            return time_step(profile, t)
    return topics_step(profile.topics, library, t, intro=intro)


async def subscribe_by_link(update: Update, context: BotContext, topic_id: str) -> None:
    """A deep link: subscribe to one topic with the default schedule, say so, and ask about a
    child unless the chat has one already. A new chat is created, subscribed and marked as
    asked, together with the other new chats of the moment (bot.intake); it is greeted, and
    its nation (guessed from the language) is shown ticked, to change in one tap."""
    now = context.services.clock()
    profile = await create_new_chat(update, context, topics=frozenset({topic_id}), subscribe=True)
    new = profile is not None
    half_set_up = False
    if profile is None:  # a chat we know (or a failed batch: alone, errors are reported)
        async with context.services.sessions() as session:
            profile = await ensure_profile(update, context, session, topics=frozenset({topic_id}))
            assert profile.chat.id is not None
            half_set_up = profile.chat.setup_step is not None
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
    lines = [greeting(t), ""] if new else []
    lines += [
        _("You're subscribed to %(topic)s.")
        % {"topic": f"{topic.emoji} <b>{topic.name(t.language)}</b>"},
        schedule_line(profile, t),
        when_line(next_tip_at(profile, now), profile.chat.timezone, t),
    ]
    rows: list[Sequence[InlineKeyboardButton]] = []
    if asking:
        rows += question_keyboard(t).inline_keyboard
    if new or half_set_up:
        lines += [
            "",
            _("📍 Tips follow the rules of the nation ticked below; tap yours if it differs."),
        ]
        rows += region_buttons(chat.region, t, Menu.ONBOARDING)
    if asking:
        lines += ["", question_text(t)]
    else:
        lines.append(_("Add a child, other topics or change the days with /settings."))
    await show(update, "\n".join(lines), InlineKeyboardMarkup(rows) if rows else None)


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


async def nation_ticked(update: Update, region: str, t: Translator) -> None:
    """A nation tapped outside the walk-through (the deep-link welcome): the tick moves to it
    and everything else on the message stays."""
    query = update.callback_query
    if query is None or not isinstance(query.message, Message):
        return
    old = query.message.reply_markup
    if old is None:
        return
    rows = [
        [
            InlineKeyboardButton(
                ("✅ " if parsed.region == region else "") + region_name(parsed.region, t),
                callback_data=button.callback_data,
            )
            if isinstance(parsed := parse(str(button.callback_data)), Region)
            and parsed.region in REGIONS
            else button
            for button in row
        ]
        for row in old.inline_keyboard
    ]
    with contextlib.suppress(BadRequest):  # "not modified": the ticked one again
        await query.message.edit_reply_markup(reply_markup=InlineKeyboardMarkup(rows))


async def start(update: Update, context: BotContext) -> None:
    """/start, with an optional topic from a deep link.

    A new chat is created (with every topic for the walk-through) together with the other new
    chats of the moment, and greeted at the first step. A known chat is read in one unit of
    work: one that has not finished the walk-through is shown the step it is on; one that has
    is shown what it gets (and subscribed again if it had stopped or blocked the bot, with
    everything it chose). A deep link subscribes in one unit of work too."""
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
    now = context.services.clock()
    everything = frozenset(library.topics)
    profile = await create_new_chat(update, context, topics=everything)
    resumed = False
    if profile is None:  # a chat we know (or a failed batch: alone, errors are reported)
        async with context.services.sessions() as session:
            profile = await ensure_profile(update, context, session, topics=everything)
            row = profile.chat
            away = row.status in (ChatStatus.STOPPED, ChatStatus.BLOCKED)
            if row.setup_step is None and away:
                await activate(session, chat=row, now=now)
                resumed = True
            elif row.setup_step is not None:
                if away:
                    await set_status(session, chat=row, status=ChatStatus.ONBOARDING, now=now)
                profile = await with_some_topics(session, context, profile)
            await session.commit()
    t = context.services.catalogs.for_language(profile.chat.language)
    step = profile.chat.setup_step
    if step is None:
        await show(update, *subscribed_view(profile, context, t, resumed=resumed))
    else:
        await show(update, *step_view(step, profile, context, t, intro=step == SETUP_STEPS[0]))


async def onboarding_button(update: Update, context: BotContext) -> None:
    """Every button of the walk-through: stored in the chat's unit of work, then shown. The
    step shown is stored too while the chat is in the walk-through."""
    query = update.callback_query
    if query is None or not await may_change_settings(update, context):
        return
    button = parse(query.data)
    library = context.services.library.current
    now = context.services.clock()
    reply: Reply | None = None
    hint: str | None = None
    shown: str | None = None  # the step whose screen the reply shows
    async with chat_unit(update, context) as unit:
        t = unit.t
        walking = unit.chat.setup_step is not None
        match button:
            case Step(menu=Menu.ONBOARDING, name="begin") if not walking:
                view = subscribed_view(await unit.profile(), context, t, resumed=False)
                reply = partial(show, update, *view)
            case Step(menu=Menu.ONBOARDING, name="begin"):
                profile = await with_some_topics(unit.session, context, await unit.profile())
                shown = "topics"
                reply = partial(show, update, *topics_step(profile.topics, library, t, intro=False))
            case ToggleTopic(menu=Menu.ONBOARDING, topic_id=topic) if topic in library.topics:
                chosen = await toggle_topic(unit, topic)
                reply = partial(show, update, *topics_step(chosen, library, t, intro=False))
            case Step(menu=Menu.ONBOARDING, name="done") if not (await unit.profile()).topics:
                hint = t.gettext("Choose at least one topic.")  # the only answer: a hint
            case Step(menu=Menu.ONBOARDING, name="done" | "nation"):
                shown = "nation"
                reply = partial(show, update, *nation_step(await unit.profile(), t))
            case Region(menu=Menu.ONBOARDING, region=region) if region in REGIONS and walking:
                unit.chat.region = region
                shown = "children"
            case Region(menu=Menu.ONBOARDING, region=region) if region in REGIONS:
                unit.chat.region = region
                hint = t.gettext("Saved: tips for %(nation)s.") % {"nation": region_name(region, t)}
                reply = partial(nation_ticked, update, region, t)
            case Step(menu=Menu.ONBOARDING, name="kids"):
                shown = "children"
            case Step(menu=Menu.ONBOARDING, name="freq"):
                shown = "often"
            case Frequency(menu=Menu.ONBOARDING, per_week=per_week):
                await change_schedule(unit, now, days=FREQUENCY_PRESETS[per_week])
                shown = "often"
            case ToggleDay(menu=Menu.ONBOARDING, day=day):
                days = parse_days((await unit.profile()).schedule.days)
                if days == {day}:
                    hint = t.gettext("Keep at least one day.")  # the only answer: a hint
                else:
                    await change_schedule(unit, now, days=days ^ {day})
                    shown = "often"
            case Step(menu=Menu.ONBOARDING, name="time"):
                shown = "time"
            case SendTime(menu=Menu.ONBOARDING, hhmm=hhmm) if hhmm in TIME_PRESETS:
                await change_schedule(unit, now, send_time=hhmm)
                shown = "time"
            case ChildQuestion(answer="skip"):
                context.chat_state.pending = None
                reply = partial(skipped, update, t)
            case ChildQuestion(answer="due" | "birth" as kind):
                reply = partial(ask_for_date, update, context, kind, Menu.CHILDREN, t)
            case Step(menu=Menu.ONBOARDING, name="confirm"):
                profile = await unit.profile()
                await activate(unit.session, chat=unit.chat, now=now)
                reply = partial(show, update, summary(profile, context, t))
        if shown is not None:
            if walking:
                unit.chat.setup_step = shown
            if reply is None:
                view = step_view(shown, await unit.profile(), context, t)
                reply = partial(show, update, *view)
    await answer(query, hint)
    if reply is not None:
        await reply()


def build_handlers() -> list[BaseHandler[Update, BotContext, None]]:
    return [
        CommandHandler("start", start),
        CallbackQueryHandler(onboarding_button, pattern=Menu.ONBOARDING.pattern),
    ]
