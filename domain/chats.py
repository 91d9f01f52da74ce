"""Data access for subscribers: chats, their schedule, topics, children, status and feedback.

Plain async functions over an `AsyncSession`, keyword arguments, no Telegram types; the caller
owns the unit of work and commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import delete, func, insert
from sqlalchemy import select as sa_select
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import ScalarSelect
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.cadence import cadence_for, format_hhmm, next_slot
from domain.models import (
    Chat,
    ChatEvent,
    ChatKind,
    ChatStatus,
    ChatTopic,
    Child,
    ChildPrompt,
    Delivery,
    DeliveryAttempt,
    Feedback,
    Schedule,
    TipCounter,
    TriedAnswer,
)


class ChatNotFound(LookupError):
    """No chat with that Telegram id (it never started, or it was forgotten)."""


SETUP_STEPS = ("topics", "nation", "children", "often", "time")
"""Onboarding's steps in order; `Chat.setup_step` holds the one a chat is on."""

REGION_BY_LANGUAGE = {"cy": "wales"}
"""Where a language says which UK nation a family most likely lives in."""


def guessed_region(language: str, default: str) -> str:
    """The nation to offer first: the language's, where it is a fair guess, else `default`."""
    return REGION_BY_LANGUAGE.get(language, default)


@dataclass(frozen=True)
class NewChatDefaults:
    """What a chat starts with before it chooses anything."""

    language: str
    region: str
    timezone: str
    days: tuple[str, ...]
    send_time: time
    quiet_start: time
    quiet_end: time


@dataclass(frozen=True)
class ChatProfile:
    """A chat with everything it chose, loaded in one go."""

    chat: Chat
    schedule: Schedule
    topics: frozenset[str]
    children: tuple[Child, ...]


async def get_chat(session: AsyncSession, *, telegram_id: int) -> Chat | None:
    result = await session.exec(select(Chat).where(col(Chat.telegram_id) == telegram_id))
    return result.one_or_none()


async def require_chat(session: AsyncSession, *, telegram_id: int) -> Chat:
    chat = await get_chat(session, telegram_id=telegram_id)
    if chat is None:
        raise ChatNotFound(telegram_id)
    return chat


async def get_or_create_chat(
    session: AsyncSession,
    *,
    telegram_id: int,
    kind: ChatKind,
    defaults: NewChatDefaults,
    now: datetime,
) -> tuple[Chat, bool]:
    """The chat with this Telegram id, created (onboarding, default schedule) when new."""
    chat = await get_chat(session, telegram_id=telegram_id)
    if chat is not None:
        return chat, False
    chat, _schedule = await _create_chat(
        session, telegram_id=telegram_id, kind=kind, defaults=defaults, now=now
    )
    return chat, True


async def get_or_create_profile(
    session: AsyncSession,
    *,
    telegram_id: int,
    kind: ChatKind,
    defaults: NewChatDefaults,
    now: datetime,
    topics: frozenset[str] = frozenset(),
) -> tuple[ChatProfile, bool]:
    """The profile of the chat with this Telegram id; a new chat is created as by
    `get_or_create_chat`, subscribed to `topics`, without reading back what was just added."""
    chat = await get_chat(session, telegram_id=telegram_id)
    if chat is not None:
        return await load_profile(session, chat=chat), False
    chat, schedule = await _create_chat(
        session, telegram_id=telegram_id, kind=kind, defaults=defaults, now=now
    )
    assert chat.id is not None
    session.add_all(ChatTopic(chat_id=chat.id, topic_id=t) for t in sorted(topics))
    return ChatProfile(chat, schedule, frozenset(topics), ()), True


@dataclass(frozen=True)
class NewChat:
    """A chat to create if it has no row yet (see `create_new_chats`)."""

    telegram_id: int
    kind: ChatKind
    defaults: NewChatDefaults
    now: datetime
    topics: frozenset[str]
    active: bool = False  # subscribed at once (a deep link), as `activate` would leave it


