"""What every chat handler needs: the chat's row and language, admin checks, menu editing."""

from __future__ import annotations

import contextlib
import weakref
from dataclasses import dataclass
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.context import BotContext
from bot.intake import ChatIntake
from domain.cadence import Cadence, first_send_at
from domain.chats import (
    ChatProfile,
    NewChat,
    NewChatDefaults,
    get_chat,
    get_or_create_chat,
    get_or_create_profile,
    load_profile,
)
from domain.i18n import Catalogs, Translator
from domain.models import Chat, ChatKind, ChatStatus


@dataclass(frozen=True)
class Here:
    """The chat an update came from: its stored row (if any) and the language to answer in."""

    chat_id: int
    is_private: bool
    row: Chat | None
    t: Translator

    @property
    def stored(self) -> Chat:
        """The chat's row, for handlers that made sure it exists."""
        assert self.row is not None, "the chat has a row here"
        return self.row


def chat_kind(telegram_type: str) -> ChatKind:
    try:
        return ChatKind(telegram_type)
    except ValueError:
        return ChatKind.GROUP


async def here(update: Update, context: BotContext) -> Here | None:
    chat = update.effective_chat
    if chat is None:
        return None
    catalogs = context.services.catalogs
    async with context.services.sessions() as session:
        row = await get_chat(session, telegram_id=chat.id)
    user = update.effective_user
    language = row.language if row else _negotiated(catalogs, user.language_code if user else None)
    return Here(chat.id, chat.type == "private", row, catalogs.for_language(language))


def chat_defaults(context: BotContext, language: str) -> NewChatDefaults:
    settings = context.services.settings
    return NewChatDefaults(
        language=language,
        region=settings.default_region,
        timezone=settings.default_timezone,
        days=settings.default_days,
        send_time=settings.default_send_time,
        quiet_start=settings.quiet_hours_start,
        quiet_end=settings.quiet_hours_end,
    )


_NEGOTIATED: weakref.WeakKeyDictionary[Catalogs, dict[str | None, str]] = (
    weakref.WeakKeyDictionary()
)


def _negotiated(catalogs: Catalogs, telegram_language_code: str | None) -> str:
    """`Catalogs.negotiate`, remembered: parsing the locale costs more than the rest of a
    new chat's defaults, and a bot sees few distinct language codes."""
    known = _NEGOTIATED.setdefault(catalogs, {})
    language = known.get(telegram_language_code)
    if language is None:
        language = catalogs.negotiate(telegram_language_code)
        if len(known) < 1000:
            known[telegram_language_code] = language
    return language


async def ensure_chat(update: Update, context: BotContext) -> Chat:
    """The stored chat for this update, created with defaults when new."""
    new = _new_chat(update, context, frozenset())
    async with context.services.sessions() as session:
        row, _created = await get_or_create_chat(
            session,
            telegram_id=new.telegram_id,
            kind=new.kind,
            defaults=new.defaults,
            now=new.now,
        )
        await session.commit()
    return row


async def ensure_profile(
    update: Update,
    context: BotContext,
    session: AsyncSession,
    *,
    topics: frozenset[str] = frozenset(),
) -> ChatProfile:
    """The profile of this update's chat in the caller's unit of work (the caller commits);
    a new chat is created with defaults, subscribed to `topics`."""
    new = _new_chat(update, context, topics)
    profile, _created = await get_or_create_profile(
        session,
        telegram_id=new.telegram_id,
        kind=new.kind,
        defaults=new.defaults,
        now=new.now,
        topics=new.topics,
    )
    return profile


async def create_new_chat(
    update: Update, context: BotContext, *, topics: frozenset[str], subscribe: bool = False
) -> ChatProfile | None:
    """A new chat's profile, created with defaults and `topics` (and active, with `subscribe`)
    together with the other new chats of this moment (bot.intake); None when the chat has a
    row already."""
    data = context.bot_data
    if data.intake is None:
        data.intake = ChatIntake(context.services.sessions)
    return await data.intake.create(_new_chat(update, context, topics, active=subscribe))


