"""The planner: find chats whose slot has come and write one delivery row per chat x tip.

It works in batches (each its own transaction), so memory stays flat however many subscribers
there are. Rows are inserted with "on conflict do nothing" on (chat, tip), so a double tick or a
second planner adds nothing. After downtime a chat gets one tip for its latest missed slot (when
that slot is younger than CATCH_UP_LIMIT_HOURS), not one per missed slot.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.cadence import Cadence, after_quiet_hours, latest_slot_at_or_before, next_slot
from domain.chats import cadence_for
from domain.content.model import Library, Tip
from domain.models import (
    Chat,
    ChatStatus,
    ChatTopic,
    Child,
    Delivery,
    DeliveryLane,
    DeliveryStatus,
    Feedback,
    Schedule,
    SentTip,
)
from domain.selection import ChildStage, Profile, choose_next_tip, needs_catch_up
from scheduler.profiles import RECENT

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PlannedTip:
    chat_id: int
    telegram_id: int
    tip_id: str
    language: str
    slot_at: datetime
    not_before: datetime


@dataclass
class PlanReport:
    chats_due: int = 0
    planned: int = 0
    nothing_to_send: int = 0
    missed_slots_skipped: int = 0
    plans: list[PlannedTip] = field(default_factory=list)


async def insert_ignoring_duplicates(session: AsyncSession, rows: list[dict[str, Any]]) -> int:
    """INSERT ... ON CONFLICT (chat_id, tip_id) DO NOTHING RETURNING id, on either database
    (the returned rows count what was really added; rowcount is not reliable here)."""
    dialect = session.get_bind().dialect.name
    maker = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        maker(Delivery)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["chat_id", "tip_id"])
        .returning(col(Delivery.id))
    )
    connection = await session.connection()
    result = await connection.execute(statement)
    return len(result.all())


async def _due_batch(
    session: AsyncSession, now: datetime, limit: int, after_id: int
) -> Sequence[tuple[Chat, Schedule]]:
    rows = await session.exec(
        select(Chat, Schedule)
        .join(Schedule, col(Schedule.chat_id) == col(Chat.id))
        .where(
            col(Chat.status) == ChatStatus.ACTIVE.value,
            col(Schedule.next_slot_at) <= now,
            col(Chat.id) > after_id,
        )
        .order_by(col(Chat.id))
        .limit(limit)
        # A second planner skips the chats this one is planning (PostgreSQL); SQLite's
        # BEGIN IMMEDIATE already runs planning transactions one at a time.
        .with_for_update(of=Schedule, skip_locked=True)
    )
    return rows.all()


async def _profiles(
    session: AsyncSession, chats: Sequence[Chat], library: Library
) -> dict[int, Profile]:
    ids = [c.id for c in chats if c.id is not None]
    topics: dict[int, set[str]] = defaultdict(set)
    for chat_id, topic in await session.exec(
        select(ChatTopic.chat_id, ChatTopic.topic_id).where(col(ChatTopic.chat_id).in_(ids))
    ):
        topics[chat_id].add(topic)
    children: dict[int, list[ChildStage]] = defaultdict(list)
    for child in await session.exec(select(Child).where(col(Child.chat_id).in_(ids))):
        children[child.chat_id].append(
            ChildStage(child.due_date, child.birth_date, child.content_stopped_at is not None)
        )
    sent: dict[int, list[str]] = defaultdict(list)
    for chat_id, tip_id in await session.exec(
        select(SentTip.chat_id, SentTip.tip_id).where(col(SentTip.chat_id).in_(ids))
    ):
        sent[chat_id].append(tip_id)
    for chat_id, tip_id in await session.exec(
        select(Delivery.chat_id, Delivery.tip_id)
        .where(col(Delivery.chat_id).in_(ids))
        .order_by(col(Delivery.id))
    ):
        sent[chat_id].append(tip_id)
    feedback: dict[int, dict[str, int]] = defaultdict(dict)
    for chat_id, tip_id, value in await session.exec(
        select(Feedback.chat_id, Feedback.tip_id, Feedback.value).where(
            col(Feedback.chat_id).in_(ids)
        )
    ):
        tip = library.tips.get(tip_id)
        if tip is not None:
            topic = tip.primary_topic
            feedback[chat_id][topic] = feedback[chat_id].get(topic, 0) + value
    profiles = {}
    for chat in chats:
        assert chat.id is not None
        history = sent[chat.id]
        recent = [library.tips[t].primary_topic for t in history[-RECENT:] if t in library.tips]
        profiles[chat.id] = Profile(
            topics=frozenset(topics[chat.id]),
            region=chat.region,
            children=tuple(children[chat.id]),
            sent=frozenset(history),
            recent_topics=tuple(recent),
            topic_feedback=feedback[chat.id],
        )
    return profiles


def slot_to_plan(
    cadence: Cadence, due: datetime, now: datetime, limit: timedelta
) -> datetime | None:
    """The one slot to send for now: the latest that has come, if it is recent enough."""
    latest = latest_slot_at_or_before(cadence, now) or due
    return latest if now - latest <= limit else None


async def plan_due(
    sessions: async_sessionmaker[AsyncSession],
    library: Library,
    *,
    now: datetime,
    batch_size: int,
    catch_up_limit: timedelta,
    dry_run: bool = False,
) -> PlanReport:
    """Plan every due chat, in batches; with `dry_run`, report the plan and write nothing."""
    report = PlanReport()
    tips: list[Tip] = list(library.tips.values())
    after_id = 0
    while True:
        async with sessions() as session:
            batch = await _due_batch(session, now, batch_size, after_id)
            if not batch:
                break
            after_id = max(chat.id or 0 for chat, _ in batch)
            profiles = await _profiles(session, [chat for chat, _ in batch], library)
            rows: list[dict[str, Any]] = []
            for chat, schedule in batch:
                assert chat.id is not None and schedule.next_slot_at is not None
                report.chats_due += 1
                cadence = cadence_for(chat, schedule)
                slot = slot_to_plan(cadence, schedule.next_slot_at, now, catch_up_limit)
                if not dry_run:
                    schedule.last_slot_at = slot or schedule.last_slot_at
                    schedule.next_slot_at = next_slot(cadence, now)
                if slot is None:
                    report.missed_slots_skipped += 1
                    continue
                profile = profiles[chat.id]
                tip = choose_next_tip(
                    tips, profile, now.date(), catch_up=needs_catch_up(len(profile.sent))
                )
                if tip is None:
                    report.nothing_to_send += 1
                    continue
                ignore_quiet = tip.urgent and tip.ignore_quiet_hours
                not_before = (
                    max(slot, now) if ignore_quiet else after_quiet_hours(cadence, max(slot, now))
                )
                plan = PlannedTip(
                    chat.id, chat.telegram_id, tip.id, chat.language, slot, not_before
                )
                if dry_run:
                    report.plans.append(plan)
                rows.append(_row(plan, now, DeliveryLane.SCHEDULED))
            if rows and not dry_run:
                report.planned += await insert_ignoring_duplicates(session, rows)
            elif dry_run:
                report.planned += len(rows)
            if not dry_run:
                await session.commit()
    return report


def _row(plan: PlannedTip, now: datetime, lane: DeliveryLane) -> dict[str, Any]:
    return {
        "chat_id": plan.chat_id,
        "tip_id": plan.tip_id,
        "language": plan.language,
        "lane": lane.value,
        "status": DeliveryStatus.PLANNED.value,
        "slot_at": plan.slot_at,
        "planned_at": now,
        "not_before": plan.not_before,
        "attempts": 0,
    }


async def queue_depth(sessions: async_sessionmaker[AsyncSession]) -> int:
    """Deliveries waiting to be sent (planned or retrying)."""
    async with sessions() as session:
        result = await session.exec(
            select(func.count())
            .select_from(Delivery)
            .where(
                col(Delivery.status).in_(
                    [DeliveryStatus.PLANNED.value, DeliveryStatus.RETRYING.value]
                )
            )
        )
        return int(result.one())
