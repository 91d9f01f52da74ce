"""Kill `tipsbot run` with SIGKILL mid-broadcast, restart it, and compare with the ground truth
the fake Bot API recorded: no duplicates, nothing lost; only requests in flight at a kill may
end as `unknown` (at-most-once)."""

from __future__ import annotations

import asyncio
import random
import signal
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import col, select

from domain.db import create_engine, make_session_factory
from domain.models import Chat, Delivery
from scheduler.broadcast import BroadcastFilter, plan_broadcast
from tests.bot.harness import Database, process_env, seed_chat, shipped_library
from tests.e2e.tipsbot_process import DEVNULL, running_tipsbot
from tests.e2e.wallclock import NO_QUIET_HOURS, content_reviewed_on, send_day_far_from
from tests.fakebotapi import FakeBotAPI

CHATS = 400
KILLS = 3
TIP = "h-safe-sleep-on-back"


async def _seed(url: str, now: datetime) -> None:
    """400 active chats with a baby, and a broadcast planned for all of them: to go out now
    (no quiet hours), with no scheduled tip due during the test (see tests/e2e/wallclock.py)."""
    database = Database(url, clock=lambda: now)
    try:
        for n in range(CHATS):
            await seed_chat(
                database,
                10_000 + n,
                born=now.date() - timedelta(days=40),
                quiet=NO_QUIET_HOURS,
                days=send_day_far_from(now),
            )
        tip = shipped_library().tips[TIP]
        plan = await plan_broadcast(
            database.sessions, tip, BroadcastFilter(), now=now, dry_run=False
        )
        assert (plan.planned, plan.at_night) == (CHATS, 0)
    finally:
        await database.close()


async def _statuses(url: str) -> dict[int, str]:
    engine = create_engine(url)
    try:
        async with make_session_factory(engine)() as session:
            rows = await session.exec(
                select(Chat.telegram_id, Delivery.status).join(
                    Delivery, col(Delivery.chat_id) == col(Chat.id)
                )
            )
            return dict(rows.all())
    finally:
        await engine.dispose()


async def test_sigkill_mid_broadcast_loses_nothing_and_duplicates_nothing(
    tmp_path: Path, migrated_sqlite_url: str
) -> None:
    url = migrated_sqlite_url
    now = datetime.now(UTC)
    await _seed(url, now)
    content = content_reviewed_on(now.date(), tmp_path / "content")
    rng = random.Random(7)
    async with FakeBotAPI(latency=(0.02, 0.06)) as api:
        env = process_env(
            api,
            url,
            SEND_RATE="150",
            CONTENT_RELOAD_SECONDS="0",
            CONTENT_DIR=str(content),
        )
        for _ in range(KILLS):
            async with running_tipsbot(
                "run", env=env, cwd=tmp_path, stdout=DEVNULL, stderr=DEVNULL
            ) as bot:
                before = len(api.sent)
                # Let it get going, then kill it at a random moment mid-broadcast.
                floor = before + 20
                await api.wait_for(lambda m: m.index >= floor, timeout=30)  # noqa: B023
                await asyncio.sleep(rng.uniform(0.1, 0.6))
                bot.process.send_signal(signal.SIGKILL)
                await bot.process.wait()
        async with running_tipsbot(
            "run", env=env, cwd=tmp_path, stdout=DEVNULL, stderr=DEVNULL
        ) as bot:
            try:
                for _ in range(600):
                    statuses = await _statuses(url)
                    if all(s in ("sent", "unknown", "failed") for s in statuses.values()):
                        break
                    await asyncio.sleep(0.1)
            finally:
                assert await bot.stop() == 0

    received = Counter(m.chat_id for m in api.sent if m.method == "sendMessage")
    statuses = await _statuses(url)
    duplicates = [chat for chat, n in received.items() if n > 1]
    lost = [c for c, s in statuses.items() if s != "unknown" and received[c] == 0]
    false_sent = [c for c, s in statuses.items() if s == "sent" and received[c] != 1]
    unknown = [c for c, s in statuses.items() if s == "unknown"]
    print(f"crash test: {len(received)} received, {len(unknown)} unknown, {len(duplicates)} twice")
    assert duplicates == []
    assert lost == []
    assert false_sent == []
    assert set(statuses.values()) <= {"sent", "unknown"}
    # Only what was in flight at each kill can be unknown (150/s x ~0.1 s in flight, 3 kills).
    assert len(unknown) <= KILLS * 30, len(unknown)
    assert len(statuses) == CHATS
