"""Whether a tip reached a chat: answers about a tip (thumbs, "did you try it?") are kept only
for tips the chat was sent, so forged button data for any other tip stores nothing."""

from __future__ import annotations

from sqlalchemy import exists, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.models import Delivery, DeliveryStatus, SentTip

# An `unknown` delivery may have reached the chat (its request's fate is unclear), with buttons.
REACHED = (DeliveryStatus.SENT.value, DeliveryStatus.UNKNOWN.value)


async def was_delivered(session: AsyncSession, *, chat_id: int, tip_id: str) -> bool:
    """The tip was sent to the chat: a delivery row says so, or, once retention purged it,
    the `sent_tip` row kept in its place."""
    sent = exists().where(
        col(Delivery.chat_id) == chat_id,
        col(Delivery.tip_id) == tip_id,
        col(Delivery.status).in_(REACHED),
    )
    kept = exists().where(col(SentTip.chat_id) == chat_id, col(SentTip.tip_id) == tip_id)
    return bool((await session.exec(select(or_(sent, kept)))).one())
