"""Telegram's pace: a global rate, about one message a second per chat, 20 a minute per group,
and a pause for everyone after a 429.

`Pacer.reserve()` is pure bookkeeping on monotonic seconds: it returns when the message may go
and records it, so callers sleep until then. Sends are booked evenly, 1/rate apart. A sender
that fell behind (a slow database write, a busy event loop) may catch up on at most
CATCH_UP_SECONDS of missed slots, so a stall does not cost throughput for good.

Booked times are not the times requests leave: a task wakes a little late, and a few late
wake-ups in a row can put rate + 1 requests into one second. So each request also takes a turn
in the bot's flood budget (scheduler.flood) just before it goes, shared with the replies.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

GROUP_WINDOW_SECONDS = 60.0
CATCH_UP_SECONDS = 0.05
# And no bursts: at most 10 % over the rate's share in any SHORT_WINDOW_SECONDS, so missed
# slots are made up smoothly (a burst queues at the server, and requests that arrive late
# and bunched can put more than the rate into a second as the server counts it).
SHORT_WINDOW_SECONDS = 0.05
SHORT_WINDOW_ALLOWANCE = 1.1


def short_window_allowed(rate: float) -> int:
    """Requests allowed in any SHORT_WINDOW_SECONDS at `rate` (rounded so 55.000001 is 55)."""
    return max(1, math.ceil(round(rate * SHORT_WINDOW_SECONDS * SHORT_WINDOW_ALLOWANCE, 6)))


@dataclass
class Pacer:
    rate: float  # messages per second, all chats together
    chat_interval: float = 1.0
    group_per_minute: int = 20
    _next_global: float = 0.0
    _paused_until: float = 0.0
    _chat_next: dict[int, float] = field(default_factory=dict)
    _group_sends: dict[int, deque[float]] = field(default_factory=dict)

    def set_rate(self, rate: float) -> None:
        self.rate = rate

    def pause(self, now: float, seconds: float) -> None:
        """A 429: nothing goes out for `seconds`."""
        self._paused_until = max(self._paused_until, now + seconds)
        self._next_global = max(self._next_global, self._paused_until)

    @property
    def paused_until(self) -> float:
        return self._paused_until

    def earliest(self, now: float, chat_id: int, is_group: bool) -> float:
        """When a message to `chat_id` could go, without reserving it (a time before `now`
        means at once: a slot missed a moment ago)."""
        at = max(
            now - CATCH_UP_SECONDS,
            self._next_global,
            self._paused_until,
            self._chat_next.get(chat_id, 0.0),
        )
        if is_group:
            sends = self._group_sends.get(chat_id)
            if sends is not None and len(sends) >= self.group_per_minute:
                at = max(at, sends[-self.group_per_minute] + GROUP_WINDOW_SECONDS)
        return at

    def reserve(self, now: float, chat_id: int, is_group: bool) -> float:
        """Book the earliest slot for a message to `chat_id`; returns its time."""
        at = self.earliest(now, chat_id, is_group)
        self._next_global = at + 1.0 / self.rate
        self._chat_next[chat_id] = at + self.chat_interval
        if is_group:
            sends = self._group_sends.setdefault(chat_id, deque())
            sends.append(at)
            while sends and sends[0] <= at - GROUP_WINDOW_SECONDS:
                sends.popleft()
        self._forget_old(at)
        return at

    def _forget_old(self, now: float) -> None:
        # Keep memory flat over a long broadcast: drop chats whose interval has passed.
        if len(self._chat_next) > 10_000:
            self._chat_next = {c: t for c, t in self._chat_next.items() if t > now}
        if len(self._group_sends) > 10_000:
            self._group_sends = {
                c: s
                for c, s in self._group_sends.items()
                if s and s[-1] > now - GROUP_WINDOW_SECONDS
            }
