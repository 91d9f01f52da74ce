"""The bot's one flood budget: its margin, replies first, one pause per 429 episode."""

from __future__ import annotations

import asyncio
import random

import pytest

from scheduler.flood import (
    BACKOFF,
    LATENCY_SPREAD,
    RECOVERY_SECONDS,
    FloodBudget,
    Lane,
    counted,
    paced_rate,
)
from tests.rate_windows import most_in_any_window


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_margin_and_the_figures_it_gives() -> None:
    assert paced_rate(30) == pytest.approx(30 / (1 + LATENCY_SPREAD))  # 27.3/s
    assert paced_rate(25) == pytest.approx(22.73, abs=0.01)
    assert paced_rate(1000) == pytest.approx(970)
    assert all(paced_rate(limit) < limit for limit in (1, 5, 30, 100, 300, 1000))


@pytest.mark.parametrize("limit", [5, 30, 100])
def test_paced_sends_stay_under_the_limit_where_the_server_counts_them(limit: int) -> None:
    """Requests leave when the budget says; each arrives after a random latency of 50-150 ms.
    As the server counts them, on arrival, no second holds more than the limit."""
    clock = Clock()
    budget = FloodBudget(limit, monotonic=clock)
    rng = random.Random(limit)
    arrivals = []
    for _ in range(limit * 30):
        clock.now = max(clock.now, budget.ready_at(Lane.BULK, clock.now))
        departed = budget.try_take(Lane.BULK)
        assert departed is not None
        arrivals.append(departed + rng.uniform(0.05, 0.05 + LATENCY_SPREAD))
        clock.now += rng.choice([0.0, 0.0, 0.002, 0.03])  # late wake-ups
    assert most_in_any_window(arrivals) <= limit
    # Small limits pay more for the margin: whole requests per window (4 of 5/s).
    assert len(arrivals) / (arrivals[-1] - arrivals[0]) > 0.78 * limit


async def test_replies_go_before_tips_that_waited_longer() -> None:
    budget = FloodBudget(100)
    order: list[str] = []

    async def send(lane: Lane, name: str) -> None:
        await budget.acquire(lane)
        order.append(name)

    while budget.try_take(Lane.BULK) is not None:  # every free slot taken: the rest wait
        pass
    tips = [asyncio.create_task(send(Lane.BULK, f"tip{i}")) for i in range(3)]
    await asyncio.sleep(0)
    replies = [asyncio.create_task(send(Lane.INTERACTIVE, f"reply{i}")) for i in range(3)]
    await asyncio.sleep(0)
    assert budget.bulk_should_wait()
    await asyncio.gather(*tips, *replies)
    assert order[:3] == ["reply0", "reply1", "reply2"]  # in the order they asked
    assert sorted(order[3:]) == ["tip0", "tip1", "tip2"]
    assert not budget.bulk_should_wait()


async def test_in_paid_mode_tips_do_not_wait_for_replies_that_wait_for_the_free_pace() -> None:
    budget = FloodBudget(5, paid_limit=1000)
    await budget.acquire(Lane.INTERACTIVE)
    reply = asyncio.create_task(budget.acquire(Lane.INTERACTIVE))  # ~0.2 s away
    await asyncio.sleep(0)
    assert not budget.bulk_should_wait()
    tips = [await budget.acquire(Lane.BULK) for _ in range(20)]
    assert not reply.done()
    assert tips[-1] - tips[0] < 0.1
    await reply


async def test_a_cancelled_wait_gives_its_turn_to_the_next() -> None:
    budget = FloodBudget(20)
    await budget.acquire(Lane.INTERACTIVE)
    gone = asyncio.create_task(budget.acquire(Lane.INTERACTIVE))
    await asyncio.sleep(0)
    gone.cancel()
    next_one = await budget.acquire(Lane.INTERACTIVE)
    assert budget.waiting() == 0
    assert next_one > 0


def test_one_429_pauses_once_and_answers_already_in_flight_do_not_pause_again() -> None:
    clock = Clock()
    budget = FloodBudget(30, monotonic=clock)
    in_flight = [budget.try_take(Lane.BULK) for _ in range(1)]
    clock.now += 0.04
    in_flight += [budget.try_take(Lane.BULK)]
    departed = [t for t in in_flight if t is not None]
    clock.now += 0.1
    rate = budget.rate
    assert budget.rate_limited(departed[0], 1.0) is True
    assert budget.paused_until == pytest.approx(clock.now + 1.0)
    clock.now += 0.01
    assert budget.rate_limited(departed[1], 1.0) is False  # left before the pause began
    assert budget.pauses == 1
    assert budget.rate == pytest.approx(rate * BACKOFF)
    assert budget.ready_at(Lane.INTERACTIVE, clock.now) >= budget.paused_until
    # A request sent after the pause that gets 429 again is a new episode.
    clock.now = budget.paused_until + 0.1
    later = budget.try_take(Lane.INTERACTIVE)
    assert later is not None
    assert budget.rate_limited(later, 1.0) is True
    assert budget.rate == pytest.approx(rate * BACKOFF * BACKOFF)


def test_the_pace_recovers_after_a_quiet_while() -> None:
    clock = Clock()
    budget = FloodBudget(30, monotonic=clock)
    full = budget.rate
    departed = budget.try_take(Lane.BULK)
    assert departed is not None
    budget.rate_limited(departed, 1.0)
    for _ in range(200):
        clock.now += RECOVERY_SECONDS
        budget.try_take(Lane.BULK)
    assert budget.rate == pytest.approx(full)


def test_senders_share_the_limit() -> None:
    budget = FloodBudget(30)
    alone = budget.rate
    budget.set_senders(3)
    assert budget.rate == pytest.approx(alone / 3)


def test_what_telegram_counts() -> None:
    assert counted("sendMessage") and counted("editMessageText") and counted("sendPhoto")
    assert not counted("sendChatAction") and not counted("answerCallbackQuery")
    assert not counted("getUpdates")
