"""The pacer's bookkeeping as pure functions of monotonic seconds."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler.pacing import (
    CATCH_UP_SECONDS,
    SHORT_WINDOW_SECONDS,
    WINDOW_SECONDS,
    Pacer,
    short_window_allowed,
)


def most_in_any_window(times: list[float], width: float = 1.0) -> int:
    """The most times in any half-open window [t, t + width)."""
    best, start = 0, 0
    for end, at in enumerate(times):
        while times[start] <= at - width:
            start += 1
        best = max(best, end - start + 1)
    return best


def test_slots_are_spaced_evenly_and_never_exceed_the_rate() -> None:
    pacer = Pacer(rate=30)
    times = [pacer.reserve(0.0, chat, False) for chat in range(1, 91)]
    gaps = {round(b - a, 9) for a, b in itertools.pairwise(times)}
    assert gaps == {round(1 / 30, 9)}
    assert most_in_any_window(times, 1.0 - 1e-9) == 30  # float sums: 30 x 1/30 < 1.0


def test_a_stall_may_catch_up_only_a_little() -> None:
    pacer = Pacer(rate=100)
    pacer.reserve(0.0, 1, False)
    # The sender was stuck for 10 s: it may use the last CATCH_UP_SECONDS of missed slots.
    late = [pacer.reserve(10.0, chat, False) for chat in range(2, 60)]
    assert late[0] == 10.0 - CATCH_UP_SECONDS
    in_the_past = [t for t in late if t < 10.0 - 1e-9]
    assert len(in_the_past) == round(CATCH_UP_SECONDS * 100)


def test_one_chat_waits_its_interval_and_groups_their_minute() -> None:
    pacer = Pacer(rate=1000, chat_interval=1.0, group_per_minute=20)
    first, second = pacer.reserve(5.0, 7, False), pacer.reserve(5.0, 7, False)
    assert second - first >= 1.0
    group = [pacer.reserve(100.0, -42, True) for _ in range(21)]
    assert group[20] - group[0] >= 60.0 - 1e-9


def test_a_429_pauses_everyone() -> None:
    pacer = Pacer(rate=30)
    pacer.pause(3.0, 7.5)
    assert pacer.reserve(3.0, 1, False) == 10.5
    assert pacer.earliest(4.0, 2, False) >= 10.5


def test_window_counts_requests_that_really_left() -> None:
    pacer = Pacer(rate=30)
    for i in range(30):
        assert pacer.window_wait(i / 31) == 0.0
        pacer.note_sent(i / 31)
    assert abs(pacer.window_wait(0.95) - (WINDOW_SECONDS - 0.95)) < 1e-9
    assert pacer.window_wait(WINDOW_SECONDS + 0.001) == 0.0


def test_window_refuses_bursts() -> None:
    pacer = Pacer(rate=1000)
    for _ in range(55):  # 10 % over the rate's share of 50 ms, all at once
        assert pacer.window_wait(0.0) == 0.0
        pacer.note_sent(0.0)
    assert abs(pacer.window_wait(0.0) - SHORT_WINDOW_SECONDS) < 1e-9


def test_window_follows_a_lower_rate_at_once() -> None:
    pacer = Pacer(rate=30)
    for i in range(30):
        pacer.note_sent(i / 30)
    pacer.set_rate(15)  # a second sender joined
    # The 15th newest send left at 15/30 s: the next may go one window after it.
    assert abs(pacer.window_wait(1.0) - (15 / 30 + WINDOW_SECONDS - 1.0)) < 1e-9


@settings(max_examples=200, deadline=None)
@given(
    rate=st.sampled_from([1, 5, 30, 100]),
    lateness=st.lists(st.floats(min_value=0.0, max_value=0.3), min_size=50, max_size=400),
)
def test_late_wakeups_never_put_more_than_the_rate_in_a_second(
    rate: int, lateness: list[float]
) -> None:
    """Tasks wake late by random amounts (a busy event loop); what leaves stays within the
    rate in every one-second window, and the guard costs little throughput."""
    pacer = Pacer(rate=rate, chat_interval=0.0)
    left: list[float] = []
    for chat, late in enumerate(lateness):
        booked = pacer.reserve(left[-1] if left else 0.0, chat, False)
        now = max(booked + late, left[-1] if left else 0.0)
        while (wait := pacer.window_wait(now)) > 0:
            now += wait
        pacer.note_sent(now)
        left.append(now)
    assert most_in_any_window(left) <= rate
    short = short_window_allowed(rate)
    assert most_in_any_window(left, SHORT_WINDOW_SECONDS - 1e-9) <= short


def test_missed_slots_are_made_up_without_a_burst() -> None:
    pacer = Pacer(rate=1000, chat_interval=0.0)
    left: list[float] = []
    now = 0.0
    for chat in range(400):
        booked = pacer.reserve(now, chat, False)
        now = max(now, booked) + (0.08 if chat == 100 else 0.0)  # one 80-ms stall
        while (wait := pacer.window_wait(now)) > 0:
            now += wait
        pacer.note_sent(now)
        left.append(now)
    assert most_in_any_window(left, SHORT_WINDOW_SECONDS - 1e-9) <= 55
    assert left[-1] < 0.4 + 0.08  # and the stall cost no more than its own length
