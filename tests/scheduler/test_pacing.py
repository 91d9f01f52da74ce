"""The pacer's bookkeeping as pure functions of monotonic seconds."""

from __future__ import annotations

import itertools

from scheduler.pacing import (
    CATCH_UP_SECONDS,
    Pacer,
)
from tests.rate_windows import most_in_any_window


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
