"""The dashboard's series from domain.stats and the log's pages from domain.delivery_log, on
SQLite and PostgreSQL: UTC day boundaries, medians and percentiles, growth, keyset pages."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.delivery_log import LogFilter, count_log, read_log_page
from domain.models import Chat, ChatStatus, Delivery, DeliveryStatus
from domain.stats import (
    Lag,
    deliveries_per_day,
    send_lag,
    send_lag_per_day,
    subscriber_growth,
    tip_activity,
)

Sessions = async_sessionmaker[AsyncSession]
DAY = date(2026, 11, 20)
MIDNIGHT = datetime(2026, 11, 20, tzinfo=UTC)


async def add_chat(
    sessions: Sessions,
    telegram_id: int,
    *,
    joined: datetime = MIDNIGHT,
    status: ChatStatus = ChatStatus.ACTIVE,
) -> int:
    async with sessions() as session:
        chat = Chat(
            telegram_id=telegram_id,
            kind="private",
            language="en",
            region="england",
            timezone="Europe/London",
            status=status.value,
            created_at=joined,
            status_changed_at=joined,
        )
        session.add(chat)
        await session.commit()
        assert chat.id is not None
        return chat.id


async def add_sends(
    sessions: Sessions, chat_id: int, sends: Sequence[tuple[datetime, float]], *, prefix: str = "t"
) -> list[int]:
    """Sent deliveries: (when it was due, seconds late)."""
    ids = []
    async with sessions() as session:
        for n, (due, late) in enumerate(sends):
            delivery = Delivery(
                chat_id=chat_id,
                tip_id=f"{prefix}-{n}",
                language="en",
                lane="scheduled",
                status=DeliveryStatus.SENT.value,
                slot_at=due,
                planned_at=due,
                not_before=due,
                sent_at=due + timedelta(seconds=late),
            )
            session.add(delivery)
            await session.flush()
            assert delivery.id is not None
            ids.append(delivery.id)
        await session.commit()
    return ids


async def test_lag_per_day_median_and_95th_percentile(sessions: Sessions) -> None:
    chat = await add_chat(sessions, 1)
    noon = MIDNIGHT + timedelta(hours=12)
    sends: list[tuple[datetime, float]] = [(noon, s) for s in (3, 1, 2)]  # odd count
    sends += [(noon + timedelta(days=1), s) for s in (4, 1, 3, 2)]  # even count
    sends += [(noon + timedelta(days=2), float(s)) for s in range(1, 21)]
    sends += [(noon + timedelta(days=4), 0.25)]
    await add_sends(sessions, chat, sends)
    async with sessions() as session:
        lags = await send_lag_per_day(session, first=DAY, last=DAY + timedelta(days=4))
    summary = [(lag.day, lag.sends, lag.median_seconds, lag.p95_seconds) for lag in lags]
    assert summary == [
        (DAY, 3, 2.0, 3.0),
        (DAY + timedelta(days=1), 4, 2.5, 4.0),
        (DAY + timedelta(days=2), 20, 10.5, 19.0),  # nearest rank: the 19th of 20
        (DAY + timedelta(days=4), 1, 0.25, 0.25),
    ]
    async with sessions() as session:
        overall = await send_lag(session, first=DAY, last=DAY + timedelta(days=4))
        before = await send_lag(
            session, first=DAY - timedelta(days=9), last=DAY - timedelta(days=1)
        )
    assert overall == Lag(28, 6.5, 19.0)  # one window over all 28 sends, not a mean of days
    assert before is None


async def test_lag_counts_on_the_utc_day_of_sending(sessions: Sessions) -> None:
    chat = await add_chat(sessions, 1)
    late_evening = MIDNIGHT + timedelta(hours=23, minutes=59, seconds=50)
    await add_sends(sessions, chat, [(late_evening, 5), (late_evening, 20), (late_evening, 9)])
    async with sessions() as session:
        lags = await send_lag_per_day(session, first=DAY, last=DAY + timedelta(days=1))
    assert [(lag.day, lag.sends, lag.median_seconds) for lag in lags] == [
        (DAY, 2, 7.0),
        (DAY + timedelta(days=1), 1, 20.0),
    ]


async def test_deliveries_per_day_cover_every_day_and_cut_at_utc_midnight(
    sessions: Sessions,
) -> None:
    chat = await add_chat(sessions, 1)
    await add_sends(
        sessions,
        chat,
        [
            (MIDNIGHT - timedelta(microseconds=1), 1),  # the day before: outside
            (MIDNIGHT, 1),
            (MIDNIGHT + timedelta(hours=23, minutes=59, seconds=59), 1),
            (MIDNIGHT + timedelta(days=1), 1),
            (MIDNIGHT + timedelta(days=3), 1),  # after the range
        ],
    )
    async with sessions() as session:
        per_day = await deliveries_per_day(session, first=DAY, last=DAY + timedelta(days=2))
    assert per_day == {
        DAY: {"sent": 2},
        DAY + timedelta(days=1): {"sent": 1},
        DAY + timedelta(days=2): {},
    }


async def test_growth_counts_new_subscribers_and_the_active_ones(sessions: Sessions) -> None:
    await add_chat(sessions, 1, joined=MIDNIGHT - timedelta(days=5))
    await add_chat(sessions, 2, joined=MIDNIGHT - timedelta(days=5), status=ChatStatus.STOPPED)
    await add_chat(sessions, 3, joined=MIDNIGHT + timedelta(hours=1))
    await add_chat(sessions, 4, joined=MIDNIGHT + timedelta(hours=2), status=ChatStatus.BLOCKED)
    await add_chat(sessions, 5, joined=MIDNIGHT + timedelta(hours=3), status=ChatStatus.ONBOARDING)
    await add_chat(sessions, 6, joined=MIDNIGHT + timedelta(days=2, hours=23))
    async with sessions() as session:
        growth = await subscriber_growth(session, first=DAY, last=DAY + timedelta(days=2))
    assert [(g.day, g.new, g.active) for g in growth] == [
        (DAY, 2, 2),  # 3 and 4 subscribed (5 has not finished onboarding); 1 and 3 active
        (DAY + timedelta(days=1), 0, 2),
        (DAY + timedelta(days=2), 1, 3),
    ]


async def test_tip_activity_without_any_is_empty(sessions: Sessions) -> None:
    async with sessions() as session:
        assert await tip_activity(session) == {}


async def test_the_log_pages_by_id_with_the_filter(sessions: Sessions) -> None:
    chat = await add_chat(sessions, 1)
    other = await add_chat(sessions, 2)
    mine = await add_sends(sessions, chat, [(MIDNIGHT, 1)] * 7)
    await add_sends(sessions, other, [(MIDNIGHT, 1)] * 3)
    wanted = LogFilter(chat=1, limit=3)
    newest_first = sorted(mine, reverse=True)
    async with sessions() as session:
        assert await count_log(session, wanted) == 7
        first = await read_log_page(session, wanted)
        second = await read_log_page(session, wanted, before_id=first.rows[-1].id)
        third = await read_log_page(session, wanted, before_id=second.rows[-1].id)
        back = await read_log_page(session, wanted, after_id=third.rows[0].id)
    assert [r.id for r in first.rows] == newest_first[:3]
    assert (first.has_newer, first.has_older) == (False, True)
    assert [r.id for r in second.rows] == newest_first[3:6]
    assert (second.has_newer, second.has_older) == (True, True)
    assert [r.id for r in third.rows] == newest_first[6:]
    assert (third.has_newer, third.has_older) == (True, False)
    assert [r.id for r in back.rows] == newest_first[3:6]
    assert {r.chat for r in first.rows + second.rows + third.rows} == {1}
