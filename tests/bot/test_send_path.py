"""One send path for every lane, and claims that belong to a live process: /tip through the
real bot and the fake Bot API (with latency) while the delivery engine runs, on SQLite and
PostgreSQL."""

from __future__ import annotations

import asyncio
import base64
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import col, select
from telegram import Bot

from domain.content.errors import RenderError
from domain.content.model import Library
from domain.i18n import Catalogs
from domain.migrations import upgrade
from domain.models import Delivery, DeliveryAttempt, DeliveryLane, DeliveryStatus, Lease
from scheduler.broadcast import BroadcastFilter, plan_broadcast
from scheduler.engine import DeliveryEngine
from scheduler.leases import PLANNER, acquire, release
from scheduler.message import build_tip_message
from tests.bot.harness import (
    REPO,
    Harness,
    delivering,
    engine_for,
    running_bot,
    seed_chat,
    settle,
    shipped_library,
)

# A 1x1 PNG: what the fake API stores as the uploaded photo.
PIXEL = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


def with_images(library: Library, image: Path) -> Library:
    """The shipped library where every tip that fits a caption carries `image`."""
    catalogs = Catalogs(library.default_language)
    tips = {}
    for tip_id, tip in library.tips.items():
        pictured = replace(tip, image=image)
        try:
            build_tip_message(
                pictured, library, "en", catalogs, bot_username="b", today=tip.reviewed
            )
        except RenderError:
            continue
        tips[tip_id] = pictured
    return replace(library, tips=tips)


async def on_demand_rows(bot: Harness) -> list[Delivery]:
    async with bot.services.sessions() as session:
        query = select(Delivery).where(col(Delivery.lane) == DeliveryLane.ON_DEMAND.value)
        return list((await session.exec(query)).all())


async def test_an_image_tip_asked_for_with_tip_arrives_as_a_photo(
    migrated_url: str, tmp_path: Path
) -> None:
    image = tmp_path / "tip.png"
    image.write_bytes(PIXEL)
    library = with_images(shipped_library(), image)
    async with running_bot(migrated_url, library=library) as bot:
        user = bot.api.make_user("Pia", user_id=7001, started=True)
        await seed_chat(bot.services, user.id, born=bot.clock.now.date() - timedelta(days=90))
        reply = await bot.say(user, "/tip")
        assert reply.method == "sendPhoto"
        assert reply.caption and reply.reply_markup
        for _ in range(100):  # the outcome is written just after the message goes out
            rows = await on_demand_rows(bot)
            if rows and rows[0].status == DeliveryStatus.SENT:
                break
            await asyncio.sleep(0.02)
        assert [(r.status, r.telegram_message_id) for r in rows] == [
            (DeliveryStatus.SENT, reply.message_id)
        ]


@pytest.mark.parametrize("guarantee", ["at-most-once", "at-least-once"])
async def test_slow_on_demand_sends_are_not_taken_for_abandoned_claims(
    migrated_url: str, guarantee: str
) -> None:
    async with running_bot(migrated_url, delivery_guarantee=guarantee) as bot:
        users = [bot.api.make_user(f"U{n}", user_id=7100 + n, started=True) for n in range(4)]
        for user in users:
            await seed_chat(bot.services, user.id, born=bot.clock.now.date() - timedelta(days=90))
        async with delivering(bot):  # recovers stale claims every 10 ms when idle
            bot.api.latency = (0.4, 0.4)
            for user in users:
                await bot.say(user, "/tip")
            await asyncio.sleep(0.5)  # a false recovery would resend by now (at-least-once)
        async with bot.services.sessions() as session:
            outcomes = (await session.exec(select(DeliveryAttempt.outcome))).all()
        rows = await on_demand_rows(bot)
        assert [r.status for r in rows] == [DeliveryStatus.SENT] * len(users)
        assert sorted(outcomes) == ["sent"] * len(users)  # no false unknown or retrying
        for user in users:
            assert len(bot.api.messages_to(user.id)) == 1  # sent once


async def test_send_due_ahead_neither_takes_the_planner_nor_dates_sends_ahead(
    migrated_url: str,
) -> None:
    async with running_bot(migrated_url) as bot:
        now = bot.clock.now
        user = bot.api.make_user("Sam", user_id=7200, started=True)
        await seed_chat(bot.services, user.id, born=now.date() - timedelta(days=90))
        lease = timedelta(seconds=90)
        assert await acquire(
            bot.services.sessions, name=PLANNER, holder="running-bot", now=now, ttl=lease
        )
        engine = engine_for(bot)
        later = now + timedelta(days=20)
        report, _ = await engine.run_once(at=later)
        assert report.planned is None  # the running bot plans, not send-due
        async with bot.services.sessions() as session:
            planner = await session.get(Lease, PLANNER)
            sent = (await session.exec(select(Delivery.sent_at))).all()
            senders = (await session.exec(select(Lease.name))).all()
        assert planner is not None
        assert (planner.holder, planner.expires_at, planner.heartbeat_at) == (
            "running-bot",
            now + lease,
            now,
        )
        assert sent == []
        assert senders == [PLANNER]  # send-due gave its sender lease back

        await release(bot.services.sessions, name=PLANNER, holder="running-bot")
        report, claimed = await engine.run_once(at=later)  # alone: it plans, for `later`
        assert report.planned is not None and report.planned.planned == claimed == 1
        async with bot.services.sessions() as session:
            sent = (await session.exec(select(Delivery.sent_at))).all()
            leases = (await session.exec(select(Lease.name))).all()
        assert sent == [now]  # the real time of sending, not --at
        assert leases == []  # neither the planner nor the sender lease is kept


