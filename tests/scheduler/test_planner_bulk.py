"""The planner's bulk statements on each database: rows go by column (constant columns as one
parameter, the others unnested), and the profiles of a whole batch load in one go."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.chats import load_profile
from domain.content.model import Library
from domain.models import Chat, ChatTopic, Child, Delivery, Feedback, Schedule, SentTip
from scheduler.bulk_writes import insert_ignoring_duplicates, move_slots
from scheduler.profiles import load_profiles, selection_profile
from tests.rules.factories import make_tip

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


async def _chats(session: AsyncSession, count: int) -> list[int]:
    chats = [
        Chat(
            telegram_id=900 + n,
            kind="private",
            language="en",
            region="england",
            timezone="Europe/London",
            status="active",
        )
        for n in range(count)
    ]
    session.add_all(chats)
    await session.flush()
    ids = [chat.id for chat in chats if chat.id is not None]
    session.add_all(
        Schedule(
            chat_id=chat_id,
            days="mon",
            send_time="10:00",
            quiet_start="21:00",
            quiet_end="08:00",
            next_slot_at=NOW,
            last_slot_at=NOW - timedelta(days=7),
        )
        for chat_id in ids
    )
    await session.flush()
    return ids


def _row(chat_id: int, tip_id: str, **kw: object) -> dict[str, object]:
    row: dict[str, object] = {
        "chat_id": chat_id,
        "tip_id": tip_id,
        "language": "en",
        "lane": "scheduled",
        "status": "planned",
        "slot_at": NOW,
        "planned_at": NOW,
        "not_before": NOW,
        "attempts": 0,
    }
    row.update(kw)
    return row


async def test_inserts_count_only_new_rows_and_keep_every_value(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        a, b, c = await _chats(session, 3)
        later = (NOW + timedelta(hours=9)).astimezone(timezone(timedelta(hours=2)))
        rows = [
            _row(a, "tip-one", language="cy", not_before=later),
            _row(b, "tip-two"),
            _row(c, "tip-één", slot_at=NOW - timedelta(days=1)),
        ]
        assert await insert_ignoring_duplicates(session, rows) == 3
        again = [_row(a, "tip-one"), _row(a, "tip-three"), _row(a, "tip-three")]
        assert await insert_ignoring_duplicates(session, again) == 1
        assert await insert_ignoring_duplicates(session, [_row(b, "tip-four")]) == 1
        assert await insert_ignoring_duplicates(session, []) == 0
        await session.commit()
        found = {
            (d.chat_id, d.tip_id): (d.language, d.slot_at, d.not_before, d.planned_at, d.attempts)
            for d in (await session.exec(select(Delivery))).all()
        }
    assert found == {
        (a, "tip-one"): ("cy", NOW, later, NOW, 0),
        (b, "tip-two"): ("en", NOW, NOW, NOW, 0),
        (c, "tip-één"): ("en", NOW - timedelta(days=1), NOW, NOW, 0),
        (a, "tip-three"): ("en", NOW, NOW, NOW, 0),
        (b, "tip-four"): ("en", NOW, NOW, NOW, 0),
    }


async def test_slots_move_together_or_each_its_own_way(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    week = timedelta(days=7)
    async with sessions() as session:
        a, b, c = await _chats(session, 3)
        await move_slots(session, [{"cid": i, "nxt": NOW + week, "last": NOW} for i in (a, b)])
        await move_slots(
            session,
            [
                {"cid": a, "nxt": NOW + 2 * week, "last": None},
                {"cid": b, "nxt": NOW + 3 * week, "last": NOW + week},
            ],
        )
        await move_slots(session, [{"cid": c, "nxt": NOW + week, "last": None}])
        await session.commit()
        found = {
            s.chat_id: (s.next_slot_at, s.last_slot_at)
            for s in (await session.exec(select(Schedule))).all()
        }
    assert found == {
        a: (NOW + 2 * week, NOW),
        b: (NOW + 3 * week, NOW + week),
        c: (NOW + week, NOW - week),
    }


async def test_a_batch_of_profiles_is_what_each_chat_alone_gives(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    tips = {t.id: t for t in (make_tip("h1"), make_tip("w1", topics=("welfare", "health")))}
    library = Library(Path("content"), ("en",), {}, tips, (), {})
    async with sessions() as session:
        a, b, c = await _chats(session, 3)
        session.add_all(
            [
                ChatTopic(chat_id=a, topic_id="health"),
                ChatTopic(chat_id=a, topic_id="welfare"),
                ChatTopic(chat_id=b, topic_id="learning"),
                Child(chat_id=a, birth_date=date(2026, 1, 1)),
                Child(chat_id=a, due_date=date(2027, 3, 1), content_stopped_at=NOW - timedelta(1)),
                Child(chat_id=b, due_date=date(2027, 3, 1)),
                SentTip(chat_id=a, tip_id="gone"),
                Feedback(chat_id=a, tip_id="w1", value=-1),
                Feedback(chat_id=a, tip_id="h1", value=1),
                Feedback(chat_id=b, tip_id="unknown", value=1),
            ]
        )
        await session.flush()
        await insert_ignoring_duplicates(session, [_row(a, "w1"), _row(b, "h1")])
        await insert_ignoring_duplicates(session, [_row(a, "h1")])
        await session.commit()
        chats = (await session.exec(select(Chat).order_by(col(Chat.id)))).all()
        alone = {
            chat_id: await selection_profile(
                session, profile=await load_profile(session, chat=chat), library=library
            )
            for chat_id, chat in zip((a, b, c), chats, strict=True)
        }
        connection = await session.connection()
        batch = await load_profiles(
            connection, [(a, "england"), (b, "england"), (c, "england")], library
        )
    assert batch == alone
    assert batch[a].recent_topics == ("welfare", "health")
    assert batch[a].topic_feedback == {"welfare": -1, "health": 1}
    assert batch[c].children == () and batch[c].topics == frozenset()
