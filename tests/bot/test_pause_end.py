"""A timed pause that ends: the family is told once, never in its quiet hours, through the
bot's flood budget; and the tips come back whether or not the status was flipped yet."""

from __future__ import annotations

from datetime import date, timedelta

from domain.models import ChatStatus
from scheduler.engine import DeliveryEngine
from scheduler.flood import FloodBudget, Lane
from tests.bot.harness import Harness, running_bot, seed_chat

BACK = {
    "en": "Your pause is over: tips are on again.",
    "pl": "Przerwa się skończyła: porady znów przychodzą.",
}


class CountingBudget(FloodBudget):
    """The bot's flood budget, counting the bulk sends that pass it."""

    bulk = 0

    async def acquire(self, lane: Lane) -> float:
        if lane is Lane.BULK:
            self.bulk += 1
        return await super().acquire(lane)


def engine_with(bot: Harness, budget: FloodBudget) -> DeliveryEngine:
    return DeliveryEngine(
        settings=bot.services.settings,
        bot=bot.app.bot,
        sessions=bot.services.sessions,
        library=lambda: bot.services.library.current,
        catalogs=bot.services.catalogs,
        clock=bot.clock,
        budget=budget,
    )


def told(bot: Harness, chat_id: int) -> list[str]:
    return [
        m.plain_text
        for m in bot.api.messages_to(chat_id)
        if any(text in m.plain_text for text in BACK.values())
    ]


async def test_a_pause_ending_at_night_is_announced_once_in_the_morning(
    migrated_url: str,
) -> None:
    async with running_bot(migrated_url) as bot:
        # Thursday 12:00 London; the pauses end at 22:00, inside the quiet hours 21:00-08:00.
        night = bot.clock.now + timedelta(hours=10)
        chats = {"en": 8101, "pl": 8102}
        for language, telegram_id in chats.items():
            await seed_chat(
                bot.services,
                telegram_id,
                language=language,
                born=date(2026, 6, 1),
                status=ChatStatus.PAUSED,
                paused_until=night,
            )
        budget = CountingBudget(bot.services.settings.send_rate)
        engine = engine_with(bot, budget)

        bot.clock.advance(timedelta(hours=10, minutes=1))  # 22:01: over, but quiet hours
        report = await engine.tick()
        assert report.resumed == 0
        assert all(told(bot, c) == [] for c in chats.values())
        profile = await bot.profile(chats["en"])
        assert profile is not None and profile.chat.status == ChatStatus.PAUSED

        bot.clock.advance(timedelta(hours=10))  # Friday 08:01
        report = await engine.tick()
        assert report.resumed == 2
        for language, telegram_id in chats.items():
            messages = told(bot, telegram_id)
            assert len(messages) == 1 and messages[0].startswith(BACK[language]), messages
            profile = await bot.profile(telegram_id)
            assert profile is not None and profile.chat.status == ChatStatus.ACTIVE
        assert budget.bulk == 2  # each message took its turn in the bot's flood budget

        bot.clock.advance(timedelta(minutes=30))
        await engine.tick()
        assert all(len(told(bot, c)) == 1 for c in chats.values())  # once


async def test_an_indefinite_pause_is_never_announced(migrated_url: str) -> None:
    async with running_bot(migrated_url) as bot:
        await seed_chat(bot.services, 8201, status=ChatStatus.PAUSED)
        engine = engine_with(bot, CountingBudget(bot.services.settings.send_rate))
        bot.clock.advance(timedelta(days=40))
        report = await engine.tick()
        assert report.resumed == 0 and told(bot, 8201) == []
        profile = await bot.profile(8201)
        assert profile is not None and profile.chat.status == ChatStatus.PAUSED
