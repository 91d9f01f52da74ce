"""Pauses that have ended: which chats get tips again, and turning them active once.

A chat whose pause has ended gets tips from that moment, whether or not its status has been
turned back to active yet: the planner and the dispatcher ask `receiving` / `status_at`, so a
dry run, a real run and a process that has not flipped the status yet all agree. The status
is flipped (and the family told) at the first housekeeping tick outside the chat's quiet
hours; `end_pauses` flips each chat once, however many processes try.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import and_, case, or_, update
from sqlalchemy import select as sa_select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.models import Chat, ChatStatus, Schedule


def pause_over(now: datetime) -> ColumnElement[bool]:
    """Paused, with an end that has come (a pause until /resume never ends by itself)."""
    return and_(
        col(Chat.status) == ChatStatus.PAUSED.value,
        col(Chat.paused_until).is_not(None),
        col(Chat.paused_until) <= now,
    )


def _set_up() -> ColumnElement[bool]:
    """The chat finished onboarding (a pause taken half-way ends back in onboarding)."""
    return col(Chat.setup_step).is_(None)


def receiving(now: datetime) -> ColumnElement[bool]:
    """Chats that get tips at `now`: active ones, and set-up paused ones whose pause is over."""
    return or_(col(Chat.status) == ChatStatus.ACTIVE.value, and_(pause_over(now), _set_up()))


def _status_after_pause() -> ColumnElement[str]:
    return cast(
        "ColumnElement[str]",
        case((_set_up(), ChatStatus.ACTIVE.value), else_=ChatStatus.ONBOARDING.value),
    )


def status_at(now: datetime) -> ColumnElement[str]:
    """The chat's status as of `now`: active once its pause is over (onboarding again if it
    was paused before it finished setting up)."""
    return cast(
        "ColumnElement[str]",
        case((pause_over(now), _status_after_pause()), else_=col(Chat.status)),
    )


@dataclass(frozen=True, slots=True)
class EndedPause:
    """A chat whose pause is over, with what deciding and telling it needs."""

    id: int
    telegram_id: int
    kind: str
    language: str
    timezone: str
    days: str
    send_time: str
    quiet_start: str
    quiet_end: str


async def ended_pauses(session: AsyncSession, *, now: datetime) -> list[EndedPause]:
    """The chats still marked paused whose pause is over (few: those of one night at most)."""
    connection = await session.connection()
    rows = await connection.execute(
        sa_select(
            col(Chat.id),
            col(Chat.telegram_id),
            col(Chat.kind),
            col(Chat.language),
            col(Chat.timezone),
            col(Schedule.days),
            col(Schedule.send_time),
            col(Schedule.quiet_start),
            col(Schedule.quiet_end),
        )
        .join(Schedule, col(Schedule.chat_id) == col(Chat.id))
        .where(pause_over(now))
        .order_by(col(Chat.id))
    )
    return [EndedPause(*cast(tuple[Any, ...], row)) for row in rows.all()]


async def end_pauses(session: AsyncSession, *, ids: Sequence[int], now: datetime) -> set[int]:
    """Turn these chats active if their pause is still over and not yet ended; returns the ids
    this call turned active (another process, or a /resume, may have got there first). A chat
    paused before it finished onboarding goes back to onboarding and is not returned."""
    if not ids:
        return set()
    result = await session.exec(
        update(Chat)
        .where(col(Chat.id).in_(list(ids)), pause_over(now))
        .values(status=_status_after_pause(), paused_until=None, status_changed_at=now)
        .returning(col(Chat.id), col(Chat.status))
    )
    return {int(row[0]) for row in result.all() if row[1] == ChatStatus.ACTIVE.value}
