"""Retention: the delivery log keeps LOG_RETENTION_DAYS of history, then rows are deleted."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.models import Delivery, DeliveryStatus, SentTip, SystemEvent

# Rows still in play are kept whatever their age: purging them would let a tip be sent again.
IN_PLAY = (
    DeliveryStatus.PLANNED.value,
    DeliveryStatus.SENDING.value,
    DeliveryStatus.RETRYING.value,
)


async def purge_old_deliveries(session: AsyncSession, *, now: datetime, days: int) -> int:
    """Delete finished deliveries (and by cascade their attempts) planned more than `days` ago.

    Which tips each chat had is kept first in `sent_tip` (chat and tip id only), so a purge
    never lets a tip be sent to the same chat twice.
    """
    cutoff = now - timedelta(days=days)
    old = (col(Delivery.planned_at) < cutoff, col(Delivery.status).not_in(IN_PLAY))
    dialect = session.get_bind().dialect.name
    maker = pg_insert if dialect == "postgresql" else sqlite_insert
    keep = maker(SentTip).from_select(
        ["chat_id", "tip_id"], select(Delivery.chat_id, Delivery.tip_id).where(*old)
    )
    await session.exec(keep.on_conflict_do_nothing(index_elements=["chat_id", "tip_id"]))
    result = await session.exec(delete(Delivery).where(*old))
    await session.exec(delete(SystemEvent).where(col(SystemEvent.at) < cutoff))
    return result.rowcount
