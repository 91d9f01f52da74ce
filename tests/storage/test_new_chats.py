"""New chats created together (domain.chats.create_new_chats, bot.intake.ChatIntake)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.intake import ChatIntake
from domain.chats import (
    NewChat,
    NewChatDefaults,
    count_rows,
    create_new_chats,
    get_chat,
    get_or_create_profile,
    load_profile,
)
from domain.models import ChatEvent, ChatKind, ChatStatus

NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)
TOPICS = frozenset({"health", "learning"})


def _defaults(language: str = "en") -> NewChatDefaults:
    return NewChatDefaults(
        language=language,
        region="england",
        timezone="Europe/London",
        days=("mon", "wed", "fri"),
        send_time=time(10),
        quiet_start=time(21),
        quiet_end=time(8),
    )


def _new(telegram_id: int, language: str = "en") -> NewChat:
    return NewChat(
        telegram_id=telegram_id,
        kind=ChatKind.PRIVATE,
        defaults=_defaults(language),
        now=NOW,
        topics=TOPICS,
    )


async def test_new_chats_are_stored_as_one_by_one(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        await get_or_create_profile(
            session,
            telegram_id=1,
            kind=ChatKind.PRIVATE,
            defaults=_defaults(),
            now=NOW,
            topics=frozenset({"welfare"}),
        )
        await session.commit()
    batch = [_new(1), _new(2, "pl"), _new(3), _new(2), _new(4, "pl")]
    async with sessions() as session:
        created = await create_new_chats(session, batch)
        await session.commit()
    assert sorted(created) == [2, 3, 4]  # the known chat and the repeat are left out
    async with sessions() as session:
        for telegram_id, made in created.items():
            chat = await get_chat(session, telegram_id=telegram_id)
            assert chat is not None and chat.id == made.chat.id
            stored = await load_profile(session, chat=chat)
            assert stored.topics == made.topics == TOPICS
            assert stored.children == made.children == ()
            assert stored.schedule.model_dump() == made.schedule.model_dump()
            assert stored.chat.language == made.chat.language == ("en" if telegram_id % 2 else "pl")
            assert stored.chat.status == ChatStatus.ONBOARDING
            assert await count_rows(session, ChatEvent, col(ChatEvent.chat_id) == chat.id) == 1
        known = await get_chat(session, telegram_id=1)
        assert known is not None
        assert (await load_profile(session, chat=known)).topics == {"welfare"}


async def test_the_intake_gathers_concurrent_chats_and_skips_known_ones(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    intake = ChatIntake(sessions)
    async with sessions() as session:
        await create_new_chats(session, [_new(1)])
        await session.commit()
    answers = await asyncio.gather(*(intake.create(_new(i)) for i in range(1, 21)))
    assert answers[0] is None  # known already: the caller takes the one-chat path
    assert [a.chat.telegram_id for a in answers[1:] if a is not None] == list(range(2, 21))


async def test_a_failed_batch_leaves_each_chat_to_the_one_chat_path(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    intake = ChatIntake(sessions)
    too_big = 2**63  # no database column holds it: the whole batch fails
    answers = await asyncio.gather(intake.create(_new(6)), intake.create(_new(too_big)))
    assert list(answers) == [None, None]
    async with sessions() as session:
        assert await get_chat(session, telegram_id=6) is None  # nothing half-written
