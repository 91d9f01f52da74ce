"""The delivery ledger: every write to delivery state, and the queries that claim rows.

Claims, releases, marking rows `sending`, recording outcomes (one at a time or many sent at
once), recovering the claims of processes that are gone, content flags and system events. The
dispatcher and the on-demand lane both go through here, so both record outcomes the same way.

A claim names the process that holds it (`claimed_by`, the holder of that process's `sender:`
lease) and the row names its lane. Only a claim whose process is gone (no live sender lease)
is ever taken from it: an in-flight send of a live process, scheduled or on demand, is never
recovered, however long its request takes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, insert, or_, update
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.chats import get_chat, migrate_chat, set_status
from domain.models import (
    Chat,
    ChatKind,
    ChatStatus,
    ContentFlag,
    Delivery,
    DeliveryAttempt,
    DeliveryLane,
    DeliveryStatus,
    Lease,
    SystemEvent,
)
from domain.pauses import status_at
from scheduler.leases import SENDER_PREFIX
from scheduler.outcomes import Decision

log = logging.getLogger(__name__)
CLAIM_SECONDS = 60.0
GROUP_KINDS = frozenset({ChatKind.GROUP.value, ChatKind.SUPERGROUP.value})


@dataclass(frozen=True, slots=True)
class Outcome:
    """How one request for a delivery ended."""

    status: DeliveryStatus
    started_at: datetime
    finished_at: datetime
    telegram_chat_id: int
    message_id: int | None = None
    error_code: int | None = None
    error_description: str | None = None
    reason: str | None = None

    @property
    def latency_ms(self) -> int:
        return int((self.finished_at - self.started_at).total_seconds() * 1000)


def apply_outcome(session: AsyncSession, delivery: Delivery, outcome: Outcome) -> None:
    """Write the attempt to the log and the delivery's new state (the caller commits)."""
    assert delivery.id is not None
    description = (outcome.error_description or "")[:300] or None
    logged = description or outcome.reason
    session.add(
        DeliveryAttempt(
            delivery_id=delivery.id,
            telegram_chat_id=outcome.telegram_chat_id,
            started_at=outcome.started_at,
            finished_at=outcome.finished_at,
            outcome=outcome.status.value,
            error_code=outcome.error_code,
            error_description=logged,
            telegram_message_id=outcome.message_id,
            latency_ms=outcome.latency_ms,
        )
    )
    delivery.status = outcome.status.value
    delivery.error_code = outcome.error_code
    delivery.error_description = description
    delivery.reason = outcome.reason
    delivery.latency_ms = outcome.latency_ms
    if outcome.status is DeliveryStatus.SENT:
        delivery.sent_at = outcome.finished_at
        delivery.telegram_message_id = outcome.message_id
    if outcome.status is not DeliveryStatus.RETRYING:
        delivery.claimed_by = None
        delivery.claim_expires_at = None


WAITING = (DeliveryStatus.PLANNED.value, DeliveryStatus.RETRYING.value)


async def finish(
    session: AsyncSession,
    delivery_id: int,
    outcome: Outcome,
    *,
    retry_at: datetime | None = None,
    unreachable: bool = False,
) -> None:
    """Record how a send ended (the caller commits). `retry_at` puts the delivery back in the
    queue from then; `unreachable` stops the chat and skips everything else waiting for it."""
    row = await session.get(Delivery, delivery_id)
    if row is None:  # the chat was forgotten while we sent
        return
    apply_outcome(session, row, outcome)
    if retry_at is not None:
        row.not_before = retry_at
        row.claimed_by = row.claim_expires_at = None
    if not unreachable:
        return
    chat = await get_chat(session, telegram_id=outcome.telegram_chat_id)
    if chat is None:
        return
    await set_status(
        session,
        chat=chat,
        status=ChatStatus.BLOCKED,
        now=outcome.finished_at,
        reason=outcome.error_description,
    )
    await session.exec(
        update(Delivery)
        .where(col(Delivery.chat_id) == row.chat_id, col(Delivery.status).in_(WAITING))
        .values(status=DeliveryStatus.SKIPPED.value, reason="chat unreachable", claimed_by=None)
    )


