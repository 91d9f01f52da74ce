"""The storage layer's promises: UTC datetimes, cascades, uniqueness, SQLite pragmas."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.chats import count_rows
from domain.db import create_engine, make_session_factory, read_session
from domain.models import Chat, ChatTopic, Child, Delivery, Feedback, Schedule


def _chat(telegram_id: int = 1001) -> Chat:
    return Chat(
        telegram_id=telegram_id,
        kind="private",
        language="en",
        region="england",
        timezone="Europe/London",
        status="active",
    )


def _delivery(chat_id: int, tip_id: str, at: datetime) -> Delivery:
    return Delivery(
        chat_id=chat_id,
        tip_id=tip_id,
        language="en",
        lane="scheduled",
        status="planned",
        slot_at=at,
        planned_at=at,
        not_before=at,
    )


async def test_datetimes_come_back_aware_utc(sessions: async_sessionmaker[AsyncSession]) -> None:
    summer = datetime(2026, 7, 1, 10, 0, tzinfo=timezone(timedelta(hours=1)))
    async with sessions() as session:
        chat = _chat()
        chat.paused_until = summer
        session.add(chat)
        await session.commit()
        chat_id = chat.id
    async with sessions() as session:
        loaded = await session.get(Chat, chat_id)
        assert loaded is not None and loaded.paused_until is not None
        assert loaded.paused_until.tzinfo is not None
        assert loaded.paused_until.utcoffset() == timedelta(0)
        assert loaded.paused_until == datetime(2026, 7, 1, 9, 0, tzinfo=UTC)


async def test_naive_datetimes_are_refused(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session:
        chat = _chat()
        chat.paused_until = datetime(2026, 7, 1, 10, 0)
        session.add(chat)
        with pytest.raises(Exception, match="naive datetime"):
            await session.commit()


async def test_one_delivery_per_chat_and_tip(sessions: async_sessionmaker[AsyncSession]) -> None:
    now = datetime(2026, 11, 26, 10, tzinfo=UTC)
    async with sessions() as session:
        chat = _chat()
        session.add(chat)
        await session.flush()
        assert chat.id is not None
        session.add(_delivery(chat.id, "h-safe-sleep", now))
        await session.commit()
        chat_id = chat.id
    async with sessions() as session:
        session.add(_delivery(chat_id, "h-safe-sleep", now + timedelta(days=1)))
        with pytest.raises(IntegrityError):
            await session.commit()


async def test_deleting_a_chat_removes_every_personal_row(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    now = datetime(2026, 11, 26, 10, tzinfo=UTC)
    async with sessions() as session:
        chat = _chat()
        session.add(chat)
        await session.flush()
        assert chat.id is not None
        session.add_all(
            [
                Schedule(
                    chat_id=chat.id,
                    days="mon",
                    send_time="10:00",
                    quiet_start="21:00",
                    quiet_end="08:00",
                ),
                ChatTopic(chat_id=chat.id, topic_id="health"),
                Child(chat_id=chat.id, birth_date=now.date()),
                _delivery(chat.id, "h-1", now),
                Feedback(chat_id=chat.id, tip_id="h-1", value=1),
            ]
        )
        await session.commit()
        chat_id = chat.id
    async with sessions() as session:
        await session.delete(await session.get(Chat, chat_id))
        await session.commit()
    async with sessions() as session:
        for table in (Schedule, ChatTopic, Child, Delivery, Feedback):
            count = await count_rows(session, table)
            assert count == 0, table.__name__


async def test_sqlite_runs_in_wal_with_foreign_keys(migrated_sqlite_url: str) -> None:
    engine = create_engine(migrated_sqlite_url)
    try:
        async with engine.connect() as conn:
            assert (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar() == "wal"
            assert (await conn.exec_driver_sql("PRAGMA foreign_keys")).scalar() == 1
            assert (await conn.exec_driver_sql("PRAGMA busy_timeout")).scalar() == 30000
    finally:
        await engine.dispose()


async def test_sqlite_concurrent_writers_wait_instead_of_failing(migrated_sqlite_url: str) -> None:
    """Two engines (as two processes would) write at once: BEGIN IMMEDIATE serialises them."""
    url = migrated_sqlite_url
    engines: list[AsyncEngine] = [create_engine(url), create_engine(url)]
    factories = [make_session_factory(e) for e in engines]

    async def writer(factory: async_sessionmaker[AsyncSession], base: int) -> None:
        for i in range(20):
            async with factory() as session:
                # Read first, then write: with a deferred BEGIN this pattern fails with
                # SQLITE_BUSY when another connection wrote in between.
                await count_rows(session, Chat)
                session.add(_chat(base + i))
                await asyncio.sleep(0)
                await session.commit()

    try:
        await asyncio.gather(writer(factories[0], 10_000), writer(factories[1], 20_000))
        async with read_session(factories[0]) as session:
            assert await count_rows(session, Chat) == 40
            mode = await session.connection()
            assert (await mode.exec_driver_sql("PRAGMA journal_mode")).scalar() == "wal"
    finally:
        for e in engines:
            await e.dispose()
