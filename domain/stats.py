"""Numbers for operators: subscribers, deliveries per day, failures, lag, feedback, health.

Aggregation happens in the database (GROUP BY), so the cost does not grow with the number of
rows returned. Days are UTC days. No personal data leaves here: chat ids at most.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Date, Float, Integer, case, cast, extract, func, literal_column, or_
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.models import (
    Chat,
    ChatStatus,
    ChatTopic,
    ContentFlag,
    Delivery,
    DeliveryStatus,
    Feedback,
    Lease,
    SystemEvent,
    TipCounter,
    TriedAnswer,
)
from domain.questions import QuestionGap, question_gaps


def utc_day(session: AsyncSession, column: Any) -> ColumnElement[Any]:
    """The UTC calendar day of a UTC timestamp column, on SQLite or PostgreSQL."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.timezone("UTC", column), Date)
    return func.date(column)


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


@dataclass
class TipScore:
    tip_id: str
    up: int
    down: int

    @property
    def net(self) -> int:
        return self.up - self.down


@dataclass
class Stats:
    """`tipsbot stats` and the admins' /stats: the last `days` UTC days, today included, built
    from the same queries as the dashboard's pages so the three never disagree."""

    since: datetime  # midnight UTC at the start of the first day
    subscribers_by_status: dict[str, int]
    subscribers_by_topic: dict[str, int]
    subscribers_by_language: dict[str, int]
    subscribers_by_region: dict[str, int]
    deliveries_per_day: dict[str, dict[str, int]]  # ISO day -> status -> count; empty days left out
    failure_reasons: list[tuple[str, int]]
    lag_median_seconds: float | None
    lag_p95_seconds: float | None
    most_helpful: list[TipScore]
    least_helpful: list[TipScore]
    after_tip: dict[str, dict[str, int]]  # tip -> stopped-after / blocked-after / forget-after
    tried: dict[str, dict[str, int]] = field(default_factory=dict)  # tip -> yes / not_yet
    new_subscribers_per_day: dict[str, int] = field(default_factory=dict)  # empty days left out
    # Parents' questions per topic and language, by outcome (domain.questions): no chat, no text.
    questions: list[QuestionGap] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["since"] = self.since.isoformat()
        for key in ("most_helpful", "least_helpful"):
            data[key] = [{**asdict(s), "net": s.net} for s in getattr(self, key)]
        return data


async def _counts(session: AsyncSession, column: Any, *where: Any) -> dict[str, int]:
    rows = await session.exec(select(column, func.count()).where(*where).group_by(column))
    return {str(key): int(n) for key, n in rows.all()}


def stats_days(now: datetime, days: int) -> tuple[date, date]:
    """The first and last UTC day of a `days`-day window that ends today."""
    last = now.astimezone(UTC).date()
    return last - timedelta(days=days - 1), last


async def collect_stats(session: AsyncSession, *, now: datetime, days: int) -> Stats:
    first, last = stats_days(now, days)
    per_day = await deliveries_per_day(session, first=first, last=last)
    growth = await subscriber_growth(session, first=first, last=last)
    lag = await send_lag(session, first=first, last=last)
    activity = await tip_activity(session)
    scores = [TipScore(a.tip_id, a.up, a.down) for a in activity.values() if a.up or a.down]
    ranked = sorted(scores, key=lambda s: (-s.net, -s.up, s.tip_id))
    return Stats(
        since=_utc_midnight(first),
        subscribers_by_status=await subscribers_by_status(session),
        subscribers_by_topic=await _counts(
            session, col(ChatTopic.topic_id), col(ChatTopic.chat_id).in_(select(Chat.id))
        ),
        subscribers_by_language=await _counts(session, col(Chat.language)),
        subscribers_by_region=await _counts(session, col(Chat.region)),
        deliveries_per_day={d.isoformat(): counts for d, counts in per_day.items() if counts},
        failure_reasons=await failure_reasons(session, first=first, last=last),
        lag_median_seconds=lag.median_seconds if lag else None,
        lag_p95_seconds=lag.p95_seconds if lag else None,
        most_helpful=ranked[:5],
        least_helpful=list(reversed(ranked[-5:])),
        after_tip=await tip_counters(session),
        new_subscribers_per_day={g.day.isoformat(): g.new for g in growth if g.new},
        tried={
            a.tip_id: {"yes": a.tried_yes, "not_yet": a.tried_not_yet}
            for a in activity.values()
            if a.tried_yes or a.tried_not_yet
        },
        questions=await question_gaps(session, first=first, last=last),
    )