async def create_new_chats(
    session: AsyncSession, chats: Sequence[NewChat]
) -> dict[int, ChatProfile]:
    """Create, together, those of `chats` that have no row yet, each as `get_or_create_profile`
    would: a handful of statements for all of them instead of several for each. Returns the
    new profiles by Telegram id; chats that already exist (or are repeated) are left out."""
    wanted: dict[int, NewChat] = {}
    for new in chats:
        wanted.setdefault(new.telegram_id, new)
    found = await session.exec(
        select(Chat.telegram_id).where(col(Chat.telegram_id).in_(list(wanted)))
    )
    for telegram_id in found:
        del wanted[telegram_id]
    rows = [
        _new_chat_row(new.telegram_id, new.kind, new.defaults, new.now) for new in wanted.values()
    ]
    if not rows:
        return {}
    for row, new in zip(rows, wanted.values(), strict=True):
        if new.active:  # a deep link: its welcome asks about a child (domain.child_prompt)
            row.child_prompt = ChildPrompt.ASKED.value
            row.setup_step = None
    session.add_all(rows)
    await session.flush()
    profiles: dict[int, ChatProfile] = {}
    events: list[dict[str, Any]] = []
    topics: list[dict[str, Any]] = []
    for chat, new in zip(rows, wanted.values(), strict=True):
        assert chat.id is not None
        schedule = _default_schedule(chat.id, new.defaults)
        session.add(schedule)
        # Rows nobody reads back go in as plain values (no ORM objects to build and track).
        events.append({"chat_id": chat.id, "kind": "joined", "at": new.now})
        if new.active:  # what `activate` does, for a chat that has had no tip yet
            chat.status = ChatStatus.ACTIVE.value
            events.append({"chat_id": chat.id, "kind": chat.status, "at": new.now})
            schedule.next_slot_at = next_slot(cadence_for(schedule, chat.timezone), new.now)
        topics += ({"chat_id": chat.id, "topic_id": t} for t in sorted(new.topics))
        profiles[new.telegram_id] = ChatProfile(chat, schedule, new.topics, ())
    await session.exec(insert(ChatEvent), params=events)
    if topics:
        await session.exec(insert(ChatTopic), params=topics)
    return profiles


def _new_chat_row(
    telegram_id: int, kind: ChatKind, defaults: NewChatDefaults, now: datetime
) -> Chat:
    return Chat(
        telegram_id=telegram_id,
        kind=kind.value,
        language=defaults.language,
        region=defaults.region,
        timezone=defaults.timezone,
        status=ChatStatus.ONBOARDING.value,
        created_at=now,
        status_changed_at=now,
        setup_step=SETUP_STEPS[0],
    )


def _default_schedule(chat_id: int, defaults: NewChatDefaults) -> Schedule:
    return Schedule(
        chat_id=chat_id,
        days=",".join(defaults.days),
        send_time=format_hhmm(defaults.send_time),
        quiet_start=format_hhmm(defaults.quiet_start),
        quiet_end=format_hhmm(defaults.quiet_end),
    )


async def _create_chat(
    session: AsyncSession,
    *,
    telegram_id: int,
    kind: ChatKind,
    defaults: NewChatDefaults,
    now: datetime,
) -> tuple[Chat, Schedule]:
    chat = _new_chat_row(telegram_id, kind, defaults, now)
    session.add(chat)
    await session.flush()
    assert chat.id is not None
    schedule = _default_schedule(chat.id, defaults)
    session.add(schedule)
    session.add(ChatEvent(chat_id=chat.id, kind="joined", at=now))
    return chat, schedule


async def load_profile(session: AsyncSession, *, chat: Chat) -> ChatProfile:
    assert chat.id is not None
    schedule = await session.get(Schedule, chat.id)
    assert schedule is not None, "every chat is created with a schedule"
    topics = await session.exec(select(ChatTopic.topic_id).where(col(ChatTopic.chat_id) == chat.id))
    children = await session.exec(
        select(Child).where(col(Child.chat_id) == chat.id).order_by(col(Child.id))
    )
    return ChatProfile(chat, schedule, frozenset(topics), tuple(children))


async def set_topics(session: AsyncSession, *, chat_id: int, topics: frozenset[str]) -> None:
    await session.exec(delete(ChatTopic).where(col(ChatTopic.chat_id) == chat_id))
    session.add_all(ChatTopic(chat_id=chat_id, topic_id=t) for t in sorted(topics))