async def record_sent(
    sessions: async_sessionmaker[AsyncSession], batch: list[tuple[int, Outcome]]
) -> None:
    """Record many successful sends in one transaction (the dispatcher's hot path)."""
    ids = [delivery_id for delivery_id, _ in batch]
    async with sessions() as session:
        connection = await session.connection()
        present = await connection.execute(
            select(col(Delivery.id)).where(col(Delivery.id).in_(ids))
        )
        alive = {row[0] for row in present.all()}  # a chat may have been forgotten meanwhile
        rows = [(i, o) for i, o in batch if i in alive]
        if rows:
            await connection.execute(
                insert(DeliveryAttempt),
                [
                    {
                        "delivery_id": i,
                        "telegram_chat_id": o.telegram_chat_id,
                        "started_at": o.started_at,
                        "finished_at": o.finished_at,
                        "outcome": o.status.value,
                        "telegram_message_id": o.message_id,
                        "latency_ms": o.latency_ms,
                    }
                    for i, o in rows
                ],
            )
            table = Delivery.__table__  # type: ignore[attr-defined]
            await connection.execute(
                update(table)
                .where(table.c.id == bindparam("did"))
                .values(
                    status=DeliveryStatus.SENT.value,
                    sent_at=bindparam("sent_at"),
                    telegram_message_id=bindparam("message_id"),
                    latency_ms=bindparam("latency"),
                    error_code=None,
                    error_description=None,
                    reason=None,
                    claimed_by=None,
                    claim_expires_at=None,
                ),
                [
                    {
                        "did": i,
                        "sent_at": o.finished_at,
                        "message_id": o.message_id,
                        "latency": o.latency_ms,
                    }
                    for i, o in rows
                ],
            )
        await session.commit()


async def settle(
    sessions: async_sessionmaker[AsyncSession],
    *,
    delivery_id: int,
    tip_id: str,
    language: str,
    outcome: Outcome,
    decision: Decision,
) -> None:
    """Record a failed send as `decision` says (scheduler.outcomes.decide), in one transaction:
    the chat's new id, the outcome, a content flag, a system event for a flood-control pause."""
    now = outcome.finished_at
    async with sessions() as session:
        if decision.new_chat_id is not None:
            await migrate_chat(
                session,
                old_telegram_id=outcome.telegram_chat_id,
                new_telegram_id=decision.new_chat_id,
            )
        retry_at = None if decision.retry_in is None else now + timedelta(seconds=decision.retry_in)
        await finish(
            session, delivery_id, outcome, retry_at=retry_at, unreachable=decision.unreachable
        )
        if decision.flag is not None:
            await flag_content(
                session,
                tip_id=tip_id,
                language=language,
                kind=decision.flag,
                description=outcome.error_description or "",
                now=now,
            )
        if decision.pause_all:
            detail = f"429: all sending paused for {decision.pause_all:g} s"
            add_event(session, "rate-limited", detail, now)
        await session.commit()


async def flag_content(
    session: AsyncSession, *, tip_id: str, language: str, kind: str, description: str, now: datetime
) -> None:
    """Tell editors that a tip cannot be sent (counted per tip, language and kind)."""
    existing = (
        await session.exec(
            select(ContentFlag).where(
                col(ContentFlag.tip_id) == tip_id,
                col(ContentFlag.language) == language,
                col(ContentFlag.kind) == kind,
            )
        )
    ).one_or_none()
    if existing is None:
        session.add(
            ContentFlag(
                tip_id=tip_id,
                language=language,
                kind=kind,
                description=description[:300],
                first_seen=now,
                last_seen=now,
            )
        )
    else:
        existing.count += 1
        existing.last_seen = now
        existing.description = description[:300]
    log.error("tip %s (%s) cannot be sent: %s", tip_id, language, description)


def add_event(session: AsyncSession, kind: str, detail: str, now: datetime) -> None:
    session.add(SystemEvent(kind=kind, detail=detail[:500], at=now))
    log.warning("%s", detail)


# -- claims ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Claimed:
    delivery_id: int
    chat_id: int
    telegram_id: int
    is_group: bool
    chat_status: str
    tip_id: str
    language: str
    lane: str
    attempts: int


async def live_holders(
    session: AsyncSession, *, holder: str, now: datetime, exclusive: bool
) -> list[str]:
    """Processes that are alive: every holder of an unexpired sender lease, and `holder`.
    With `exclusive` (SQLite, one process by lock) any other holder is a process that is gone."""
    if exclusive:
        return [holder]
    leases = await session.exec(
        select(Lease.holder).where(
            col(Lease.name).startswith(SENDER_PREFIX), col(Lease.expires_at) >= now
        )
    )
    return [holder, *leases.all()]


def _orphaned(live: list[str]) -> ColumnElement[bool]:
    """Claims held by no live process."""
    return or_(col(Delivery.claimed_by).is_(None), col(Delivery.claimed_by).not_in(live))