@dataclass
class Health:
    queue_depth: int
    sending: int
    last_planner_tick: datetime | None
    rate_limit_pauses_24h: int
    capacity_warnings: list[tuple[datetime, str]]
    content_flags: int


async def collect_health(session: AsyncSession, *, now: datetime) -> Health:
    waiting = [DeliveryStatus.PLANNED.value, DeliveryStatus.RETRYING.value]
    queue = await session.exec(
        select(func.count()).select_from(Delivery).where(col(Delivery.status).in_(waiting))
    )
    sending = await session.exec(
        select(func.count())
        .select_from(Delivery)
        .where(col(Delivery.status) == DeliveryStatus.SENDING.value)
    )
    planner = await session.get(Lease, "planner")
    pauses = await session.exec(
        select(func.count())
        .select_from(SystemEvent)
        .where(
            col(SystemEvent.kind) == "rate-limited", col(SystemEvent.at) >= now - timedelta(days=1)
        )
    )
    warnings = await session.exec(
        select(SystemEvent.at, SystemEvent.detail)
        .where(col(SystemEvent.kind) == "capacity")
        .order_by(col(SystemEvent.at).desc())
        .limit(5)
    )
    flags = await session.exec(select(func.count()).select_from(ContentFlag))
    return Health(
        queue_depth=int(queue.one()),
        sending=int(sending.one()),
        last_planner_tick=planner.heartbeat_at if planner else None,
        rate_limit_pauses_24h=int(pauses.one()),
        capacity_warnings=[(at, detail) for at, detail in warnings.all()],
        content_flags=int(flags.one()),
    )


# The dashboard's series: one value per UTC day, aggregated in the database ----------------


