"""The delivery ledger: delivery rows and the attempt log, written as each send ends.

Shared by the dispatcher and the interactive lane, so both record outcomes the same way."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, insert, update
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.chats import get_chat, set_status
from domain.models import ChatStatus, Delivery, DeliveryAttempt, DeliveryStatus


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