async def claim(
    sessions: async_sessionmaker[AsyncSession],
    *,
    holder: str,
    exclusive: bool,
    now: datetime,
    due: datetime,
    limit: int,
) -> list[Claimed]:
    """Claim up to `limit` waiting deliveries due by `due`, oldest first: unclaimed ones, ones
    whose claim expired before they were marked `sending`, and ones of processes that are gone.
    FOR UPDATE SKIP LOCKED on PostgreSQL, so two processes never claim the same row."""
    async with sessions() as session:
        live = await live_holders(session, holder=holder, now=now, exclusive=exclusive)
        ids_query = (
            select(Delivery.id)
            .where(
                col(Delivery.status).in_(WAITING),
                col(Delivery.not_before) <= due,
                or_(_orphaned(live), col(Delivery.claim_expires_at) < now),
            )
            .order_by(col(Delivery.not_before), col(Delivery.id))
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        ids = list((await session.exec(ids_query)).all())
        if not ids:
            return []
        await session.exec(
            update(Delivery)
            .where(col(Delivery.id).in_(ids))
            .values(claimed_by=holder, claim_expires_at=now + timedelta(seconds=CLAIM_SECONDS))
        )
        # Plain columns, not ORM objects: hydrating thousands of objects blocks the event
        # loop for long enough to bunch up the paced sends waiting on it.
        connection = await session.connection()
        rows = await connection.execute(
            sa_select(
                col(Delivery.id),
                col(Chat.id),
                col(Chat.telegram_id),
                col(Chat.kind),
                status_at(due),  # a chat whose pause is over is sent to, flipped yet or not
                col(Delivery.tip_id),
                col(Chat.language),
                col(Delivery.lane),
                col(Delivery.attempts),
            )
            .join(Chat, col(Chat.id) == col(Delivery.chat_id))
            .where(col(Delivery.id).in_(ids))
            .order_by(col(Delivery.not_before), col(Delivery.id))
        )
        claimed = [
            Claimed(
                delivery_id=did or 0,
                chat_id=cid or 0,
                telegram_id=tid,
                is_group=kind in GROUP_KINDS,
                chat_status=status,
                tip_id=tip_id,
                language=language,
                lane=lane,
                attempts=attempts,
            )
            for (did, cid, tid, kind, status, tip_id, language, lane, attempts) in rows.all()
        ]
        await session.commit()
    return claimed


async def mark_sending(
    sessions: async_sessionmaker[AsyncSession], *, holder: str, ids: list[int]
) -> set[int]:
    """Mark claimed rows 'sending' (attempts + 1); returns the ids that really were ours."""
    if not ids:
        return set()
    async with sessions() as session:
        connection = await session.connection()
        result = await connection.execute(
            update(Delivery)
            .where(
                col(Delivery.id).in_(ids),
                col(Delivery.claimed_by) == holder,
                col(Delivery.status).in_(WAITING),
            )
            .values(status=DeliveryStatus.SENDING.value, attempts=col(Delivery.attempts) + 1)
            .returning(col(Delivery.id))
        )
        marked = {row[0] for row in result.all() if row[0] is not None}
        await session.commit()
    return marked


async def release_claims(
    sessions: async_sessionmaker[AsyncSession], *, holder: str, ids: list[int]
) -> None:
    if not ids:
        return
    async with sessions() as session:
        await session.exec(
            update(Delivery)
            .where(col(Delivery.id).in_(ids), col(Delivery.claimed_by) == holder)
            .values(claimed_by=None, claim_expires_at=None)
        )
        await session.commit()


async def recover_stale(
    sessions: async_sessionmaker[AsyncSession],
    *,
    holder: str,
    exclusive: bool,
    now: datetime,
    at_least_once: bool,
) -> int:
    """Rows left `sending` by a process that is gone: `unknown`, or `retrying` (sent again)
    under at-least-once. Rows of a live process are left alone, whatever their lane."""
    async with sessions() as session:
        live = await live_holders(session, holder=holder, now=now, exclusive=exclusive)
        stale = (
            await session.exec(
                select(Delivery).where(
                    col(Delivery.status) == DeliveryStatus.SENDING.value, _orphaned(live)
                )
            )
        ).all()
        status = DeliveryStatus.RETRYING if at_least_once else DeliveryStatus.UNKNOWN
        for row in stale:
            chat = await session.get(Chat, row.chat_id)
            outcome = Outcome(
                status,
                now,
                now,
                chat.telegram_id if chat else 0,
                error_description="the sending process stopped before the outcome was known",
            )
            apply_outcome(session, row, outcome)
            row.not_before = now
        await session.commit()
    if stale:
        log.warning("%d delivery(ies) were in flight when a process stopped", len(stale))
    return len(stale)


async def open_on_demand(
    session: AsyncSession,
    *,
    chat_id: int,
    tip_id: str,
    language: str,
    holder: str,
    now: datetime,
) -> int | None:
    """Insert an on-demand delivery already `sending`, claimed by `holder`; commits. None when
    the chat already has this tip (a double tap took it first)."""
    delivery = Delivery(
        chat_id=chat_id,
        tip_id=tip_id,
        language=language,
        lane=DeliveryLane.ON_DEMAND.value,
        status=DeliveryStatus.SENDING.value,
        slot_at=now,
        planned_at=now,
        not_before=now,
        claimed_by=holder,
        attempts=1,
    )
    session.add(delivery)
    try:
        await session.commit()
    except IntegrityError:
        await session.rollback()
        return None
    return delivery.id
