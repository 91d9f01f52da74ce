"""A simulated week for a mixed population: the deliveries follow the rules.

Time zones, the autumn daylight-saving change, quiet hours, a pause that ends by itself, a
group, children at different stages and several languages. The fake clock moves in 30-minute
steps; at each step the planner ticks and the dispatcher sends over HTTP to the fake Bot API.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from domain.cadence import Cadence, in_quiet_hours
from domain.models import Chat, ChatStatus, Delivery, DeliveryStatus
from domain.selection import ChildStage, Profile, matches_audience
from tests.bot.harness import delivering, running_bot, seed_chat, settle

LONDON = ZoneInfo("Europe/London")
WEEK_START = datetime(2026, 10, 22, 0, 0, tzinfo=UTC)  # Thursday; clocks go back on Sunday 25th


async def test_a_week_of_deliveries_follows_the_rules(migrated_url: str) -> None:
    async with running_bot(migrated_url, send_rate=200) as bot:
        bot.clock.now = WEEK_START
        today = WEEK_START.date()
        people: dict[int, tuple[dict[str, Any], int]] = {
            # id: (kwargs, expected sends in the week)
            1001: ({"born": today - timedelta(days=100)}, 3),  # Mon/Wed/Fri 10:00 London
            1002: ({"due": today + timedelta(weeks=15), "language": "pl"}, 3),
            1003: (
                {
                    "born": today - timedelta(days=700),
                    "days": "mon,tue,wed,thu,fri,sat,sun",
                    "send_time": "08:00",
                },
                7,
            ),
            1004: (
                {
                    "born": today - timedelta(days=400),
                    "timezone": "Asia/Karachi",
                    "days": "tue,thu",
                    "language": "ur",
                },
                2,
            ),
            1005: (
                {"born": today - timedelta(days=1200), "send_time": "23:00", "days": "thu"},
                1,
            ),  # 23:00 is in quiet hours: waits for 08:00 Friday
            1006: (
                {
                    "born": today - timedelta(days=300),
                    "status": ChatStatus.PAUSED,
                    "paused_until": WEEK_START + timedelta(days=4),
                },
                2,
            ),  # Friday missed
            -2001: ({"kind": "group", "born": today - timedelta(days=500), "days": "wed"}, 1),
            1007: ({"born": today - timedelta(days=200), "status": ChatStatus.STOPPED}, 0),
        }
        for telegram_id, (kwargs, _) in people.items():
            await seed_chat(bot.services, telegram_id, **kwargs)

        told_back: list[datetime] = []  # when 1006 heard that its pause was over
        async with delivering(bot) as engine:
            step = timedelta(minutes=30)
            while bot.clock.now < WEEK_START + timedelta(days=7):
                seen = len(bot.api.sent)
                await engine.tick()
                await settle(engine)
                told_back += [
                    bot.clock.now
                    for m in bot.api.sent[seen:]
                    if m.chat_id == 1006 and m.plain_text.startswith("Your pause is over")
                ]
                bot.clock.advance(step)

        async with bot.services.sessions() as session:
            rows = (
                await session.exec(
                    select(Delivery, Chat).join(Chat, col(Chat.id) == col(Delivery.chat_id))
                )
            ).all()
        by_chat: dict[int, list[Delivery]] = defaultdict(list)
        for delivery, chat in rows:
            by_chat[chat.telegram_id].append(delivery)

        for telegram_id, (kwargs, expected) in people.items():
            got = by_chat.get(telegram_id, [])
            assert len(got) == expected, (telegram_id, [d.sent_at for d in got])
            assert all(d.status == DeliveryStatus.SENT for d in got)
            assert len({d.tip_id for d in got}) == len(got)  # never the same tip twice
            zone = ZoneInfo(str(kwargs.get("timezone", "Europe/London")))
            cadence = Cadence.from_strings(
                days=str(kwargs.get("days", "mon,wed,fri")),
                send_time=str(kwargs.get("send_time", "10:00")),
                timezone=str(zone),
                quiet_start="21:00",
                quiet_end="08:00",
            )
            for delivery in got:
                assert delivery.sent_at is not None
                assert not in_quiet_hours(cadence, delivery.sent_at)
            # Each tip arrived at the fake Bot API exactly once (tips carry buttons).
            tips = [m for m in bot.api.messages_to(telegram_id) if m.button_data]
            assert len(tips) == expected
            assert len(bot.api.messages_to(telegram_id)) == expected + (telegram_id == 1006)

        # The pause ended at midnight; the family was told once, when the quiet hours ended.
        assert [t.astimezone(LONDON).strftime("%a %H:%M") for t in told_back] == ["Mon 08:00"]

        # 10:00 London is 09:00 UTC in summer time and 10:00 UTC after the clocks go back.
        london = sorted(d.sent_at for d in by_chat[1001] if d.sent_at)
        assert [t.astimezone(LONDON).hour for t in london] == [10, 10, 10]
        assert {t.utcoffset() for t in london} == {timedelta(0)}
        assert london[0].hour == 9 and london[-1].hour == 10
        # Karachi: 10:00 PKT is 05:00 UTC.
        assert {d.sent_at.hour for d in by_chat[1004] if d.sent_at} == {5}
        # The 23:00 chat got its Thursday tip at 08:00 on Friday morning.
        (late,) = by_chat[1005]
        assert late.sent_at is not None
        assert late.sent_at.astimezone(LONDON).strftime("%a %H:%M") == "Fri 08:00"
        # Paused until Monday 26th 00:00: Friday's slot passes, Monday's and Wednesday's come.
        resumed = sorted(d.sent_at.astimezone(LONDON) for d in by_chat[1006] if d.sent_at)
        assert [t.strftime("%a") for t in resumed] == ["Mon", "Wed"]
        # Tips matched each family's stage on the day they went out.
        library = bot.services.library.current
        for telegram_id, (kwargs, _) in people.items():
            child = ChildStage(due_date=kwargs.get("due"), birth_date=kwargs.get("born"))
            for delivery in by_chat.get(telegram_id, []):
                tip = library.tips[delivery.tip_id]
                profile = Profile(topics=frozenset(tip.topics), region="england", children=(child,))
                assert delivery.sent_at is not None
                assert matches_audience(tip, profile, delivery.sent_at.date()), delivery.tip_id
        # The Polish family got Polish text where a translation exists.
        arrived = {m.message_id: m.plain_text for m in bot.api.messages_to(1002)}
        for delivery in by_chat[1002]:
            tip = library.tips[delivery.tip_id]
            text = arrived[delivery.telegram_message_id or 0]
            assert tip.text_for("pl").title in text