def _new_chat(
    update: Update, context: BotContext, topics: frozenset[str], *, active: bool = False
) -> NewChat:
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None
    language = _negotiated(context.services.catalogs, user.language_code if user else None)
    return NewChat(
        telegram_id=chat.id,
        kind=chat_kind(chat.type),
        defaults=chat_defaults(context, language),
        now=context.services.clock(),
        topics=topics,
        active=active,
    )


async def profile_of(context: BotContext, telegram_id: int) -> ChatProfile | None:
    async with context.services.sessions() as session:
        row = await get_chat(session, telegram_id=telegram_id)
        return None if row is None else await load_profile(session, chat=row)


async def profile_for(context: BotContext, telegram_id: int) -> ChatProfile:
    """The profile of a chat that has a row (checked by the caller)."""
    profile = await profile_of(context, telegram_id)
    assert profile is not None, "the chat has a row here"
    return profile


async def may_change_settings(update: Update, context: BotContext, t: Translator) -> bool:
    """True in private chats and for group admins; others get a polite refusal."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return False
    if await context.bot_data.admins.is_admin(context.bot, chat, user.id):
        return True
    _ = t.gettext
    refusal = _("Only the group's admins can change these settings.")
    if update.callback_query is not None:
        await update.callback_query.answer(refusal, show_alert=True)
    elif update.effective_message is not None:
        await update.effective_message.reply_text(refusal)
    return False


async def for_settings(update: Update, context: BotContext) -> Here | None:
    """A settings command: the chat (created if new) when this user may change it; None when
    the user was refused (a group member who is not an admin)."""
    where = await here(update, context)
    if where is None or not await may_change_settings(update, context, where.t):
        return None
    if where.row is None:
        await ensure_chat(update, context)
        where = await here(update, context)
    return where


async def for_button(update: Update, context: BotContext) -> tuple[CallbackQuery, Here] | None:
    """A settings button: the query and the chat, when this user may change it. Otherwise the
    button is answered (a stale one silently, a refused one politely) and None returned."""
    query = update.callback_query
    where = await here(update, context)
    if query is None or where is None or where.row is None:
        await answer(query)
        return None
    if not await may_change_settings(update, context, where.t):
        return None
    return query, where


async def show(
    update: Update, text: str, markup: InlineKeyboardMarkup | None = None
) -> Message | None:
    """Edit the menu a button belongs to, or send a new message for a command."""
    query = update.callback_query
    if query is not None and isinstance(query.message, Message):
        with contextlib.suppress(BadRequest):  # "message is not modified" is fine
            await query.message.edit_text(text, reply_markup=markup, parse_mode=ParseMode.HTML)
        return query.message
    if update.effective_message is not None:
        return await update.effective_message.reply_text(
            text, reply_markup=markup, parse_mode=ParseMode.HTML
        )
    return None


async def answer(query: CallbackQuery | None, text: str | None = None) -> None:
    """Stop the button's spinner (a second answer is harmless and ignored)."""
    if query is not None:
        with contextlib.suppress(BadRequest):
            await query.answer(text)


def cadence_of(profile: ChatProfile) -> Cadence:
    return Cadence.from_strings(
        days=profile.schedule.days,
        send_time=profile.schedule.send_time,
        timezone=profile.chat.timezone,
        quiet_start=profile.schedule.quiet_start,
        quiet_end=profile.schedule.quiet_end,
    )


def next_tip_at(profile: ChatProfile, now: datetime) -> datetime | None:
    """When the next scheduled tip will come, or None while stopped."""
    if profile.chat.status not in (ChatStatus.ACTIVE, ChatStatus.PAUSED):
        return None
    return first_send_at(cadence_of(profile), now, profile.chat.paused_until)
