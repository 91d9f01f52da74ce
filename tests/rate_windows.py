"""Counting how many timestamps fall in the busiest window: the measure every rate-limit test
checks against its limit."""

from __future__ import annotations


def most_in_any_window(times: list[float], width: float = 1.0) -> int:
    """The most times in any half-open window [t, t + width), in whatever order they came."""
    times = sorted(times)
    best, start = 0, 0
    for end, at in enumerate(times):
        while times[start] <= at - width:
            start += 1
        best = max(best, end - start + 1)
    return best
