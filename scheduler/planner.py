"""The planner: find chats whose slot has come and write one delivery row per chat x tip.

It works in batches (each its own transaction), so memory stays flat however many subscribers
there are. Rows are inserted with "on conflict do nothing" on (chat, tip), so a double tick or a
second planner adds nothing. After downtime a chat gets one tip for its latest missed slot (when
that slot is younger than CATCH_UP_LIMIT_HOURS), not one per missed slot.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    func,
)
from sqlalchemy import select as sa_select
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.cadence import Cadence, cadence_for, latest_slot_at_or_before, next_slot
from domain.content.index import TipIndex
from domain.content.model import Library, Tip
from domain.models import (
    Chat,
    Delivery,
    DeliveryLane,
    DeliveryStatus,
    Schedule,
)
from domain.pauses import receiving
from domain.selection import Profile, choose_from_index, needs_catch_up
from scheduler.bulk_writes import insert_ignoring_duplicates, move_slots
from scheduler.profiles import load_profiles
from scheduler.quiet_hours import earliest_send

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
            # Paused chats whose pause is over count, flipped to active yet or not: a dry
            # run and a real run choose the same chats.
            receiving(now),
            col(Schedule.next_slot_at) <= now,
            col(Chat.id) > after_id,
            # Said again of the schedule's own key, so PostgreSQL starts both index scans of
            # the merge join at after_id (it does not carry inequalities across the join).
            col(Schedule.chat_id) > after_id,
        )
        .order_by(col(Chat.id))
        .limit(limit)
        # A second planner skips the chats this one is planning (PostgreSQL); SQLite's
        # BEGIN IMMEDIATE already runs planning transactions one at a time.
        .with_for_update(of=Schedule, skip_locked=True)
    )
    # Every column selected is NOT NULL for a due chat (next_slot_at <= now).
    return [DueChat(*cast(tuple[Any, ...], row)) for row in rows.all()]


@dataclass(frozen=True, slots=True)
class _Timing:
    """What one cadence gives at this planning instant (the same for every chat sharing it)."""

    cadence: Cadence
    latest: datetime | None  # the latest slot at or before now
    following: datetime  # the next slot after now


class _Timings:
    """`_Timing` per distinct schedule within one planning run."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self._memo: dict[tuple[str, str, str, str, str], _Timing] = {}

    def __call__(self, chat: DueChat) -> _Timing:
        key = (chat.days, chat.send_time, chat.timezone, chat.quiet_start, chat.quiet_end)
        timing = self._memo.get(key)
        if timing is None:
            cadence = cadence_for(chat, chat.timezone)
            now = self.now
            timing = _Timing(
                cadence,
                latest_slot_at_or_before(cadence, now),
                next_slot(cadence, now),
            )
            self._memo[key] = timing
        return timing


class _Chooser:
    """choose_next_tip over an index of the library for today, remembered per distinct profile
    within one planning run: families at the same stage with the same choices and history get
    the same answer without recomputing."""

    def __init__(self, tips: list[Tip], today: date) -> None:
        self.index = TipIndex(tips, today)
        self._memo: dict[tuple[Any, ...], Tip | None] = {}

    def __call__(self, profile: Profile) -> Tip | None:
        key = (
            profile.topics,
            profile.region,
            profile.children,
            profile.sent,
            profile.recent_topics,
            tuple(sorted(profile.topic_feedback.items())) if profile.topic_feedback else (),
        )
        tip = self._memo.get(key, _UNKNOWN)
        if tip is _UNKNOWN:
            if len(self._memo) > 100_000:
                self._memo.clear()
            tip = choose_from_index(self.index, profile, catch_up=needs_catch_up(len(profile.sent)))
            self._memo[key] = tip
        return cast("Tip | None", tip)


_UNKNOWN = object()


async def _relaxed_commit(session: AsyncSession) -> None:
    """On PostgreSQL, a planning batch commits without waiting for its WAL flush. Safe here:
    a batch's delivery rows and its slot moves commit together, so a server crash can only
    lose whole batches, whose chats are still due and are planned again on the next tick
    (rows already there are skipped by ON CONFLICT). Roughly halves the wait per batch."""
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        await connection.exec_driver_sql("SET LOCAL synchronous_commit = off")


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
    timings = _Timings(now)
    scheduled, planned = DeliveryLane.SCHEDULED.value, DeliveryStatus.PLANNED.value
    after_id = 0
    while True:
        async with sessions() as session:
            await _relaxed_commit(session)
            batch = await _due_batch(session, now, batch_size, after_id)
            if not batch:
                break
            after_id = batch[-1].id
            connection = await session.connection()
            profiles = await load_profiles(connection, [(c.id, c.region) for c in batch], library)
            rows: list[dict[str, Any]] = []
            moved: list[dict[str, Any]] = []
            report.chats_due += len(batch)
            for chat in batch:
                timing = timings(chat)
                # The one slot to send for now: the latest that has come, if recent enough.
                slot = timing.latest or chat.next_slot_at
                if now - slot > catch_up_limit:
                    moved.append({"cid": chat.id, "nxt": timing.following, "last": None})
                    report.missed_slots_skipped += 1
                    continue
                moved.append({"cid": chat.id, "nxt": timing.following, "last": slot})
                tip = choose(profiles[chat.id])
                if tip is None:
                    report.nothing_to_send += 1
                    continue
                # slot <= now always holds for a due chat (next_slot_at <= now).
                not_before = earliest_send(tip, timing.cadence, max(slot, now))
                if dry_run:
                    report.plans.append(
                        PlannedTip(
                            chat.id, chat.telegram_id, tip.id, chat.language, slot, not_before
                        )
                    )
                rows.append(
                    {
                        "chat_id": chat.id,
                        "tip_id": tip.id,
                        "language": chat.language,
                        "lane": scheduled,
                        "status": planned,
                        "slot_at": slot,
                        "planned_at": now,
                        "not_before": not_before,
                        "attempts": 0,
                    }
                )
            if dry_run:
                report.planned += len(rows)
                continue
            if rows:
                report.planned += await insert_ignoring_duplicates(session, rows)
            await move_slots(session, moved)
            await session.commit()
    return report


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
