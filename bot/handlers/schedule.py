"""/schedule: how often (1-3 a week or daily), which days, what time, which time zone."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from datetime import datetime
from functools import partial

from babel import Locale
from babel.dates import get_day_names
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import BotContext, PendingInput
from bot.handlers.common import (
    ChatUnit,
    Reply,
    answer,
    ask_again,
    ask_question,
    chat_unit,
    may_change_settings,
    show,
    stored_chat_unit,
)
from bot.texts import local_time, plan_line, schedule_line
from domain.buttons import (
    AnyButton,
    Ask,
    Frequency,
    Menu,
    Question,
    SendTime,
    Step,
    TimeZone,
    ToggleDay,
    parse,
)
from domain.cadence import (
    FREQUENCY_PRESETS,
    after_quiet_hours,
    cadence_for,
    format_days,
    format_hhmm,
    next_slot,
    parse_days,
    parse_hhmm,
    parse_user_time,
)
from domain.chats import ChatProfile, refresh_next_slot
from domain.i18n import Translator
from domain.timezones import ZoneInputError, parse_time_zone

TIME_PRESETS = ("08:00", "10:00", "12:30", "16:00", "19:00")
ZONE_PRESETS = ("Europe/London", "Europe/Warsaw", "Europe/Kyiv", "Asia/Karachi")
ZONES = Step(Menu.SCHEDULE, "zone")
DONE = Step(Menu.SCHEDULE, "done")


def frequency_buttons(
    profile: ChatProfile, t: Translator, menu: Menu
) -> list[InlineKeyboardButton]:
    per_week = len(parse_days(profile.schedule.days))
    labels = {
        1: t.gettext("1 a week"),
        2: t.gettext("2 a week"),
        3: t.gettext("3 a week"),
        7: t.gettext("Daily"),
    }
    return [
        InlineKeyboardButton(
            ("✅ " if n == per_week else "") + label, callback_data=Frequency(menu, n).pack()
        )
        for n, label in labels.items()
    ]


def time_buttons(profile: ChatProfile, t: Translator, menu: Menu) -> list[InlineKeyboardButton]:
    chosen = profile.schedule.send_time
    return [
        InlineKeyboardButton(
            ("✅ " if hhmm == chosen else "") + local_time(parse_hhmm(hhmm), t),
            callback_data=SendTime(menu, hhmm).pack(),
        )
        for hhmm in TIME_PRESETS
    ]


def quiet_hours_note(profile: ChatProfile, now: datetime, t: Translator) -> str | None:
    """Why tips come later than the chosen time when it falls in the chat's quiet hours, by
    the rule the planner applies (domain.cadence.after_quiet_hours); None when it does not."""
    cadence = cadence_for(profile.schedule, profile.chat.timezone)
    slot = next_slot(cadence, now)
    moved = after_quiet_hours(cadence, slot)
    if moved == slot:
        return None
    return t.gettext(
        "%(time)s is within the quiet hours (%(start)s–%(end)s), when no tips are sent, "
        "so tips come at %(actual)s."
    ) % {
        "time": local_time(cadence.send_time, t),
        "start": local_time(cadence.quiet_start, t),
        "end": local_time(cadence.quiet_end, t),
        "actual": local_time(moved.astimezone(cadence.timezone).time(), t),
    }


def schedule_view(
    profile: ChatProfile, t: Translator, now: datetime
) -> tuple[str, InlineKeyboardMarkup]:
    _ = t.gettext
    chosen_days = parse_days(profile.schedule.days)
    names = get_day_names("abbreviated", locale=t.locale)
    day_row = [
        InlineKeyboardButton(
            ("✅ " if d in chosen_days else "") + names[d], callback_data=ToggleDay(d).pack()
        )
        for d in range(7)
    ]
    rows = [
        frequency_buttons(profile, t, Menu.SCHEDULE),
        day_row[:4],
        day_row[4:],
        time_buttons(profile, t, Menu.SCHEDULE),
        [
            InlineKeyboardButton(_("Other time…"), callback_data=Ask("time").pack()),
            InlineKeyboardButton(_("Time zone…"), callback_data=ZONES.pack()),
        ],
        [InlineKeyboardButton(_("Done"), callback_data=DONE.pack())],
    ]
    lines = [_("<b>When would you like tips?</b>"), schedule_line(profile, t)]
    note = quiet_hours_note(profile, now, t)
    if note is not None:
        lines.append(note)
    lines.append(plan_line(profile, now, t))
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def zone_view(profile: ChatProfile, t: Translator) -> tuple[str, InlineKeyboardMarkup]:
    _ = t.gettext
    rows = [
        [
            InlineKeyboardButton(
                ("✅ " if z == profile.chat.timezone else "") + z,
                callback_data=TimeZone(z).pack(),
            )
        ]
        for z in ZONE_PRESETS
    ]
    rows.append(
        [InlineKeyboardButton(_("Another time zone…"), callback_data=Ask("timezone").pack())]
    )
    rows.append(
        [InlineKeyboardButton(_("⬅️ Back"), callback_data=Step(Menu.SCHEDULE, "back").pack())]
    )
    return _(
        "Which time zone are you in? Tips come at your chosen time in this zone."
    ), InlineKeyboardMarkup(rows)


async def change_schedule(
    unit: ChatUnit,
    now: datetime,
    *,
    days: frozenset[int] | None = None,
    send_time: str | None = None,
    timezone: str | None = None,
) -> ChatProfile:
    """Apply one change in the chat's unit of work, re-plan the next slot; the new profile."""
    profile = await unit.profile()
    if days is not None:
        profile.schedule.days = format_days(days)
    if send_time is not None:
        profile.schedule.send_time = send_time
    if timezone is not None:
        unit.chat.timezone = timezone
    await refresh_next_slot(unit.session, chat=unit.chat, now=now)
    return profile