def sender(bot: Harness) -> DeliveryEngine:
    """Another process's engine on the same database (its own bot and sender name)."""
    engine = engine_for(bot, Bot(bot.api.token_for_tests, base_url=bot.api.base_url))
    engine.dispatcher.config = replace(engine.dispatcher.config, idle_seconds=0.01)
    return engine


async def in_flight(bot: Harness, holder: str, *, seconds: float = 20.0) -> None:
    """Wait until `holder` has rows marked 'sending' (their requests leaving), on any machine
    load: a fixed sleep let a slow send-due start after the bot had claimed everything."""
    async with asyncio.timeout(seconds):
        while True:
            async with bot.services.sessions() as session:
                sending = await session.exec(
                    select(Delivery.id).where(
                        col(Delivery.claimed_by) == holder,
                        col(Delivery.status) == DeliveryStatus.SENDING.value,
                    )
                )
                if sending.first() is not None:
                    return
            await asyncio.sleep(0.01)


async def plan_for(bot: Harness, ids: list[int]) -> None:
    for telegram_id in ids:
        await seed_chat(bot.services, telegram_id, born=bot.clock.now.date() - timedelta(days=60))
    tip = bot.services.library.current.tips["h-safe-sleep-on-back"]
    await plan_broadcast(
        bot.services.sessions, tip, BroadcastFilter(), now=bot.clock.now, dry_run=False
    )


@pytest.mark.postgres
async def test_send_due_beside_a_running_bot_keeps_its_outcomes(migrated_url: str) -> None:
    if not migrated_url.startswith("postgresql"):
        pytest.skip("on SQLite send-due is refused next to a running bot")
    async with running_bot(migrated_url, send_rate=50) as bot:
        ids = [7300 + n for n in range(12)]
        await plan_for(bot, ids)
        bot.api.latency = (0.6, 0.6)
        send_due = sender(bot)
        due = asyncio.create_task(send_due.send_due())
        await in_flight(bot, send_due.holder)  # send-due has claimed rows and sent requests
        async with delivering(bot):  # the bot starts: it recovers claims of processes gone
            claimed = await due
        await send_due.stop()
        async with bot.services.sessions() as session:
            outcomes = (await session.exec(select(DeliveryAttempt.outcome))).all()
        assert claimed > 0  # send-due took part
        assert sorted(outcomes) == ["sent"] * len(ids)
        assert [len(bot.api.messages_to(i)) for i in ids] == [1] * len(ids)


@pytest.mark.postgres
async def test_two_senders_share_a_small_broadcast(migrated_url: str) -> None:
    if not migrated_url.startswith("postgresql"):
        pytest.skip("several senders share one queue on PostgreSQL (SQLite allows one process)")
    async with running_bot(migrated_url, send_rate=20) as bot:
        engines = [sender(bot), sender(bot)]
        for engine in engines:
            await engine.start()
        try:
            await asyncio.sleep(0.2)  # both running and idle, as two `tipsbot run` would be
            await plan_for(bot, [7400 + n for n in range(24)])
            await settle(engines[0], seconds=20)
        finally:
            for engine in engines:
                await engine.stop()
        counts = [e.sent_count for e in engines]
        assert sum(counts) == 24
        assert min(counts) >= 6, counts  # both send, neither idles


def test_send_due_is_refused_next_to_a_running_sqlite_bot(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from click.testing import CliRunner

    from bot.cli import main as cli
    from bot.delivery import lock_sqlite

    upgrade(sqlite_url)
    monkeypatch.chdir(tmp_path)  # no .env from the working tree
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:" + "A" * 35)
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("CONTENT_DIR", str(REPO / "content"))
    held = lock_sqlite(sqlite_url)  # what `tipsbot run` holds while it runs
    try:
        result = CliRunner().invoke(cli, ["send-due"])
    finally:
        assert held is not None
        held.close()
    assert result.exit_code != 0
    assert "another tipsbot process is already using this SQLite database" in result.output


async def test_a_tip_refused_by_flood_control_is_sent_after_the_pause(migrated_url: str) -> None:
    async with running_bot(migrated_url) as bot:
        user = bot.api.make_user("Flo", user_id=7500, started=True)
        await seed_chat(bot.services, user.id, born=bot.clock.now.date() - timedelta(days=90))
        bot.api.faults.add("429", method="sendMessage", chat_id=user.id, retry_after=1, count=1)
        bot.api.send_text(user, "/tip")
        await bot.api.wait_for_call(lambda c: c.status == 429)
        for _ in range(100):
            rows = await on_demand_rows(bot)
            if rows and rows[0].status == DeliveryStatus.RETRYING:
                break
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.3)  # the handler has finished: it said nothing misleading
        assert bot.api.messages_to(user.id) == []
        assert rows[0].not_before == bot.clock.now + timedelta(seconds=1)
        async with delivering(bot) as engine:
            bot.clock.advance(timedelta(seconds=2))  # past retry_after in database time
            await settle(engine)
        rows = await on_demand_rows(bot)
        assert [r.status for r in rows] == [DeliveryStatus.SENT]
        assert [m.message_id for m in bot.api.messages_to(user.id)] == [rows[0].telegram_message_id]
