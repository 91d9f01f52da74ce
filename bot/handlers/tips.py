"""/tip (one tip now) and the buttons under tips: thumbs, "did you try it?", "more on this"."""

from __future__ import annotations

import contextlib
import math
from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType
from telegram.error import BadRequest
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import BotContext
from bot.handlers.common import answer, ensure_chat, here, stored_chat_unit
from domain.buttons import Feedback, Menu, MoreOnTopic, NotWhatIAsked, TriedIt, parse
from domain.chats import load_profile, record_feedback, record_tried
from domain.content.model import Library
from domain.db import read_session
from domain.delivered import was_delivered
from domain.i18n import Translator
from domain.models import ChatStatus
from scheduler.ondemand import send_tip_now

CHOSEN = "✅ "  # before the label of the button pressed


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


GROUP_TIPS_PER_HOUR = 3
"""/tip in a group: at most this many in an hour, whoever asks (admins too): every member may
ask, and each tip is a message to everyone in the group."""
HOUR = timedelta(hours=1)


async def tip_command(update: Update, context: BotContext) -> None:
    """Send the next tip right away (in a group: if it is set up, and a few an hour)."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return
    if chat.type == ChatType.PRIVATE:
        unit = await ensure_chat(update, context)
        row, t = unit.chat, unit.t
    else:
        where = await here(update, context)  # a member's /tip creates no group
        if where is None:
            return
        if where.row is None or where.row.status == ChatStatus.ONBOARDING:
            await message.reply_text(
                where.t.gettext("Tips are not set up here yet. A group admin can send /start.")
            )
            return
        row, t = where.row, where.t
    _ = t.gettext
    if row.status in (ChatStatus.STOPPED, ChatStatus.BLOCKED):
        await message.reply_text(_("Tips are stopped for this chat. /resume turns them on again."))
        return
    if chat.type != ChatType.PRIVATE and not await within_group_limit(update, context, t):
        return
    if await deliver_now(update, context, None):
        return
    async with read_session(context.services.sessions) as session:
        children = (await load_profile(session, chat=row)).children
    if not any(c.content_stopped_at is None for c in children):
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


async def within_group_limit(update: Update, context: BotContext, t: Translator) -> bool:
    """Count this /tip against the group's hourly limit; over it, say when the next one can
    come, once (more refusals would be the very noise the limit is there to stop)."""
    message = update.effective_message
    now = context.services.clock()
    state = context.chat_state
    recent = [at for at in state.tips_on_request if now - at < HOUR]
    if len(recent) < GROUP_TIPS_PER_HOUR:
        state.tips_on_request = [*recent, now]
        state.told_tip_limit = False
        return True
    state.tips_on_request = recent
    if not state.told_tip_limit and message is not None:
        minutes = max(1, math.ceil((recent[0] + HOUR - now).total_seconds() / 60))
        text = t.ngettext(
            "That is as many tips on request as a group can have in an hour. "
            "The next one can come in %(minutes)d minute.",
            "That is as many tips on request as a group can have in an hour. "
            "The next one can come in %(minutes)d minutes.",
            minutes,
        ) % {"minutes": minutes}
        await message.reply_text(text)
    state.told_tip_limit = True
    return False


async def tip_button(update: Update, context: BotContext) -> None:
    """👍 / 👎 and "did you try it?" (stored for editors) and "more on this topic".

    Feedback is stored only for tips in the library that this chat was sent, and answers to
    "did you try it?" only for such tips that ask it: the Bot API lets a client send any data,
    and a forged id would otherwise be counted in /mydata and among the least helpful tips."""
    query = update.callback_query
    if query is None:
        return
    library = context.services.library.current
    button = parse(query.data)
    feedback = button if isinstance(button, Feedback) and button.tip_id in library.tips else None
    more = button if isinstance(button, MoreOnTopic) and button.topic_id in library.topics else None
    tried = button if isinstance(button, TriedIt) and _asks_tried(library, button) else None
    async with stored_chat_unit(update, context) as unit:
        about = feedback or tried
        if (
            unit is not None
            and about is not None
            and not await was_delivered(unit.session, chat_id=unit.id, tip_id=about.tip_id)
        ):
            feedback = tried = None  # answered below, without thanks; nothing stored
        if unit is not None and feedback is not None:
            await record_feedback(
                unit.session,
                chat_id=unit.id,
                tip_id=feedback.tip_id,
                value=feedback.value,
                now=context.services.clock(),
            )
        if unit is not None and tried is not None:
            await record_tried(
                unit.session,
                chat_id=unit.id,
                tip_id=tried.tip_id,
                tried=tried.tried,
                now=context.services.clock(),
            )
    if unit is None or (feedback is None and tried is None and more is None):
        await answer(query)
        return
    _ = unit.t.gettext
    choice = feedback or tried
    if choice is not None:
        await answer(query, _("Thank you! This helps our editors."))
        await mark_choice(query.message, choice)
    elif more is not None:
        await answer(query)
        if not await deliver_now(update, context, more.topic_id):
            await context.bot.send_message(
                unit.chat.telegram_id, _("That's every tip on this topic for now.")
            )


def _asks_tried(library: Library, button: TriedIt) -> bool:
    tip = library.tips.get(button.tip_id)
    return tip is not None and tip.asks_tried


async def mark_choice(message: object, choice: Feedback | TriedIt | NotWhatIAsked) -> None:
    """Tick the button pressed among its kind (thumbs, or tried); keep the others as they were."""
    if not isinstance(message, Message) or message.reply_markup is None:
        return
    rows = []
    for row in message.reply_markup.inline_keyboard:
        new_row = []
        for button in row:
            data = button.callback_data if isinstance(button.callback_data, str) else None
            same_kind = type(choice).parse(data)
            if same_kind is not None:
                label = button.text.removeprefix(CHOSEN)
                label = (CHOSEN if same_kind == choice else "") + label
                new_row.append(InlineKeyboardButton(label, callback_data=same_kind.pack()))
            else:
                new_row.append(button)
        rows.append(new_row)
    with contextlib.suppress(BadRequest):
        await message.edit_reply_markup(InlineKeyboardMarkup(rows))


def build_handlers() -> list[BaseHandler[Update, BotContext, None]]:
    return [
        CommandHandler("tip", tip_command),
        CallbackQueryHandler(
            tip_button,
            pattern=rf"{Menu.FEEDBACK.pattern}|{Menu.TRIED.pattern}|{Menu.MORE.pattern}",
        ),
    ]
