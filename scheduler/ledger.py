"""The delivery ledger: delivery rows and the attempt log, written as each send ends."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.models import Delivery, DeliveryAttempt, DeliveryStatus


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
    session.add(
        DeliveryAttempt(
            delivery_id=delivery.id,
            telegram_chat_id=outcome.telegram_chat_id,
            started_at=outcome.started_at,
            finished_at=outcome.finished_at,
            outcome=outcome.status.value,
            error_code=outcome.error_code,
            error_description=description,
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