async def add_child(
    session: AsyncSession,
    *,
    chat_id: int,
    due_date: date | None = None,
    birth_date: date | None = None,
    now: datetime,
) -> Child:
    child = Child(chat_id=chat_id, due_date=due_date, birth_date=birth_date, created_at=now)
    session.add(child)
    await session.flush()
    return child


async def get_child(session: AsyncSession, *, chat_id: int, child_id: int) -> Child | None:
    child = await session.get(Child, child_id)
    return child if child is not None and child.chat_id == chat_id else None


async def remove_child(session: AsyncSession, *, chat_id: int, child_id: int) -> bool:
    result = await session.exec(
        delete(Child).where(col(Child.id) == child_id, col(Child.chat_id) == chat_id)
    )
    return result.rowcount > 0


async def last_tip_sent(session: AsyncSession, *, chat_id: int) -> str | None:
    result = await session.exec(
        select(Delivery.tip_id)
        .where(col(Delivery.chat_id) == chat_id, col(Delivery.sent_at).is_not(None))
        .order_by(col(Delivery.sent_at).desc())
        .limit(1)
    )
    return result.first()


async def bump_tip_counter(session: AsyncSession, *, tip_id: str, kind: str) -> None:
    counter = await session.get(TipCounter, (tip_id, kind))
    if counter is None:
        session.add(TipCounter(tip_id=tip_id, kind=kind, count=1))
    else:
        counter.count += 1


async def set_status(
    session: AsyncSession,
    *,
    chat: Chat,
    status: ChatStatus,
    now: datetime,
    reason: str | None = None,
    paused_until: datetime | None = None,
) -> None:
    """Change a chat's status, log the event, and count stops/blocks against the last tip."""
    assert chat.id is not None
    if chat.status == status.value and chat.paused_until == paused_until:
        return
    chat.status = status.value
    chat.status_reason = reason
    chat.paused_until = paused_until
    chat.status_changed_at = now
    last_tip = await last_tip_sent(session, chat_id=chat.id)
    session.add(
        ChatEvent(chat_id=chat.id, kind=status.value, at=now, last_tip_id=last_tip, detail=reason)
    )
    if last_tip is not None and status in (ChatStatus.STOPPED, ChatStatus.BLOCKED):
        await bump_tip_counter(session, tip_id=last_tip, kind=f"{status.value}-after")


async def migrate_chat(
    session: AsyncSession, *, old_telegram_id: int, new_telegram_id: int
) -> bool:
    """A group became a supergroup: keep everything under the new id.

    If the new id already has a row (an update for it raced ahead of the migration), that
    empty newcomer gives way to the chat with the history.
    """
    old = await get_chat(session, telegram_id=old_telegram_id)
    if old is None:
        return False
    newcomer = await get_chat(session, telegram_id=new_telegram_id)
    if newcomer is not None and newcomer.id != old.id:
        await session.delete(newcomer)
        await session.flush()
    old.telegram_id = new_telegram_id
    old.kind = ChatKind.SUPERGROUP.value
    assert old.id is not None
    session.add(ChatEvent(chat_id=old.id, kind="migrated", detail="group became a supergroup"))
    return True


async def record_feedback(
    session: AsyncSession, *, chat_id: int, tip_id: str, value: int, now: datetime
) -> None:
    await _store_answer(session, Feedback, chat_id=chat_id, tip_id=tip_id, now=now, value=value)


async def record_tried(
    session: AsyncSession, *, chat_id: int, tip_id: str, tried: bool, now: datetime
) -> None:
    """Store a chat's answer to "did you try it?" under a tip; a later answer replaces it."""
    await _store_answer(session, TriedAnswer, chat_id=chat_id, tip_id=tip_id, now=now, tried=tried)


async def _store_answer(
    session: AsyncSession,
    table: type[Feedback] | type[TriedAnswer],
    *,
    chat_id: int,
    tip_id: str,
    now: datetime,
    **answer: Any,
) -> None:
    """A chat's answer about a tip, one row per chat and tip: added, or replaced in place."""
    existing = (
        await session.exec(
            select(table).where(col(table.chat_id) == chat_id, col(table.tip_id) == tip_id)
        )
    ).one_or_none()
    if existing is None:
        session.add(table(chat_id=chat_id, tip_id=tip_id, created_at=now, updated_at=now, **answer))
    else:
        for field, value in answer.items():
            setattr(existing, field, value)
        existing.updated_at = now


