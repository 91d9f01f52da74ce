"""/schedule: how often (1-3 a week or daily), which days, what time, which time zone."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babel.dates import get_day_names
from telegram import ForceReply, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.callbacks import action_and_argument, pack, pattern, small_int
from bot.context import BotContext, PendingInput
from bot.handlers.common import (
    answer,
    for_button,
    for_settings,
    here,
    next_tip_at,
    profile_for,
    show,
)
from bot.texts import local_time, schedule_line, when_line
from domain.cadence import (
    FREQUENCY_PRESETS,
    format_days,
    format_hhmm,
    parse_days,
    parse_hhmm,
)
from domain.chats import ChatProfile, get_chat, load_profile, refresh_next_slot
from domain.i18n import Translator

TIME_PRESETS = ("08:00", "10:00", "12:30", "16:00", "19:00")
ZONE_PRESETS = ("Europe/London", "Europe/Warsaw", "Europe/Kyiv", "Asia/Karachi")


def frequency_buttons(
    profile: ChatProfile, t: Translator, feature: str
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
            ("✅ " if n == per_week else "") + label, callback_data=pack(feature, "f", n)
        )
        for n, label in labels.items()
    ]


def time_buttons(profile: ChatProfile, t: Translator, feature: str) -> list[InlineKeyboardButton]:
    chosen = profile.schedule.send_time
    return [
        InlineKeyboardButton(
            ("✅ " if hhmm == chosen else "") + local_time(parse_hhmm(hhmm), t),
            callback_data=pack(feature, "h", hhmm.replace(":", "")),
        )
        for hhmm in TIME_PRESETS
    ]


def schedule_view(
    profile: ChatProfile, t: Translator, now_line: str
) -> tuple[str, InlineKeyboardMarkup]:
    _ = t.gettext
    chosen_days = parse_days(profile.schedule.days)
    names = get_day_names("abbreviated", locale=t.locale)
    day_row = [
        InlineKeyboardButton(
            ("✅" if d in chosen_days else "") + names[d], callback_data=pack("sc", "d", d)
        )
        for d in range(7)
    ]
    rows = [
        frequency_buttons(profile, t, "sc"),
        day_row[:4],
        day_row[4:],
        time_buttons(profile, t, "sc"),
        [
            InlineKeyboardButton(_("Other time…"), callback_data=pack("sc", "ask", "time")),
            InlineKeyboardButton(_("Time zone…"), callback_data=pack("sc", "zone")),
        ],
        [InlineKeyboardButton(_("Done"), callback_data=pack("sc", "done"))],
    ]
    text = "\n".join([_("<b>When would you like tips?</b>"), schedule_line(profile, t), now_line])
    return text, InlineKeyboardMarkup(rows)


def zone_view(profile: ChatProfile, t: Translator) -> tuple[str, InlineKeyboardMarkup]:
    _ = t.gettext
    rows = [
        [
            InlineKeyboardButton(
                ("✅ " if z == profile.chat.timezone else "") + z, callback_data=pack("sc", "z", z)
            )
        ]
        for z in ZONE_PRESETS
    ]
    rows.append(
        [InlineKeyboardButton(_("Another time zone…"), callback_data=pack("sc", "ask", "timezone"))]
    )
    rows.append([InlineKeyboardButton(_("⬅️ Back"), callback_data=pack("sc", "back"))])
    return _(
        "Which time zone are you in? Tips come at your chosen time in this zone."
    ), InlineKeyboardMarkup(rows)


async def change_schedule(
    context: BotContext,
    telegram_id: int,
    *,
    days: frozenset[int] | None = None,
    send_time: str | None = None,
    timezone: str | None = None,
) -> ChatProfile:
    """Apply one change, re-plan the next slot, and return the new profile."""
    now = context.services.clock()
    async with context.services.sessions() as session:
        chat = await get_chat(session, telegram_id=telegram_id)
        assert chat is not None
        profile = await load_profile(session, chat=chat)
        if days is not None:
            profile.schedule.days = format_days(days)
        if send_time is not None:
            profile.schedule.send_time = send_time
        if timezone is not None:
            chat.timezone = timezone
        await refresh_next_slot(session, chat=chat, now=now)
        await session.commit()
        return await load_profile(session, chat=chat)


async def render(update: Update, context: BotContext, profile: ChatProfile, t: Translator) -> None:
    now_line = when_line(next_tip_at(profile, context.services.clock()), profile.chat.timezone, t)
    text, markup = schedule_view(profile, t, now_line)
    await show(update, text, markup)


async def schedule_command(update: Update, context: BotContext) -> None:
    """Show the schedule with buttons to change it."""
    where = await for_settings(update, context)
    if where is None:
        return
    profile = await profile_for(context, where.chat_id)
    await render(update, context, profile, where.t)


async def schedule_button(update: Update, context: BotContext) -> None:
    found = await for_button(update, context)
    if found is None:
        return
    query, where = found
    _ = where.t.gettext
    action, arg = action_and_argument(query.data)
    day = small_int(arg, maximum=6) if action == "d" else None
    if day is not None:
        current = parse_days((await profile_for(context, where.chat_id)).schedule.days)
        if current == {day}:
            await answer(query, _("Keep at least one day."))  # the only answer: a hint
            return
    await answer(query)
    profile: ChatProfile | None = None
    if action == "f" and small_int(arg) in FREQUENCY_PRESETS:
        days = FREQUENCY_PRESETS[int(arg)]
        profile = await change_schedule(context, where.chat_id, days=days)
    elif day is not None:
        profile = await change_schedule(context, where.chat_id, days=current ^ {day})
    elif action == "h" and (send_time := preset_time(arg)) is not None:
        profile = await change_schedule(context, where.chat_id, send_time=send_time)
    elif action == "z" and arg in ZONE_PRESETS:
        profile = await change_schedule(context, where.chat_id, timezone=arg)
    elif action == "zone":
        text, markup = zone_view(await profile_for(context, where.chat_id), where.t)
        await show(update, text, markup)
        return
    elif action == "ask" and arg in ("time", "timezone"):
        menu = query.message if isinstance(query.message, Message) else None
        context.chat_state.pending = PendingInput(arg, menu.message_id if menu else None, "sc")
        question = (
            _("What time would you like tips? Send it like 09:30.")
            if arg == "time"
            else _("Send your time zone, for example Europe/London or Asia/Karachi.")
        )
        await context.bot.send_message(
            where.chat_id, question, reply_markup=ForceReply(selective=True)
        )
        return
    elif action == "done":
        await show(update, _("Saved. Change it any time with /schedule."))
        return
    else:
        profile = await profile_for(context, where.chat_id)
    await render(update, context, profile, where.t)


def parse_time_text(text: str) -> str | None:
    """'9:30', '09.30', '0930' -> '09:30'; None when it is not a time of day."""
    digits = text.strip().replace(".", ":").replace("h", ":")
    if ":" not in digits and len(digits) in (3, 4):
        digits = f"{digits[:-2]}:{digits[-2:]}"
    try:
        return format_hhmm(parse_hhmm(digits))
    except ValueError:
        return None


def preset_time(arg: str) -> str | None:
    """A time button's data ("0830") as "08:30", only for the offered presets."""
    hhmm = f"{arg[:2]}:{arg[2:]}"
    return hhmm if len(arg) == 4 and hhmm in TIME_PRESETS else None


