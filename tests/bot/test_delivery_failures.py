"""What the dispatcher does with each answer Telegram can give (see ../shared/telegram.md)."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col, select

from domain.models import Chat, ChatStatus, ContentFlag, Delivery, DeliveryAttempt, SystemEvent
from scheduler.broadcast import BroadcastFilter, plan_broadcast
from scheduler.flood import paced_rate
from tests.bot.harness import Harness, delivering, running_bot, seed_chat, settle

TIP = "h-safe-sleep-on-back"


async def broadcast_to(bot: Harness, *telegram_ids: int) -> None:
    for telegram_id in telegram_ids:
        await seed_chat(bot.services, telegram_id, born=bot.clock.now.date() - timedelta(days=30))
    tip = bot.services.library.current.tips[TIP]
    plan = await plan_broadcast(
        bot.services.sessions, tip, BroadcastFilter(), now=bot.clock.now, dry_run=False
    )
    assert plan.planned == len(telegram_ids)


async def deliveries(bot: Harness) -> list[tuple[Delivery, Chat]]:
    async with bot.services.sessions() as session:
        rows = await session.exec(
            select(Delivery, Chat)
            .join(Chat, col(Chat.id) == col(Delivery.chat_id))
            .order_by(col(Delivery.id))
        )
        return list(rows.all())


async def attempts(bot: Harness) -> list[DeliveryAttempt]:
    async with bot.services.sessions() as session:
        rows = await session.exec(select(DeliveryAttempt).order_by(col(DeliveryAttempt.id)))
        return list(rows.all())


async def test_429_pauses_all_sending_then_continues(migrated_url: str) -> None:
    async with running_bot(migrated_url, send_rate=4) as bot:
        bot.api.faults.add("429", method="sendMessage", retry_after=1, count=1)
        await broadcast_to(bot, 501, 502, 503)
        async with delivering(bot) as engine:
            await settle(engine)
            bot.clock.advance(timedelta(seconds=2))  # past retry_after in database time
            await settle(engine)
        rows = await deliveries(bot)
        assert [d.status for d, _ in rows] == ["sent", "sent", "sent"]
        refused = [c for c in bot.api.calls if c.status == 429]
        assert len(refused) == 1
        after = [
            c
            for c in bot.api.calls
            if c.method == "sendMessage" and c.monotonic > refused[0].monotonic
        ]
        # Nothing at all went out during the pause.
        assert all(c.monotonic - refused[0].monotonic >= 0.95 for c in after)
        async with bot.services.sessions() as session:
            events = (await session.exec(select(SystemEvent))).all()
        assert [e.kind for e in events] == ["rate-limited"]
        assert sum(len(bot.api.messages_to(i)) for i in (501, 502, 503)) == 3


async def test_403_stops_the_chat_with_no_more_attempts(migrated_url: str) -> None:
    async with running_bot(migrated_url) as bot:
        await broadcast_to(bot, 601)
        bot.api.faults.add("blocked", chat_id=601, count=1)
        async with delivering(bot) as engine:
            await settle(engine)
        ((delivery, chat),) = await deliveries(bot)
        assert delivery.status == "failed" and delivery.error_code == 403
        assert chat.status == ChatStatus.BLOCKED
        assert chat.status_reason is not None and "blocked" in chat.status_reason
        assert len(await attempts(bot)) == 1
        assert bot.api.messages_to(601) == []


async def test_a_migrated_group_gets_the_tip_at_its_new_id(migrated_url: str) -> None:
    async with running_bot(migrated_url) as bot:
        admin = bot.api.make_user("Ada")
        group = bot.api.make_group("Parents", admins=[admin])
        await seed_chat(
            bot.services, group.id, kind="group", born=bot.clock.now.date() - timedelta(days=30)
        )
        new_id = bot.api.migrate_group(group, by=admin)
        tip = bot.services.library.current.tips[TIP]
        await plan_broadcast(
            bot.services.sessions, tip, BroadcastFilter(), now=bot.clock.now, dry_run=False
        )
        async with delivering(bot) as engine:
            await settle(engine)
        ((delivery, chat),) = await deliveries(bot)
        assert delivery.status == "sent"
        assert chat.telegram_id == new_id
        assert len(bot.api.messages_to(new_id)) == 1
        outcomes = [a.outcome for a in await attempts(bot)]
        assert outcomes[-1] == "sent"


async def test_5xx_is_retried_with_backoff_then_sent(migrated_url: str) -> None:
    async with running_bot(migrated_url) as bot:
        await broadcast_to(bot, 701)
        bot.api.faults.add("5xx", method="sendMessage", count=2)
        async with delivering(bot) as engine:
            await settle(engine)
            ((delivery, _),) = await deliveries(bot)
            assert delivery.status == "retrying"
            first_retry = delivery.not_before
            bot.clock.advance(timedelta(seconds=2))
            await settle(engine)
            ((delivery, _),) = await deliveries(bot)
            assert delivery.status == "retrying"
            assert delivery.not_before - first_retry >= timedelta(seconds=3)  # 2 s, then 4 s
            bot.clock.advance(timedelta(seconds=4))
            await settle(engine)
        ((delivery, _),) = await deliveries(bot)
        assert delivery.status == "sent" and delivery.attempts == 3
        assert [a.outcome for a in await attempts(bot)] == ["retrying", "retrying", "sent"]
        assert len(bot.api.messages_to(701)) == 1


async def test_a_lost_response_is_unknown_and_never_resent(migrated_url: str) -> None:
    async with running_bot(migrated_url) as bot:
        await broadcast_to(bot, 801)
        bot.api.faults.add("lost", method="sendMessage", count=1)
        async with delivering(bot) as engine:
            await settle(engine)
            bot.clock.advance(timedelta(minutes=10))
            await settle(engine)
        ((delivery, _),) = await deliveries(bot)
        assert delivery.status == "unknown"
        assert len(bot.api.messages_to(801)) == 1  # Telegram did get it: no second copy


async def test_at_least_once_resends_after_a_lost_response(migrated_url: str) -> None:
    async with running_bot(migrated_url, delivery_guarantee="at-least-once") as bot:
        await broadcast_to(bot, 802)
        bot.api.faults.add("lost", method="sendMessage", count=1)
        async with delivering(bot) as engine:
            await settle(engine)
            bot.clock.advance(timedelta(seconds=3))
            await settle(engine)
        ((delivery, _),) = await deliveries(bot)
        assert delivery.status == "sent"
        assert len(bot.api.messages_to(802)) == 2  # the promised trade-off: a duplicate


async def test_a_parse_error_flags_the_tip_and_is_never_retried(migrated_url: str) -> None:
    async with running_bot(migrated_url) as bot:
        await broadcast_to(bot, 901)
        bot.api.faults.add(
            "error",
            method="sendMessage",
            count=1,
            status=400,
            description='Bad Request: can\'t parse entities: unsupported start tag "x"',
        )
        async with delivering(bot) as engine:
            await settle(engine)
            bot.clock.advance(timedelta(minutes=10))
            await settle(engine)
        ((delivery, chat),) = await deliveries(bot)
        assert delivery.status == "failed" and delivery.error_code == 400
        assert chat.status == ChatStatus.ACTIVE  # the chat is fine; the tip is not
        async with bot.services.sessions() as session:
            (flag,) = (await session.exec(select(ContentFlag))).all()
        assert flag.tip_id == TIP and "parse entities" in flag.description
        assert len(await attempts(bot)) == 1


async def test_paid_broadcast_mode_asks_telegram_for_the_paid_lane(migrated_url: str) -> None:
    async with running_bot(migrated_url, paid_broadcast=True) as bot:
        await broadcast_to(bot, 951)
        async with delivering(bot) as engine:
            # Paced at the paid limit less its margin (scheduler.flood), not at the free one.
            assert engine.dispatcher.pacer.rate == paced_rate(1000) > 900
            await settle(engine)
        (message,) = bot.api.messages_to(951)
        assert message.allow_paid_broadcast is True
