"""Urgent alerts: one tip to every matching active chat, as soon as possible, outside the cap.

Quiet hours are kept unless the tip sets `ignore_quiet_hours`. A chat that already had the tip
does not get it again (one delivery per chat x tip).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.cadence import cadence_for
from domain.content.model import Tip
from domain.models import (
    Chat,
    ChatStatus,
    ChatTopic,
    Delivery,
    DeliveryLane,
    DeliveryStatus,
    Schedule,
    SentTip,
)
from scheduler.bulk_writes import insert_ignoring_duplicates
from scheduler.quiet_hours import earliest_send

BATCH = 1000


@dataclass(frozen=True)
class BroadcastFilter:
    topics: frozenset[str] = frozenset()  # default: the tip's own topics
    regions: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()


@dataclass
class BroadcastPlan:
    tip_id: str
    chats: int = 0  # matching chats that have not had the tip
    planned: int = 0
    at_night: int = 0  # waiting for the end of their quiet hours

    def duration(self, rate: float) -> timedelta:
        return timedelta(seconds=self.chats / rate)


async def plan_broadcast(
    sessions: async_sessionmaker[AsyncSession],
    tip: Tip,
    wanted: BroadcastFilter,
    *,
    now: datetime,
    dry_run: bool,
) -> BroadcastPlan:
    topics = wanted.topics or frozenset(tip.topics)
    regions = (wanted.regions or tip.regions) & tip.regions
    plan = BroadcastPlan(tip.id)
    after_id = 0
    while True:
        async with sessions() as session:
            query = (
                select(Chat, Schedule)
                .join(Schedule, col(Schedule.chat_id) == col(Chat.id))
                .where(
                    col(Chat.id) > after_id,
                    col(Chat.status) == ChatStatus.ACTIVE.value,
                    col(Chat.region).in_(regions),
                    col(Chat.id).in_(
                        select(ChatTopic.chat_id).where(col(ChatTopic.topic_id).in_(topics))
                    ),
                    col(Chat.id).not_in(
                        select(SentTip.chat_id).where(col(SentTip.tip_id) == tip.id)
                    ),
                    col(Chat.id).not_in(
                        select(Delivery.chat_id).where(col(Delivery.tip_id) == tip.id)
                    ),
                )
                .order_by(col(Chat.id))
                .limit(BATCH)
            )
            if wanted.languages:
                query = query.where(col(Chat.language).in_(wanted.languages))
            batch = (await session.exec(query)).all()
            if not batch:
                break
            after_id = batch[-1][0].id or 0
            rows: list[dict[str, Any]] = []
            for chat, schedule in batch:
                send_at = earliest_send(tip, cadence_for(schedule, chat.timezone), now)
                plan.chats += 1
                plan.at_night += send_at > now
                rows.append(
                    {
                        "chat_id": chat.id,
                        "tip_id": tip.id,
                        "language": chat.language,
                        "lane": DeliveryLane.BROADCAST.value,
                        "status": DeliveryStatus.PLANNED.value,
                        "slot_at": now,
                        "planned_at": now,
                        "not_before": send_at,
                        "attempts": 0,
                    }
                )
            if not dry_run:
                plan.planned += await insert_ignoring_duplicates(session, rows)
                await session.commit()
    return plan
