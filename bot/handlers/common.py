"""What every chat handler needs: the chat's row and language, admin checks, menu editing.

A handler does its database work in one unit (`chat_unit`, or `stored_chat_unit` for buttons
and answers that need a chat with a row): one session, the chat loaded once, one commit. It
asks Telegram (admins) before the unit and replies after it, so no transaction waits on the
network (on SQLite every transaction holds the write lock).
"""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.context import BotContext
from bot.intake import ChatIntake
from domain.cadence import cadence_for, first_send_at
from domain.chats import (
    ChatProfile,
    NewChat,
    NewChatDefaults,
    get_chat,
    get_or_create_chat,
    get_or_create_profile,
    guessed_region,
    load_profile,
    set_topics,
    unblock,
)
from domain.db import read_session
from domain.i18n import Catalogs, Translator
from domain.models import Chat, ChatKind, ChatStatus

Reply = Callable[[], Awaitable[object]]
"""What a handler sends once its unit of work is committed (a `functools.partial`)."""


@dataclass(frozen=True)
class Here:
    """The chat an update came from: its stored row (if any) and the language to answer in."""

    chat_id: int
    is_private: bool
    row: Chat | None
    t: Translator


@dataclass
class ChatUnit:
    """One update's work on its chat: the session, the chat's row (`id` is its key), the
    language to answer in, and the chat's profile once asked for."""

    session: AsyncSession
    chat: Chat
    id: int
    t: Translator
    _profile: ChatProfile | None = field(default=None, repr=False)
    _open: bool = field(default=True, repr=False)

    async def profile(self) -> ChatProfile:
        """The chat's schedule, topics and children, loaded once per unit (after the unit
        only if it was loaded in it: a closed unit reads nothing)."""
        if self._profile is None:
            if not self._open:
                raise RuntimeError("the profile was not loaded in the unit of work")
            self._profile = await load_profile(self.session, chat=self.chat)
        return self._profile

    async def set_topics(self, topics: frozenset[str]) -> ChatProfile:
        await set_topics(self.session, chat_id=self.id, topics=topics)
        self._profile = replace(await self.profile(), topics=topics)
        return self._profile


@asynccontextmanager
async def _working_on(
    session: AsyncSession, row: Chat, context: BotContext
) -> AsyncIterator[ChatUnit]:
    assert row.id is not None, "a stored chat has its key"
    unit = ChatUnit(session, row, row.id, context.services.catalogs.for_language(row.language))
    try:
        yield unit
        await session.commit()
    finally:
        unit._open = False


@asynccontextmanager
async def chat_unit(update: Update, context: BotContext) -> AsyncIterator[ChatUnit]:
    """This update's chat in one unit of work, created with defaults when new; commits when
    the block ends without an error."""
    new = _new_chat(update, context, frozenset())
    async with context.services.sessions() as session:
        row, _created = await get_or_create_chat(
            session, telegram_id=new.telegram_id, kind=new.kind, defaults=new.defaults, now=new.now
        )
        await _reachable_again(update, context, session, row)
        async with _working_on(session, row, context) as unit:
            yield unit


async def ensure_chat(update: Update, context: BotContext) -> ChatUnit:
    """This update's chat and language, created with defaults when new (a unit of its own,
    already committed: for menus whose buttons need the row to exist)."""
    async with chat_unit(update, context) as unit:
        return unit


@asynccontextmanager
async def stored_chat_unit(update: Update, context: BotContext) -> AsyncIterator[ChatUnit | None]:
    """Like `chat_unit` for a chat that has a row; None for one that has none (a button left
    from before /forget, an answer to a question asked before it)."""
    chat = update.effective_chat
    if chat is not None:
        async with context.services.sessions() as session:
            row = await get_chat(session, telegram_id=chat.id)
            if row is not None:
                await _reachable_again(update, context, session, row)
                async with _working_on(session, row, context) as unit:
                    yield unit
                return
    yield None  # after the session: the caller may answer Telegram without holding it


async def _reachable_again(
    update: Update, context: BotContext, session: AsyncSession, row: Chat
) -> None:
    """A message or a tap from a chat marked blocked: it unblocked the bot (domain.chats)."""
    if row.status == ChatStatus.BLOCKED and (update.message or update.callback_query):
        await unblock(session, chat=row, now=context.services.clock())


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
    async with read_session(context.services.sessions) as session:
        row = await get_chat(session, telegram_id=chat.id)
    user = update.effective_user
    language = row.language if row else _negotiated(catalogs, user.language_code if user else None)
    return Here(chat.id, chat.type == "private", row, catalogs.for_language(language))


def chat_defaults(context: BotContext, language: str) -> NewChatDefaults:
    settings = context.services.settings
    return NewChatDefaults(
        language=language,
        region=guessed_region(language, settings.default_region),
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


async def may_change_settings(update: Update, context: BotContext) -> bool:
    """True in private chats and for group admins; others get a polite refusal."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return False
    if await context.bot_data.admins.is_admin(context.bot, chat, user.id):
        return True
    where = await here(update, context)  # read only to refuse in the chat's language
    if where is None:
        return False
    refusal = where.t.gettext("Only the group's admins can change these settings.")
    if update.callback_query is not None:
        await update.callback_query.answer(refusal, show_alert=True)
    elif update.effective_message is not None:
        await update.effective_message.reply_text(refusal)
    return False


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


def next_tip_at(profile: ChatProfile, now: datetime) -> datetime | None:
    """When the next scheduled tip will come, or None while stopped."""
    if profile.chat.status not in (ChatStatus.ACTIVE, ChatStatus.PAUSED):
        return None
    cadence = cadence_for(profile.schedule, profile.chat.timezone)
    return first_send_at(cadence, now, profile.chat.paused_until)
