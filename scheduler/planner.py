"""The planner: find chats whose slot has come and write one delivery row per chat x tip.

It works in batches (each its own transaction), so memory stays flat however many subscribers
there are. Rows are inserted with "on conflict do nothing" on (chat, tip), so a double tick or a
second planner adds nothing. After downtime a chat gets one tip for its latest missed slot (when
that slot is younger than CATCH_UP_LIMIT_HOURS), not one per missed slot.
"""

from __future__ import annotations

import functools
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import bindparam, func, update
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.cadence import Cadence, after_quiet_hours, latest_slot_at_or_before, next_slot
from domain.content.model import Library, Tip
from domain.dbtypes import UTCDateTime
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


@dataclass(frozen=True, slots=True)
class DueChat:
    """What planning needs of one due chat (plain columns, no ORM objects: cheap at scale)."""

    id: int
    telegram_id: int
    region: str
    language: str
    timezone: str
    days: str
    send_time: str
    quiet_start: str
    quiet_end: str
    next_slot_at: datetime


async def _due_batch(
    session: AsyncSession, now: datetime, limit: int, after_id: int
) -> list[DueChat]:
    connection = await session.connection()
    rows = await connection.execute(
        sa_select(
            col(Chat.id),
            col(Chat.telegram_id),
            col(Chat.region),
            col(Chat.language),
            col(Chat.timezone),
            col(Schedule.days),
            col(Schedule.send_time),
            col(Schedule.quiet_start),
            col(Schedule.quiet_end),
            col(Schedule.next_slot_at),
        )
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
    # Every column selected is NOT NULL for a due chat (next_slot_at <= now).
    return [DueChat(*cast(tuple[Any, ...], row)) for row in rows.all()]


@functools.lru_cache(maxsize=4096)
def _cadence(days: str, send_time: str, zone: str, quiet_start: str, quiet_end: str) -> Cadence:
    return Cadence.from_strings(
        days=days, send_time=send_time, timezone=zone, quiet_start=quiet_start, quiet_end=quiet_end
    )


class _Chooser:
    """choose_next_tip, remembered per distinct profile within one planning run: families at
    the same stage with the same choices and history get the same answer without recomputing."""

    def __init__(self, tips: list[Tip], today: date) -> None:
        self.tips, self.today = tips, today
        self._memo: dict[tuple[Any, ...], Tip | None] = {}

    def __call__(self, profile: Profile) -> Tip | None:
        key = (
            profile.topics,
            profile.region,
            profile.children,
            profile.sent,
            profile.recent_topics,
            tuple(sorted(profile.topic_feedback.items())),
        )
        if key not in self._memo:
            if len(self._memo) > 100_000:
                self._memo.clear()
            self._memo[key] = choose_next_tip(
                self.tips, profile, self.today, catch_up=needs_catch_up(len(profile.sent))
            )
        return self._memo[key]


async def _profiles(
    session: AsyncSession, chats: Sequence[DueChat], library: Library
) -> dict[int, Profile]:
    ids = [c.id for c in chats]
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
    choose = _Chooser(list(library.tips.values()), now.date())
    after_id = 0
    while True:
        async with sessions() as session:
            batch = await _due_batch(session, now, batch_size, after_id)
            if not batch:
                break
            after_id = batch[-1].id
            profiles = await _profiles(session, batch, library)
            rows: list[dict[str, Any]] = []
            moved: list[dict[str, Any]] = []
            for chat in batch:
                report.chats_due += 1
                cadence = _cadence(
                    chat.days, chat.send_time, chat.timezone, chat.quiet_start, chat.quiet_end
                )
                slot = slot_to_plan(cadence, chat.next_slot_at, now, catch_up_limit)
                moved.append({"cid": chat.id, "nxt": next_slot(cadence, now), "last": slot})
                if slot is None:
                    report.missed_slots_skipped += 1
                    continue
                tip = choose(profiles[chat.id])
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
            if dry_run:
                report.planned += len(rows)
                continue
            if rows:
                report.planned += await insert_ignoring_duplicates(session, rows)
            await _move_slots(session, moved)
            await session.commit()
    return report


async def _move_slots(session: AsyncSession, moved: list[dict[str, Any]]) -> None:
    """Every planned chat's next slot (and last slot, when one was planned), in one statement."""
    table = Schedule.__table__  # type: ignore[attr-defined]
    statement = (
        update(table)
        .where(table.c.chat_id == bindparam("cid"))
        .values(
            next_slot_at=bindparam("nxt"),
            last_slot_at=func.coalesce(
                bindparam("last", type_=UTCDateTime()), table.c.last_slot_at
            ),
        )
    )
    connection = await session.connection()
    await connection.execute(statement, moved)


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
