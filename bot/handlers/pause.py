"""/pause (a week, two weeks, a month, or until /resume), /resume, /stop with a one-tap undo."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.callbacks import pack, pattern, unpack
from bot.context import BotContext
from bot.handlers.common import answer, for_button, for_settings, here, next_tip_at, show
from bot.texts import when_line
from domain.chats import activate, get_chat, load_profile, refresh_next_slot, set_status
from domain.models import ChatStatus

PAUSES = {"1w": timedelta(weeks=1), "2w": timedelta(weeks=2), "1m": timedelta(days=30), "on": None}


async def pause_command(update: Update, context: BotContext) -> None:
    """Offer how long to pause."""
    where = await for_settings(update, context)
    if where is None:
        return
    _ = where.t.gettext
    rows = [
        [
            InlineKeyboardButton(_("1 week"), callback_data=pack("pz", "1w")),
            InlineKeyboardButton(_("2 weeks"), callback_data=pack("pz", "2w")),
            InlineKeyboardButton(_("1 month"), callback_data=pack("pz", "1m")),
        ],
        [InlineKeyboardButton(_("Until I resume"), callback_data=pack("pz", "on"))],
    ]
    await show(update, _("Pause tips for how long?"), InlineKeyboardMarkup(rows))


async def pause_button(update: Update, context: BotContext) -> None:
    found = await for_button(update, context)
    if found is None:
        return
    query, where = found
    parts = unpack(query.data)
    await answer(query)
    if len(parts) != 2 or parts[1] not in PAUSES:
        return
    _ = where.t.gettext
    now = context.services.clock()
    length = PAUSES[parts[1]]
    until = now + length if length is not None else None
    async with context.services.sessions() as session:
        chat = await get_chat(session, telegram_id=where.chat_id)
        assert chat is not None
        await set_status(session, chat=chat, status=ChatStatus.PAUSED, now=now, paused_until=until)
        await refresh_next_slot(session, chat=chat, now=now)
        await session.commit()
    if until is None:
        text = _("Tips are paused. Send /resume when you want them again.")
    else:
        local = until.astimezone(ZoneInfo(chat.timezone))
        text = _(
            "Tips are paused until %(date)s. They start again by "
            "themselves; /resume brings them back sooner."
        ) % {"date": where.t.date(local.date(), "full")}
    await show(update, text)


async def resume_command(update: Update, context: BotContext) -> None:
    """End a pause (or a stop) now."""
    where = await for_settings(update, context)
    if where is None:
        return
    await resume(update, context)


async def resume(update: Update, context: BotContext) -> None:
    where = await here(update, context)
    assert where is not None
    now = context.services.clock()
    async with context.services.sessions() as session:
        chat = await get_chat(session, telegram_id=where.chat_id)
        assert chat is not None
        chat.paused_until = None
        await activate(session, chat=chat, now=now)
        await session.commit()
        profile = await load_profile(session, chat=chat)
    _ = where.t.gettext
    await show(
        update,
        _("Welcome back! Tips are on again.")
        + "\n"
        + when_line(next_tip_at(profile, now), chat.timezone, where.t),
    )


async def stop_command(update: Update, context: BotContext) -> None:
    """Stop every message, with a one-tap undo."""
    where = await for_settings(update, context)
    if where is None:
        return
    now = context.services.clock()
    async with context.services.sessions() as session:
        chat = await get_chat(session, telegram_id=where.chat_id)
        assert chat is not None
        await set_status(
            session, chat=chat, status=ChatStatus.STOPPED, now=now, reason="stopped by the chat"
        )
        await session.commit()
    _ = where.t.gettext
    markup = InlineKeyboardMarkup(
        [[InlineKeyboardButton(_("↩️ Undo"), callback_data=pack("st", "undo"))]]
    )
    await show(
        update,
        _("Done: no more tips. We keep your settings in case you come back; /forget erases them."),
        markup,
    )


async def stop_button(update: Update, context: BotContext) -> None:
    found = await for_button(update, context)
    if found is None:
        return
    query = found[0]
    await answer(query)
    if unpack(query.data)[1:] == ["undo"]:
        await resume(update, context)


def build_handlers() -> list[BaseHandler[Update, BotContext, None]]:
    return [
        CommandHandler("pause", pause_command),
        CommandHandler("resume", resume_command),
        CommandHandler("stop", stop_command),
        CallbackQueryHandler(pause_button, pattern=pattern("pz")),
        CallbackQueryHandler(stop_button, pattern=pattern("st")),
    ]
