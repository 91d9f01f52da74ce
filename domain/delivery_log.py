"""Reading the delivery log for operators (CLI now, dashboard later). No Telegram types."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.models import Chat, Delivery


@dataclass(frozen=True)
class LogFilter:
    statuses: tuple[str, ...] = ()
    chat: int | None = None  # Telegram chat id
    tip: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 100
    after_id: int = 0  # for following the log: only rows with a larger id


@dataclass(frozen=True)
class LogRow:
    id: int
    planned_at: datetime
    sent_at: datetime | None
    chat: int
    tip: str
    language: str
    lane: str
    status: str
    attempts: int
    error_code: int | None
    error: str | None
    reason: str | None
    message_id: int | None
    latency_ms: int | None

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("planned_at", "sent_at"):
            data[key] = data[key].isoformat() if data[key] else None
        return data


async def read_log(session: AsyncSession, wanted: LogFilter) -> list[LogRow]:
    """Deliveries matching `wanted`, newest first (oldest first when following)."""
    query = select(Delivery, Chat.telegram_id).join(Chat, col(Chat.id) == col(Delivery.chat_id))
    if wanted.statuses:
        query = query.where(col(Delivery.status).in_(wanted.statuses))
    if wanted.chat is not None:
        query = query.where(col(Chat.telegram_id) == wanted.chat)
    if wanted.tip:
        query = query.where(col(Delivery.tip_id) == wanted.tip)
    if wanted.since:
        query = query.where(col(Delivery.planned_at) >= wanted.since)
    if wanted.until:
        query = query.where(col(Delivery.planned_at) < wanted.until)
    if wanted.after_id:
        query = query.where(col(Delivery.id) > wanted.after_id).order_by(col(Delivery.id))
    else:
        query = query.order_by(col(Delivery.id).desc())
    rows = await session.exec(query.limit(wanted.limit))
    return [
        LogRow(
            id=d.id or 0,
            planned_at=d.planned_at,
            sent_at=d.sent_at,
            chat=telegram_id,
            tip=d.tip_id,
            language=d.language,
            lane=d.lane,
            status=d.status,
            attempts=d.attempts,
            error_code=d.error_code,
            error=d.error_description,
            reason=d.reason,
            message_id=d.telegram_message_id,
            latency_ms=d.latency_ms,
        )
        for d, telegram_id in rows.all()
    ]
