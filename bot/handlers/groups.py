"""Groups and membership: added to a group, removed or kicked, blocked in private, migrations."""

from __future__ import annotations

import logging

from telegram import (
    ChatMember,
    ChatMemberUpdated,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.ext import BaseHandler, ChatMemberHandler, MessageHandler, filters

from bot.context import BotContext
from bot.handlers.common import ensure_chat, stored_chat_unit
from domain.buttons import Menu, Step
from domain.chats import migrate_chat, set_status
from domain.models import ChatStatus

log = logging.getLogger(__name__)

SET_UP = Step(Menu.ONBOARDING, "begin")
PRESENT = {ChatMember.MEMBER, ChatMember.ADMINISTRATOR, ChatMember.OWNER, ChatMember.RESTRICTED}


def joined_or_left(change: ChatMemberUpdated) -> tuple[bool, bool]:
    was = change.old_chat_member.status in PRESENT
    now = change.new_chat_member.status in PRESENT
    return (not was and now), (was and not now)


async def membership(update: Update, context: BotContext) -> None:
    """The bot's own membership changed: greet a new group, stop a chat that removed it."""
    change = update.my_chat_member
    if change is None:
        return
    joined, left = joined_or_left(change)
    chat = change.chat
    if joined and chat.type != "private":
        unit = await ensure_chat(update, context)
        _ = unit.t.gettext
        context.bot_data.admins.forget(chat.id)
        await context.bot.send_message(
            chat.id,
            _(
                "Hello, everyone! I share short, trusted tips for families here, "
                "on the days and at the time this group chooses."
            )
            + "\n"
            + _("A group admin can set me up:"),
            reply_markup=InlineKeyboardMarkup(
                [[InlineKeyboardButton(_("⚙️ Set up tips"), callback_data=SET_UP.pack())]]
            ),
        )
    elif left:
        reason = (
            "kicked from the group"
            if change.new_chat_member.status == ChatMember.BANNED
            else "removed from the group"
        )
        if chat.type == "private":
            reason = "blocked by the user"
        async with stored_chat_unit(update, context) as left_chat:
            if left_chat is not None:
                await set_status(
                    left_chat.session,
                    chat=left_chat.chat,
                    status=ChatStatus.BLOCKED,
                    now=context.services.clock(),
                    reason=reason,
                )
        context.bot_data.admins.forget(chat.id)


async def migrated(update: Update, context: BotContext) -> None:
    """A group became a supergroup: everything moves to the new chat id."""
    message = update.effective_message
    if message is None:
        return
    if message.migrate_to_chat_id is not None:
        old, new = message.chat.id, message.migrate_to_chat_id
    elif message.migrate_from_chat_id is not None:
        old, new = message.migrate_from_chat_id, message.chat.id
    else:
        return
    async with context.services.sessions() as session:
        moved = await migrate_chat(session, old_telegram_id=old, new_telegram_id=new)
        await session.commit()
    if moved:
        log.info("group migrated to a supergroup; settings kept")


def build_handlers() -> list[BaseHandler[Update, BotContext, None]]:
    return [
        ChatMemberHandler(membership, ChatMemberHandler.MY_CHAT_MEMBER),
        MessageHandler(filters.StatusUpdate.MIGRATE, migrated),
    ]
