"""/pause (a week, two weeks, a month, or until /resume), /resume, /stop with a one-tap undo.

/resume and the undo turn tips on only for a chat that finished onboarding; one that did not is
shown the step it was on."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import BotContext
from bot.handlers.common import (
    ChatUnit,
    answer,
    chat_unit,
    ensure_chat,
    may_change_settings,
    next_tip_at,
    show,
    stored_chat_unit,
)
from bot.handlers.onboarding import step_view
from bot.texts import when_line
from domain.buttons import Menu, Pause, PauseLength, Step, parse
from domain.chats import activate, refresh_next_slot, set_status
from domain.models import ChatStatus

PAUSES: dict[PauseLength, timedelta | None] = {
    "1w": timedelta(weeks=1),
    "2w": timedelta(weeks=2),
    "1m": timedelta(days=30),
    "on": None,
}
UNDO = Step(Menu.STOP, "undo")
Resumed = Literal["resumed", "already", "setup"]


async def pause_command(update: Update, context: BotContext) -> None:
    """Offer how long to pause."""
    if not await may_change_settings(update, context):
        return
    unit = await ensure_chat(update, context)
    _ = unit.t.gettext

    def button(label: str, length: PauseLength) -> InlineKeyboardButton:
        return InlineKeyboardButton(label, callback_data=Pause(length).pack())

    rows = [
        [button(_("1 week"), "1w"), button(_("2 weeks"), "2w"), button(_("1 month"), "1m")],
        [button(_("Until I resume"), "on")],
    ]
    await show(update, _("Pause tips for how long?"), InlineKeyboardMarkup(rows))


async def pause_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    if query is None or not await may_change_settings(update, context):
        return
    button = Pause.parse(query.data)
    if button is None:
        await answer(query)
        return
    now = context.services.clock()
    length = PAUSES[button.length]
    until = now + length if length is not None else None
    async with stored_chat_unit(update, context) as unit:
        if unit is not None:
            chat = unit.chat
            await set_status(
                unit.session, chat=chat, status=ChatStatus.PAUSED, now=now, paused_until=until
            )
            await refresh_next_slot(unit.session, chat=chat, now=now)
    await answer(query)
    if unit is None:
        return
    _ = unit.t.gettext
    if until is None:
        text = _("Tips are paused. Send /resume when you want them again.")
    else:
        local = until.astimezone(ZoneInfo(unit.chat.timezone))
        text = _(
            "Tips are paused until %(date)s. They start again by "
            "themselves; /resume brings them back sooner."
        ) % {"date": unit.t.sentence_date(local.date())}
    await show(update, text)


async def resume_command(update: Update, context: BotContext) -> None:
    """End a pause (or a stop) now; a chat half set up goes back to its step instead."""
    if not await may_change_settings(update, context):
        return
    async with chat_unit(update, context) as unit:
        outcome = await resume(unit, context.services.clock())
    await show_resumed(update, context, unit, outcome)


async def resume(unit: ChatUnit, now: datetime) -> Resumed:
    """Tips on again, in the chat's unit of work: unless they are on already, or the chat has
    not finished onboarding (it goes back to the walk-through, tips stay off until Confirm)."""
    await unit.profile()  # shown afterwards; loaded first so that re-planning reads nothing
    chat = unit.chat
    if chat.setup_step is not None:
        await set_status(unit.session, chat=chat, status=ChatStatus.ONBOARDING, now=now)
        return "setup"
    if chat.status == ChatStatus.ACTIVE:
        return "already"
    chat.paused_until = None
    await activate(unit.session, chat=chat, now=now)
    return "resumed"


async def show_resumed(
    update: Update, context: BotContext, unit: ChatUnit, outcome: Resumed
) -> None:
    _ = unit.t.gettext
    profile = await unit.profile()
    if outcome == "setup":
        assert unit.chat.setup_step is not None
        text, markup = step_view(unit.chat.setup_step, profile, context, unit.t)
        carry_on = _("You haven't finished setting up yet, so no tips come. Let's carry on:")
        await show(update, f"{carry_on}\n\n{text}", markup)
        return
    now = context.services.clock()
    when = when_line(next_tip_at(profile, now), unit.chat.timezone, unit.t)
    heading = (
        _("Tips are already on.") if outcome == "already" else _("Welcome back! Tips are on again.")
    )
    await show(update, heading + "\n" + when)


async def stop_command(update: Update, context: BotContext) -> None:
    """Stop every message, with a one-tap undo."""
    if not await may_change_settings(update, context):
        return
    now = context.services.clock()
    async with chat_unit(update, context) as unit:
        await set_status(
            unit.session,
            chat=unit.chat,
            status=ChatStatus.STOPPED,
            now=now,
            reason="stopped by the chat",
        )
    _ = unit.t.gettext
    markup = InlineKeyboardMarkup([[InlineKeyboardButton(_("↩️ Undo"), callback_data=UNDO.pack())]])
    await show(
        update,
        _("Done: no more tips. We keep your settings in case you come back; /forget erases them."),
        markup,
    )


async def stop_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    if query is None or not await may_change_settings(update, context):
        return
    undo = parse(query.data) == UNDO
    outcome: Resumed | None = None
    async with stored_chat_unit(update, context) as unit:
        if unit is not None and undo:
            outcome = await resume(unit, context.services.clock())
    await answer(query)
    if unit is not None and outcome is not None:
        await show_resumed(update, context, unit, outcome)


def build_handlers() -> list[BaseHandler[Update, BotContext, None]]:
    return [
        CommandHandler("pause", pause_command),
        CommandHandler("resume", resume_command),
        CommandHandler("stop", stop_command),
        CallbackQueryHandler(pause_button, pattern=Menu.PAUSE.pattern),
        CallbackQueryHandler(stop_button, pattern=Menu.STOP.pattern),
    ]
