"""The planner on a real database: idempotent ticks, catch-up after downtime, capacity warnings,
and two processes sharing one PostgreSQL queue."""

from __future__ import annotations

import asyncio
import functools
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select
from telegram import Bot

from domain.models import Delivery, SystemEvent
from scheduler.broadcast import BroadcastFilter, plan_broadcast
from scheduler.planner import plan_due
from tests.bot.harness import engine_for, running_bot, seed_chat, settle

MONDAY_9 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


async def test_ticking_twice_or_racing_plans_each_tip_once(migrated_url: str) -> None:
    async with running_bot(migrated_url) as bot:
        bot.clock.now = MONDAY_9
        for n in range(20):
            await seed_chat(bot.services, 3000 + n, born=MONDAY_9.date() - timedelta(days=90 + n))
        bot.clock.now = MONDAY_9 + timedelta(hours=1, minutes=1)
        library = bot.services.library.current
        plan = functools.partial(
            plan_due,
            bot.services.sessions,
            library,
            now=bot.clock.now,
            batch_size=7,
            catch_up_limit=timedelta(hours=36),
        )
        first, second = await asyncio.gather(plan(), plan())
        third = await plan()
        assert first.planned + second.planned == 20
        assert third.planned == 0 and third.chats_due == 0
        async with bot.services.sessions() as session:
            rows = (await session.exec(select(Delivery.chat_id))).all()
        assert sorted(rows) == sorted(set(rows)) and len(rows) == 20


async def test_after_downtime_only_the_latest_missed_slot_is_sent(migrated_url: str) -> None:
    async with running_bot(migrated_url) as bot:
        bot.clock.now = MONDAY_9 - timedelta(days=7)
        await seed_chat(bot.services, 4001, born=MONDAY_9.date() - timedelta(days=200))
        await seed_chat(bot.services, 4002, born=MONDAY_9.date() - timedelta(days=200))
        library = bot.services.library.current
        # Down from the previous Monday until Wednesday noon: Mon, Wed and Fri slots were missed.
        now = MONDAY_9 + timedelta(days=2, hours=3)
        report = await plan_due(
            bot.services.sessions,
            library,
            now=now,
            batch_size=100,
            catch_up_limit=timedelta(hours=36),
        )
        assert report.chats_due == 2 and report.planned == 2  # one tip each, not three
        async with bot.services.sessions() as session:
            slots = (await session.exec(select(Delivery.slot_at))).all()
        assert set(slots) == {datetime(2026, 12, 2, 10, tzinfo=UTC)}  # Wednesday's slot
        # Down for longer than the limit: the missed slot is skipped, nothing is sent late.
        later = now + timedelta(days=5)
        report = await plan_due(
            bot.services.sessions,
            library,
            now=later,
            batch_size=100,
            catch_up_limit=timedelta(hours=1),
        )
        assert report.planned == 0 and report.missed_slots_skipped == 2


async def test_capacity_warning_when_a_slot_needs_more_than_an_hour(migrated_url: str) -> None:
    async with running_bot(migrated_url, send_rate=0.01) as bot:
        bot.clock.now = MONDAY_9
        for n in range(40):
            await seed_chat(bot.services, 5000 + n, born=MONDAY_9.date() - timedelta(days=60))
        tip = bot.services.library.current.tips["h-safe-sleep-on-back"]
        await plan_broadcast(
            bot.services.sessions, tip, BroadcastFilter(), now=MONDAY_9, dry_run=False
        )
        engine = engine_for(bot)
        report = await engine.tick()
        assert report.queue_depth == 40
        assert (
            report.capacity_warning is not None and "40 tips are waiting" in report.capacity_warning
        )
        async with bot.services.sessions() as session:
            events = (await session.exec(select(SystemEvent))).all()
        assert [e.kind for e in events] == ["capacity"]


@pytest.mark.postgres
async def test_two_processes_on_postgresql_send_a_broadcast_once(migrated_url: str) -> None:
    if not migrated_url.startswith("postgresql"):
        pytest.skip("several senders share one queue on PostgreSQL (SQLite allows one process)")
    async with running_bot(migrated_url, send_rate=400) as bot:
        bot.clock.now = MONDAY_9
        ids = [6000 + n for n in range(120)]
        for telegram_id in ids:
            await seed_chat(bot.services, telegram_id, born=MONDAY_9.date() - timedelta(days=60))
        tip = bot.services.library.current.tips["h-safe-sleep-on-back"]
        engines = []
        for _ in range(2):
            sender = Bot(bot.api.token_for_tests, base_url=bot.api.base_url)
            await sender.initialize()
            engine = engine_for(bot, sender)
            engine.dispatcher.config = replace(
                engine.dispatcher.config, idle_seconds=0.01, batch_size=10
            )
            engines.append(engine)
        await plan_broadcast(
            bot.services.sessions, tip, BroadcastFilter(), now=MONDAY_9, dry_run=False
        )
        for engine in engines:
            await engine.start()
        try:
            await settle(engines[0], seconds=30)
        finally:
            for engine in engines:
                await engine.stop()
        received = [len(bot.api.messages_to(i)) for i in ids]
        assert received == [1] * len(ids)
        assert all(e.dispatcher.sent_count > 0 for e in engines)
        assert sum(e.dispatcher.sent_count for e in engines) == len(ids)
        async with bot.services.sessions() as session:
            statuses = (
                await session.exec(select(Delivery.status).where(col(Delivery.tip_id) == tip.id))
            ).all()
        assert set(statuses) == {"sent"}