async def render(update: Update, context: BotContext, profile: ChatProfile, t: Translator) -> None:
    await show(update, *schedule_view(profile, t, context.services.clock()))


async def schedule_command(update: Update, context: BotContext) -> None:
    """Show the schedule with buttons to change it."""
    if not await may_change_settings(update, context):
        return
    async with chat_unit(update, context) as unit:
        profile = await unit.profile()
    await render(update, context, profile, unit.t)


async def change_from_button(
    unit: ChatUnit, button: AnyButton | None, now: datetime
) -> ChatProfile:
    """The change a /schedule button makes in the chat's unit of work (none for Back or data
    that offers no change); the profile to show."""
    profile = await unit.profile()
    match button:
        case Frequency(menu=Menu.SCHEDULE, per_week=per_week):
            return await change_schedule(unit, now, days=FREQUENCY_PRESETS[per_week])
        case ToggleDay(day=day):
            days = parse_days(profile.schedule.days) ^ {day}
            return await change_schedule(unit, now, days=days)
        case SendTime(menu=Menu.SCHEDULE, hhmm=hhmm) if hhmm in TIME_PRESETS:
            return await change_schedule(unit, now, send_time=hhmm)
        case TimeZone(zone=zone) if zone in ZONE_PRESETS:
            return await change_schedule(unit, now, timezone=zone)
    return profile


async def is_the_only_day(unit: ChatUnit, day: int) -> bool:
    """Unticking `day` would leave no day."""
    return parse_days((await unit.profile()).schedule.days) == {day}


async def ask_for(update: Update, context: BotContext, question: Question, t: Translator) -> None:
    """Ask for a time or a time zone as the chat's open question."""
    _ = t.gettext
    text = (
        _("What time would you like tips? Send it like 09:30.")
        if question == "time"
        else _("Send your city or time zone, for example London or Asia/Karachi.")
    )
    await ask_question(update, context, kind=question, return_to=Menu.SCHEDULE, question=text, t=t)


async def schedule_button(update: Update, context: BotContext) -> None:
    """Every button of /schedule and of its time zone list: stored in the chat's unit of work,
    then shown."""
    query = update.callback_query
    if query is None or not await may_change_settings(update, context):
        return
    button = parse(query.data)
    reply: Reply | None = None
    hint: str | None = None
    async with stored_chat_unit(update, context) as unit:
        if unit is not None:
            t = unit.t
            match button:
                case Ask(question=question):
                    reply = partial(ask_for, update, context, question, t)
                case Step(menu=Menu.SCHEDULE, name="done"):
                    saved = t.gettext("Saved. Change it any time with /schedule.")
                    reply = partial(show, update, saved)
                case Step(menu=Menu.SCHEDULE, name="zone"):
                    reply = partial(show, update, *zone_view(await unit.profile(), t))
                case ToggleDay(day=day) if await is_the_only_day(unit, day):
                    hint = t.gettext("Keep at least one day.")  # the only answer: a hint
                case _:
                    profile = await change_from_button(unit, button, context.services.clock())
                    reply = partial(render, update, context, profile, t)
    await answer(query, hint)
    if reply is not None:
        await reply()


def parse_time_text(text: str, locale: Locale) -> str | None:
    """'9:30', '19.30', '7pm', '7:30 PM', '۷:۳۰' -> '09:30'-style; None when it is no time."""
    try:
        return format_hhmm(parse_user_time(text, locale))
    except ValueError:
        return None


def parse_zone_text(text: str, locales: Sequence[Locale]) -> str | None:
    """'Europe/London', 'Paris', 'Warszawa', 'کراچی' -> an IANA name; None when unknown."""
    try:
        return parse_time_zone(text, locales)
    except ZoneInputError:
        return None


def zone_name_locales(context: BotContext, t: Translator) -> tuple[Locale, ...]:
    """Place names are read in the chat's language first, then in every other UI language
    (a Polish parent may use the English UI and type "Warszawa")."""
    catalogs = context.services.catalogs
    return (t.locale, *(catalogs.for_language(lang).locale for lang in catalogs.languages))


async def receive_answer(update: Update, context: BotContext, pending: PendingInput) -> None:
    """A typed time or time zone."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    is_time = pending.kind == "time"
    value: str | None = None
    async with stored_chat_unit(update, context) as unit:
        if unit is not None:
            value = (
                parse_time_text(message.text, unit.t.locale)
                if is_time
                else parse_zone_text(message.text, zone_name_locales(context, unit.t))
            )
        if unit is not None and value is not None:
            now = context.services.clock()
            if is_time:
                profile = await change_schedule(unit, now, send_time=value)
            else:
                profile = await change_schedule(unit, now, timezone=value)
    if unit is None:
        return
    _ = unit.t.gettext
    if value is None:
        problem = (
            _("Please send a time like 09:30.")
            if is_time
            else _(
                "I don't know that place or time zone. Try a big city near you, "
                "like London, or a name like Europe/London."
            )
        )
        await ask_again(update, context, pending, problem, unit.t)
        return
    context.chat_state.pending = None
    if pending.menu_message_id is not None:
        # The menu the question came from would still change the schedule: close it, and
        # show the new schedule below the answer, where the eyes are.
        with contextlib.suppress(TelegramError):
            await context.bot.edit_message_reply_markup(
                unit.chat.telegram_id, pending.menu_message_id, reply_markup=None
            )
    await render(update, context, profile, unit.t)


def build_handlers() -> list[BaseHandler[Update, BotContext, None]]:
    return [
        CommandHandler("schedule", schedule_command),
        CallbackQueryHandler(schedule_button, pattern=Menu.SCHEDULE.pattern),
    ]