def parse_zone_text(text: str) -> str | None:
    name = text.strip().replace(" ", "_")
    if name in available_timezones():
        return name
    lowered = {z.lower(): z for z in available_timezones()}
    found = lowered.get(name.lower())
    if found is None:
        return None
    try:
        ZoneInfo(found)
    except ZoneInfoNotFoundError:
        return None
    return found


async def receive_answer(update: Update, context: BotContext, pending: PendingInput) -> None:
    """A typed time or time zone."""
    message = update.effective_message
    where = await here(update, context)
    if message is None or message.text is None or where is None or where.row is None:
        return
    _ = where.t.gettext
    if pending.kind == "time":
        value = parse_time_text(message.text)
        if value is None:
            await message.reply_text(
                _("Please send a time like 09:30."), reply_markup=ForceReply(selective=True)
            )
            return
        profile = await change_schedule(context, where.chat_id, send_time=value)
    else:
        zone = parse_zone_text(message.text)
        if zone is None:
            await message.reply_text(
                _("I don't know that time zone. Try a name like Europe/London."),
                reply_markup=ForceReply(selective=True),
            )
            return
        profile = await change_schedule(context, where.chat_id, timezone=zone)
    context.chat_state.pending = None
    await render(update, context, profile, where.t)


def build_handlers() -> list[BaseHandler[Update, BotContext, None]]:
    return [
        CommandHandler("schedule", schedule_command),
        CallbackQueryHandler(schedule_button, pattern=pattern("sc")),
    ]
