"""Reading the delivery log for operators (the CLI and the dashboard). No Telegram types."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import Select

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
    query = _matching(wanted)
    if wanted.after_id:
        query = query.where(col(Delivery.id) > wanted.after_id).order_by(col(Delivery.id))
    else:
        query = query.order_by(col(Delivery.id).desc())
    rows = await session.exec(query.limit(wanted.limit))
    return _log_rows(rows.all())


def _matching(wanted: LogFilter) -> Select[Delivery, int]:
    """Deliveries (with their chat's Telegram id) passing the filter, in no particular order."""
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
    return query


def _log_rows(rows: Sequence[tuple[Delivery, int]]) -> list[LogRow]:
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
        for d, telegram_id in rows
    ]


@dataclass(frozen=True)
class LogPage:
    """One page of the log, newest first, with whether older and newer matching rows exist."""

    rows: list[LogRow]
    has_older: bool
    has_newer: bool


async def read_log_page(
    session: AsyncSession,
    wanted: LogFilter,
    *,
    before_id: int | None = None,
    after_id: int | None = None,
) -> LogPage:
    """A page of `wanted.limit` matching deliveries, newest first (keyset pagination by id):
    the newest ones, those just older than `before_id`, or those just newer than `after_id`."""
    query = _matching(wanted)
    if after_id is not None:
        found = await session.exec(
            query.where(col(Delivery.id) > after_id).order_by(col(Delivery.id)).limit(wanted.limit)
        )
        rows = _log_rows(list(reversed(found.all())))
    else:
        if before_id is not None:
            query = query.where(col(Delivery.id) < before_id)
        found = await session.exec(query.order_by(col(Delivery.id).desc()).limit(wanted.limit))
        rows = _log_rows(found.all())
    if not rows:
        return LogPage(rows, has_older=False, has_newer=False)
    return LogPage(
        rows,
        has_older=await _exists(session, _matching(wanted).where(col(Delivery.id) < rows[-1].id)),
        has_newer=await _exists(session, _matching(wanted).where(col(Delivery.id) > rows[0].id)),
    )


async def count_log(session: AsyncSession, wanted: LogFilter) -> int:
    """How many deliveries match `wanted` (ignoring its limit)."""
    matching = _matching(wanted).subquery()
    return int((await session.exec(select(func.count()).select_from(matching))).one())


async def _exists(session: AsyncSession, query: Select[Delivery, int]) -> bool:
    return (await session.exec(query.limit(1))).first() is not None


async def read_log_rows(session: AsyncSession, ids: Sequence[int]) -> list[LogRow]:
    """The deliveries with these ids as they are now, oldest first (for following the log)."""
    rows: list[LogRow] = []
    for start in range(0, len(ids), 500):  # keep IN lists well under SQLite's variable limit
        query = _matching(LogFilter()).where(col(Delivery.id).in_(ids[start : start + 500]))
        rows += _log_rows((await session.exec(query.order_by(col(Delivery.id)))).all())
    return rows
