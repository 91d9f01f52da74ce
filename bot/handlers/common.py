"""What every chat handler needs: the chat's row and language, admin checks, menu editing,
and the bot's open question (a date, a time, a time zone) with its Cancel and time-out.

A handler does its database work in one unit (`chat_unit`, or `stored_chat_unit` for buttons
and answers that need a chat with a row): one session, the chat loaded once, one commit. It
asks Telegram (admins) before the unit and replies after it, so no transaction waits on the
network (on SQLite every transaction holds the write lock).
"""

from __future__ import annotations

import contextlib
import html
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import (
    CallbackQuery,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, TelegramError

from bot.context import BotContext, PendingInput
from bot.intake import ChatIntake
from domain.buttons import Menu, Step
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


QUESTION_TIMEOUT = timedelta(minutes=15)
"""An open question closes when nobody answered it for this long: a date typed an hour later
is more likely meant for something else (or for nobody) than for a question long forgotten."""
CANCEL_QUESTION = Step(Menu.QUESTION, "cancel")
PLACEHOLDERS = {"time": "09:30", "timezone": "Europe/London"}  # else a date
DATE_PLACEHOLDER = "3/4/2025"


def question_markup(
    kind: str, t: Translator, *, in_group: bool, placeholder: str | None = None
) -> ForceReply | InlineKeyboardMarkup:
    """In a group a selective ForceReply, so the reply box opens for the admin who asked and
    their answer, a reply to the bot, reaches it under privacy mode; in a private chat (where
    the bot reads everything) a Cancel button instead (a message carries one or the other)."""
    if in_group:
        placeholder = placeholder or PLACEHOLDERS.get(kind, DATE_PLACEHOLDER)
        return ForceReply(selective=True, input_field_placeholder=placeholder)
    cancel = InlineKeyboardButton(t.gettext("✖️ Cancel"), callback_data=CANCEL_QUESTION.pack())
    return InlineKeyboardMarkup([[cancel]])


async def ask_question(
    update: Update,
    context: BotContext,
    *,
    kind: str,
    return_to: Menu,
    question: str,
    t: Translator,
    placeholder: str | None = None,
) -> None:
    """Send `question` and make it the chat's open question: its answer is the next text (in
    a group: the asking admin's reply to it) until it is answered, cancelled, replaced, ended
    by another command or button (bot.handlers.replies) or QUESTION_TIMEOUT has passed."""
    chat, user, query = update.effective_chat, update.effective_user, update.callback_query
    if chat is None:
        return
    menu = query.message if query is not None and isinstance(query.message, Message) else None
    in_group = chat.type != ChatType.PRIVATE
    text, parse_mode = question, None
    if in_group and user is not None:
        # Naming the admin makes the selective ForceReply open the reply box for them.
        hint = t.gettext("Or send /cancel.")
        text = f"{user.mention_html()} {html.escape(question)}\n{html.escape(hint)}"
        parse_mode = ParseMode.HTML
    await close_question(context, chat.id)  # at most one open question, one Cancel button
    sent = await context.bot.send_message(
        chat.id,
        text,
        parse_mode=parse_mode,
        reply_markup=question_markup(kind, t, in_group=in_group, placeholder=placeholder),
    )
    context.chat_state.pending = PendingInput(
        kind,
        menu.message_id if menu else None,
        return_to,
        asked_by=user.id if in_group and user is not None else None,
        asked_at=context.services.clock(),
        question_ids=(sent.message_id,),
    )


async def ask_again(
    update: Update,
    context: BotContext,
    pending: PendingInput,
    problem: str,
    t: Translator,
    placeholder: str | None = None,
) -> None:
    """An answer that is not usable: say what is wrong, as the same question again (a reply
    to the answer, which in a group opens the reply box for its sender); the time-out starts
    over."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return
    in_group = chat.type != ChatType.PRIVATE
    if not in_group:
        await _retire_cancel_buttons(context, chat.id, pending)  # one Cancel button at a time
    sent = await message.reply_text(
        problem,
        reply_markup=question_markup(pending.kind, t, in_group=in_group, placeholder=placeholder),
    )
    kept = pending.question_ids if in_group else ()
    context.chat_state.pending = replace(
        pending, asked_at=context.services.clock(), question_ids=(*kept, sent.message_id)
    )


def open_question(context: BotContext) -> PendingInput | None:
    """The chat's open question, or None (none was asked, or it timed out: then it is closed
    here, its Cancel button left to answer "nothing to cancel")."""
    state = context.chat_data
    pending = state.pending if state is not None else None
    if pending is None:
        return None
    if pending.asked_at is not None and context.services.clock() - pending.asked_at > (
        QUESTION_TIMEOUT
    ):
        context.chat_state.pending = None
        return None
    return pending


def may_close(pending: PendingInput, update: Update) -> bool:
    """Whether this update's sender may end the question: anyone in a private chat, in a group
    only the admin who was asked (another admin's /settings leaves their question open)."""
    user = update.effective_user
    return pending.asked_by is None or (user is not None and user.id == pending.asked_by)


async def close_question(context: BotContext, chat_id: int) -> PendingInput | None:
    """End the chat's open question, if any, and take the Cancel button off it; the question
    that was open, or None."""
    state = context.chat_data
    pending = state.pending if state is not None else None
    if pending is None:
        return None
    context.chat_state.pending = None
    await _retire_cancel_buttons(context, chat_id, pending)
    return pending


async def _retire_cancel_buttons(context: BotContext, chat_id: int, pending: PendingInput) -> None:
    if pending.asked_by is not None:
        return  # a group's question has a ForceReply, nothing to take off
    for message_id in pending.question_ids:
        # Already gone, or edited by a Cancel tap: nothing left to retire.
        with contextlib.suppress(TelegramError):
            await context.bot.edit_message_reply_markup(chat_id, message_id, reply_markup=None)
