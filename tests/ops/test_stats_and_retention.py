"""Operators' numbers and retention on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.content.model import Library
from domain.models import Delivery, DeliveryAttempt, Feedback, SentTip, TipCounter
from domain.retention import purge_old_deliveries
from domain.stats import collect_health, collect_stats
from scheduler.profiles import load_profiles
from tests.bot.harness import Database, seed_chat

NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)
# The profile's sent tips come from the database alone; no library needed to read them.
NO_TIPS = Library(Path("content"), ("en",), {}, {}, (), {})


def delivery(
    chat_id: int, tip: str, status: str, planned: datetime, lag: float | None = None, **kw: object
) -> Delivery:
    sent = planned + timedelta(seconds=lag) if lag is not None else None
    return Delivery(
        chat_id=chat_id,
        tip_id=tip,
        language="en",
        lane="scheduled",
        status=status,
        slot_at=planned,
        planned_at=planned,
        not_before=planned,
        sent_at=sent,
        **kw,  # type: ignore[arg-type]
    )


async def seed(url: str) -> tuple[Database, list[int]]:
    database = Database(url, clock=lambda: NOW - timedelta(days=3))
    ids = [
        await seed_chat(database, 900 + n, born=NOW.date() - timedelta(days=60)) for n in range(3)
    ]
    await seed_chat(
        database, 990, region="wales", language="cy", born=NOW.date() - timedelta(days=60)
    )
    day1, day2 = NOW - timedelta(days=2), NOW - timedelta(days=1)
    async with database.sessions() as session:
        session.add_all(
            [
                delivery(ids[0], "t-a", "sent", day1, lag=2),
                delivery(ids[1], "t-a", "sent", day1, lag=4),
                delivery(
                    ids[2],
                    "t-a",
                    "failed",
                    day1,
                    error_description="Forbidden: bot was blocked by the user",
                ),
                delivery(ids[0], "t-b", "sent", day2, lag=10),
                delivery(
                    ids[1], "t-b", "unknown", day2, error_description="may have been delivered"
                ),
                delivery(ids[0], "t-old", "sent", NOW - timedelta(days=200), lag=1),
                delivery(ids[1], "t-old-planned", "planned", NOW - timedelta(days=200)),
                Feedback(chat_id=ids[0], tip_id="t-a", value=1),
                Feedback(chat_id=ids[1], tip_id="t-a", value=1),
                Feedback(chat_id=ids[0], tip_id="t-b", value=-1),
                TipCounter(tip_id="t-a", kind="blocked-after", count=1),
            ]
        )
        await session.commit()
    return database, ids


async def test_stats_count_by_day_status_reason_lag_and_feedback(migrated_url: str) -> None:
    database, _ = await seed(migrated_url)
    try:
        async with database.sessions() as session:
            stats = await collect_stats(session, now=NOW, days=30)
            health = await collect_health(session, now=NOW)
    finally:
        await database.close()
    assert stats.subscribers_by_status == {"active": 4}
    assert stats.subscribers_by_region == {"england": 3, "wales": 1}
    assert stats.subscribers_by_language == {"en": 3, "cy": 1}
    assert stats.subscribers_by_topic == {"health": 4, "welfare": 4, "learning": 4}
    assert stats.deliveries_per_day == {
        "2026-11-24": {"sent": 2, "failed": 1},
        "2026-11-25": {"sent": 1, "unknown": 1},
    }
    assert dict(stats.failure_reasons) == {
        "Forbidden: bot was blocked by the user": 1,
        "may have been delivered": 1,
    }
    assert stats.lag_median_seconds == 4.0 and stats.lag_p95_seconds == 10.0
    assert [(s.tip_id, s.up, s.down) for s in stats.most_helpful] == [("t-a", 2, 0), ("t-b", 0, 1)]
    assert stats.least_helpful[0].tip_id == "t-b"
    assert stats.after_tip == {"t-a": {"blocked-after": 1}}
    assert sum(stats.new_subscribers_per_day.values()) == 4
    assert health.queue_depth == 1 and health.sending == 0


async def test_retention_purges_old_rows_but_never_forgets_what_was_sent(migrated_url: str) -> None:
    database, ids = await seed(migrated_url)
    sessions: async_sessionmaker[AsyncSession] = database.sessions
    try:
        async with sessions() as session:
            session.add(
                DeliveryAttempt(
                    delivery_id=6,
                    telegram_chat_id=900,
                    started_at=NOW - timedelta(days=200),
                    outcome="sent",
                )
            )
            await session.commit()
        async with sessions() as session:
            purged = await purge_old_deliveries(session, now=NOW, days=180)
            await session.commit()
        assert purged == 1  # the old sent row; the old planned one is still in play
        async with sessions() as session:
            tips = set((await session.exec(select(Delivery.tip_id))).all())
            kept = (await session.exec(select(SentTip.chat_id, SentTip.tip_id))).all()
            attempts = (await session.exec(select(DeliveryAttempt))).all()
            connection = await session.connection()
            profiles = await load_profiles(connection, [(ids[0], "england")], NO_TIPS)
            remembered = profiles[ids[0]].sent
        assert "t-old" not in tips and "t-old-planned" in tips
        assert kept == [(ids[0], "t-old")]
        assert attempts == []  # cascaded with its delivery
        assert "t-old" in remembered  # so the planner never picks it again
    finally:
        await database.close()