def seconds_between(session: AsyncSession, later: Any, earlier: Any) -> ColumnElement[float]:
    """`later - earlier` in seconds (a float), on SQLite or PostgreSQL."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(extract("epoch", later - earlier), Float)
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0


def _utc_midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def day_range(first: date, last: date) -> list[date]:
    """Every day from `first` to `last`, both included."""
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


async def subscribers_by_status(session: AsyncSession) -> dict[str, int]:
    """Chats by status (onboarding, active, paused, stopped, blocked)."""
    return await _counts(session, col(Chat.status))


async def failure_reasons(
    session: AsyncSession, *, first: date, last: date, limit: int = 10
) -> list[tuple[str, int]]:
    """The commonest reasons deliveries planned in these UTC days failed or may have failed."""
    # A literal (not a bound parameter), so PostgreSQL sees one expression in SELECT and GROUP BY.
    reason = func.coalesce(
        col(Delivery.error_description), col(Delivery.reason), literal_column("'unknown'")
    )
    rows = await session.exec(
        select(reason, func.count())
        .where(
            col(Delivery.planned_at) >= _utc_midnight(first),
            col(Delivery.planned_at) < _utc_midnight(last + timedelta(days=1)),
            col(Delivery.status).in_([DeliveryStatus.FAILED.value, DeliveryStatus.UNKNOWN.value]),
        )
        .group_by(reason)
        .order_by(func.count().desc(), reason)
        .limit(limit)
    )
    return [(str(text), int(n)) for text, n in rows.all()]


async def deliveries_per_day(
    session: AsyncSession, *, first: date, last: date
) -> dict[date, dict[str, int]]:
    """Deliveries by the UTC day they were planned and by status, for every day in the range."""
    day = utc_day(session, col(Delivery.planned_at))
    rows = await session.exec(
        select(day, Delivery.status, func.count())
        .where(
            col(Delivery.planned_at) >= _utc_midnight(first),
            col(Delivery.planned_at) < _utc_midnight(last + timedelta(days=1)),
        )
        .group_by(day, col(Delivery.status))
    )
    per_day: dict[date, dict[str, int]] = {d: {} for d in day_range(first, last)}
    for when, status, n in rows:
        per_day.setdefault(_as_date(when), {})[str(status)] = int(n)
    return per_day


@dataclass(frozen=True)
class GrowthDay:
    day: date
    new: int  # chats that subscribed that day (onboarding not finished is not counted)
    active: int  # chats active now that had joined by the end of that day


async def subscriber_growth(session: AsyncSession, *, first: date, last: date) -> list[GrowthDay]:
    """New subscribers per UTC day, and the running total of today's active subscribers by the
    day they joined (so the last value is the number active now).

    Chats erased with /forget are gone from both, as they should be.
    """
    start = _utc_midnight(first)
    end = _utc_midnight(last + timedelta(days=1))
    joined = utc_day(session, col(Chat.created_at))
    new_rows = await session.exec(
        select(joined, func.count())
        .where(
            col(Chat.status) != ChatStatus.ONBOARDING.value,
            col(Chat.created_at) >= start,
            col(Chat.created_at) < end,
        )
        .group_by(joined)
    )
    new = {_as_date(when): int(n) for when, n in new_rows}
    active_now = col(Chat.status) == ChatStatus.ACTIVE.value
    earlier = await session.exec(
        select(func.count()).select_from(Chat).where(active_now, col(Chat.created_at) < start)
    )
    active_rows = await session.exec(
        select(joined, func.count())
        .where(active_now, col(Chat.created_at) >= start, col(Chat.created_at) < end)
        .group_by(joined)
    )
    active_joined = {_as_date(when): int(n) for when, n in active_rows}
    running = int(earlier.one())
    growth = []
    for day in day_range(first, last):
        running += active_joined.get(day, 0)
        growth.append(GrowthDay(day, new.get(day, 0), running))
    return growth


@dataclass(frozen=True)
class Lag:
    sends: int
    median_seconds: float
    p95_seconds: float


@dataclass(frozen=True)
class LagDay(Lag):
    day: date


def _lag_query(session: AsyncSession, *, first: date, last: date, per_day: bool) -> Any:
    """How late tips went out (sent_at - not_before) for sends in these UTC days: the count, the
    median and the 95th percentile (nearest rank), per day or over the whole range.

    Computed in the database with window functions (SQLite >= 3.25, PostgreSQL), so the cost
    does not depend on how many deliveries a day had.
    """
    sent = col(Delivery.sent_at)
    day = utc_day(session, sent)
    lag = seconds_between(session, sent, col(Delivery.not_before))
    partition = day if per_day else None
    ranked = (
        select(
            day.label("day"),
            lag.label("lag"),
            func.row_number().over(partition_by=partition, order_by=lag).label("rank"),
            func.count().over(partition_by=partition).label("n"),
        )
        .where(
            sent.is_not(None),
            sent >= _utc_midnight(first),
            sent < _utc_midnight(last + timedelta(days=1)),
        )
        .subquery()
    )
    rank, n = ranked.c["rank"], ranked.c["n"]
    middle = or_(rank == (n + 1) // 2, rank == (n + 2) // 2)  # one row when n is odd, else two
    p95_rank = (n * 95 + 99) // 100  # ceil(0.95 n) in integers
    figures = (
        func.max(n),
        func.avg(case((middle, ranked.c["lag"]))),
        func.max(case((rank == p95_rank, ranked.c["lag"]))),
    )
    if per_day:
        return select(ranked.c["day"], *figures).group_by(ranked.c["day"]).order_by(ranked.c["day"])
    return select(*figures)


async def send_lag_per_day(session: AsyncSession, *, first: date, last: date) -> list[LagDay]:
    """Send lag per UTC day of sending, to the millisecond. Days without sends are left out."""
    rows = await session.exec(_lag_query(session, first=first, last=last, per_day=True))
    return [
        LagDay(int(count), round(float(median), 3), round(float(p95), 3), _as_date(when))
        for when, count, median, p95 in rows
    ]


async def send_lag(session: AsyncSession, *, first: date, last: date) -> Lag | None:
    """Send lag over all sends in these UTC days, to the millisecond; None without sends."""
    count, median, p95 = (
        await session.exec(_lag_query(session, first=first, last=last, per_day=False))
    ).one()
    if not count:
        return None
    return Lag(int(count), round(float(median), 3), round(float(p95), 3))


@dataclass(frozen=True)
class TipActivity:
    tip_id: str
    sent: int = 0
    up: int = 0
    down: int = 0
    stopped_after: int = 0
    blocked_after: int = 0
    tried_yes: int = 0  # answers to "did you try it?" under a week's follow-up
    tried_not_yet: int = 0

    @property
    def stop_after_rate(self) -> float | None:
        """(stopped after + blocked after) / sent; None before the first send."""
        return (self.stopped_after + self.blocked_after) / self.sent if self.sent else None


async def tip_activity(session: AsyncSession) -> dict[str, TipActivity]:
    """Per tip: deliveries sent (as far as the log reaches back), thumbs, "did you try it?"
    answers, stops and blocks after.

    Tips with no activity at all are absent; the caller adds the library's other tips.
    """
    sent = await _counts(
        session, col(Delivery.tip_id), col(Delivery.status) == DeliveryStatus.SENT.value
    )
    thumbs = {
        str(tip): (int(up or 0), int(down or 0))
        for tip, up, down in await session.exec(
            select(
                Feedback.tip_id,
                func.sum(cast(col(Feedback.value) > 0, Integer)),
                func.sum(cast(col(Feedback.value) < 0, Integer)),
            ).group_by(col(Feedback.tip_id))
        )
    }
    tried = await tried_answers(session)
    counters = await tip_counters(session)
    return {
        tip: TipActivity(
            tip_id=tip,
            sent=sent.get(tip, 0),
            up=thumbs.get(tip, (0, 0))[0],
            down=thumbs.get(tip, (0, 0))[1],
            stopped_after=counters.get(tip, {}).get("stopped-after", 0),
            blocked_after=counters.get(tip, {}).get("blocked-after", 0),
            tried_yes=tried.get(tip, (0, 0))[0],
            tried_not_yet=tried.get(tip, (0, 0))[1],
        )
        for tip in sorted(set(sent) | set(thumbs) | set(counters) | set(tried))
    }


async def tried_answers(session: AsyncSession) -> dict[str, tuple[int, int]]:
    """Per tip that asked "did you try it?": how many chats answered yes, and not yet."""
    return {
        str(tip): (int(yes or 0), int(not_yet or 0))
        for tip, yes, not_yet in await session.exec(
            select(
                TriedAnswer.tip_id,
                func.sum(cast(col(TriedAnswer.tried), Integer)),
                func.sum(cast(~col(TriedAnswer.tried), Integer)),
            ).group_by(col(TriedAnswer.tip_id))
        )
    }


async def tip_counters(session: AsyncSession) -> dict[str, dict[str, int]]:
    """Per tip, how many chats stopped, blocked the bot or erased themselves right after it."""
    counters: dict[str, dict[str, int]] = defaultdict(dict)
    for counter in await session.exec(select(TipCounter)):
        counters[counter.tip_id][counter.kind] = counter.count
    return dict(counters)


async def content_flags(session: AsyncSession) -> list[ContentFlag]:
    """Tips Telegram refused, most recently seen first."""
    rows = await session.exec(select(ContentFlag).order_by(col(ContentFlag.last_seen).desc()))
    return list(rows.all())
