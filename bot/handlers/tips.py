"""/tip (one tip now) and the buttons under every tip: thumbs up/down and "more on this topic"."""

from __future__ import annotations

import contextlib
import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.callbacks import unpack
from bot.context import BotContext
from bot.handlers.common import answer, ensure_chat, here, profile_of
from domain.chats import get_chat, record_feedback
from domain.content.rules import ID_PATTERN
from domain.models import ChatStatus
from scheduler.ondemand import send_tip_now

FEEDBACK = {"u": 1, "d": -1}
# Only well-formed tip ids are stored (forged data could hold anything, even NUL bytes).
TIP_ID = re.compile(ID_PATTERN)


async def deliver_now(update: Update, context: BotContext, topic: str | None) -> bool:
    services = context.services
    chat = update.effective_chat
    assert chat is not None
    result = await send_tip_now(
        bot=context.bot,
        sessions=services.sessions,
        library=services.library.current,
        catalogs=services.catalogs,
        clock=services.clock,
        telegram_id=chat.id,
        topic=topic,
    )
    return result.sent or result.queued  # a queued tip follows: no "nothing left"


async def tip_command(update: Update, context: BotContext) -> None:
    """Send the next tip right away."""
    where = await here(update, context)
    message = update.effective_message
    if where is None or message is None:
        return
    _ = where.t.gettext
    row = where.row or await ensure_chat(update, context)
    if row.status in (ChatStatus.STOPPED, ChatStatus.BLOCKED):
        await message.reply_text(_("Tips are stopped for this chat. /resume turns them on again."))
        return
    if await deliver_now(update, context, None):
        return
    profile = await profile_of(context, where.chat_id)
    if profile is not None and not any(c.content_stopped_at is None for c in profile.children):
        await message.reply_text(
            _(
                "Most tips follow a pregnancy or a child's age. "
                "Add a due date or birth date with /children to get them."
            )
        )
    else:
        await message.reply_text(
            _("You have had every tip that fits right now. New ones are added regularly.")
        )


async def tip_button(update: Update, context: BotContext) -> None:
    """👍 / 👎 (stored for editors) and "more on this topic"."""
    query = update.callback_query
    where = await here(update, context)
    if query is None or where is None or where.row is None or where.row.id is None:
        await answer(query)
        return
    _ = where.t.gettext
    parts = unpack(query.data)
    well_formed = len(parts) == 3 and parts[1] in FEEDBACK and TIP_ID.match(parts[2])
    if parts[:1] == ["fb"] and well_formed:
        async with context.services.sessions() as session:
            chat = await get_chat(session, telegram_id=where.chat_id)
            assert chat is not None and chat.id is not None
            await record_feedback(
                session,
                chat_id=chat.id,
                tip_id=parts[2],
                value=FEEDBACK[parts[1]],
                now=context.services.clock(),
            )
            await session.commit()
        await answer(query, _("Thank you! This helps our editors."))
        await mark_choice(query.message, parts[1])
        return
    if (
        parts[:1] == ["mo"]
        and len(parts) == 2
        and parts[1] in context.services.library.current.topics
    ):
        await answer(query)
        if not await deliver_now(update, context, parts[1]):
            await context.bot.send_message(
                where.chat_id, _("That's every tip on this topic for now.")
            )
        return
    await answer(query)


async def mark_choice(message: object, choice: str) -> None:
    """Show which thumb was pressed, keeping the other buttons as they were."""
    if not isinstance(message, Message) or message.reply_markup is None:
        return
    rows = []
    for row in message.reply_markup.inline_keyboard:
        new_row = []
        for button in row:
            data = button.callback_data if isinstance(button.callback_data, str) else None
            if data and data.startswith("fb:"):
                pressed = data.split(":")[1] == choice
                label = ("✅ " if pressed else "") + ("👍" if data.startswith("fb:u") else "👎")
                new_row.append(InlineKeyboardButton(label, callback_data=data))
            else:
                new_row.append(button)
        rows.append(new_row)
    with contextlib.suppress(BadRequest):
        await message.edit_reply_markup(InlineKeyboardMarkup(rows))


def build_handlers() -> list[BaseHandler[Update, BotContext, None]]:
    return [
        CommandHandler("tip", tip_command),
        CallbackQueryHandler(tip_button, pattern=r"^(fb|mo):"),
    ]