async def forget_chat(session: AsyncSession, *, telegram_id: int) -> bool:
    """Erase the chat and, by cascade, every row about it. Anonymous tip counters remain."""
    chat = await get_chat(session, telegram_id=telegram_id)
    if chat is None:
        return False
    last_tip = await last_tip_sent(session, chat_id=chat.id) if chat.id is not None else None
    if last_tip is not None:
        await bump_tip_counter(session, tip_id=last_tip, kind="forget-after")
    await session.delete(chat)
    return True


async def count_stored(session: AsyncSession, *, chat_id: int) -> dict[str, int]:
    """How many deliveries, attempts, feedback rows, tried answers and events are stored."""
    attempts = (
        await session.exec(
            select(func.count())
            .select_from(DeliveryAttempt)
            .join(Delivery, col(Delivery.id) == col(DeliveryAttempt.delivery_id))
            .where(col(Delivery.chat_id) == chat_id)
        )
    ).one()
    # Thumbs and tried answers in one statement: /mydata stays within its query budget.
    feedback, tried = (
        await session.exec(
            select(
                _count_of(Feedback, col(Feedback.chat_id) == chat_id),
                _count_of(TriedAnswer, col(TriedAnswer.chat_id) == chat_id),
            )
        )
    ).one()
    return {
        "deliveries": await count_rows(session, Delivery, col(Delivery.chat_id) == chat_id),
        "delivery_attempts": attempts,
        "feedback": feedback,
        "tried": tried,
        "events": await count_rows(session, ChatEvent, col(ChatEvent.chat_id) == chat_id),
    }


def _count_of(table: type[Any], condition: ColumnElement[bool]) -> ScalarSelect[int]:
    return sa_select(func.count()).select_from(table).where(condition).scalar_subquery()


async def count_rows(
    session: AsyncSession, table: type[Any], *conditions: ColumnElement[bool]
) -> int:
    """How many rows of `table` match all `conditions`."""
    return (await session.exec(select(func.count()).select_from(table).where(*conditions))).one()


async def refresh_next_slot(session: AsyncSession, *, chat: Chat, now: datetime) -> None:
    """Point the planner at this chat's next slot, after any pause (call after every change)."""
    assert chat.id is not None
    schedule = await session.get(Schedule, chat.id)
    assert schedule is not None
    start = max(now, chat.paused_until) if chat.paused_until is not None else now
    schedule.next_slot_at = next_slot(cadence_for(schedule, chat.timezone), start)


async def activate(session: AsyncSession, *, chat: Chat, now: datetime) -> None:
    """Subscribe (after onboarding, a deep link, /resume or an undone /stop)."""
    chat.setup_step = None
    await set_status(session, chat=chat, status=ChatStatus.ACTIVE, now=now)
    await refresh_next_slot(session, chat=chat, now=now)


async def unblock(session: AsyncSession, *, chat: Chat, now: datetime) -> None:
    """A chat marked blocked wrote to the bot, so it unblocked it (or let it back in): back to
    where it was before, with everything it chose. A chat that had stopped stays stopped, one
    half set up goes back to onboarding, any other gets tips again (a pause's end is not kept
    through a block, so it ends)."""
    assert chat.id is not None
    others = [s.value for s in ChatStatus if s is not ChatStatus.BLOCKED]
    before = (
        await session.exec(
            select(ChatEvent.kind)
            .where(col(ChatEvent.chat_id) == chat.id, col(ChatEvent.kind).in_(others))
            .order_by(col(ChatEvent.at).desc(), col(ChatEvent.id).desc())
            .limit(1)
        )
    ).first()
    if chat.setup_step is not None:
        await set_status(session, chat=chat, status=ChatStatus.ONBOARDING, now=now)
    elif before == ChatStatus.STOPPED.value:
        await set_status(
            session, chat=chat, status=ChatStatus.STOPPED, now=now, reason="stopped by the chat"
        )
    else:
        await activate(session, chat=chat, now=now)
