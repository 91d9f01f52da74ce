"""One bot's flood budget in this process: every message it sends or edits — replies to users,
onboarding steps, confirmations and broadcast tips alike — comes out of it.

Telegram counts all of a bot's messages against one limit, on the time each request *arrives*
(../shared/telegram.md), so two senders that pace themselves apart still add up, and requests
that leave evenly arrive bunched by network jitter. Hence:

- One gate per process for everything that sends (`acquire`). Interactive sends (answers to a
  user who is waiting) go first; bulk sends (scheduled and broadcast tips) get what is left.
- The gate paces below the limit by a margin (`paced_rate`): 97 % of the limit at most, and
  less where the limit is small enough for latency jitter to matter: at 30/s it paces at
  30 / (1 + LATENCY_SPREAD) = 27.3/s, which keeps every one-second window *as the server counts
  it* at or under 30 with up to LATENCY_SPREAD of jitter.
- Adaptive: a 429 pauses everything once (answers to requests that had already left when the
  pause began belong to the same episode) and lowers the pace by BACKOFF; every
  RECOVERY_SECONDS without a 429 win RECOVERY_STEP back, up to the margin.
- Across processes (PostgreSQL), the limit is shared by the live senders (`set_senders`), as
  the dispatcher's leases count them; this process's replies come out of its share.

With `allow_paid_broadcast` (paid mode) bulk sends count only against the paid limit, and
interactive ones, which are not paid, against both the free limit and the paid one.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Callable
from enum import IntEnum

from scheduler.pacing import CATCH_UP_SECONDS, SHORT_WINDOW_SECONDS, short_window_allowed

# Spread of the time requests take to reach Telegram that the pace allows for (50-150 ms).
LATENCY_SPREAD = 0.1
ARRIVAL_WINDOW = 1.0 + LATENCY_SPREAD
SMOOTHING_MARGIN = 0.97
# At high rates jitter averages out: a one-second window then holds the pace, give or take
# sqrt(rate * spread / 3) requests moved across its edges; stay this many of those below.
JITTER_SIGMAS = 4.0
BACKOFF = 0.9
BACKOFF_FLOOR = 0.5
RECOVERY_SECONDS = 2.0
RECOVERY_STEP = 0.02
# What Telegram counts (sends and edits); chat actions and callback answers are not messages.
COUNTED_METHODS = frozenset(
    {
        "sendmessage",
        "sendphoto",
        "senddocument",
        "sendvideo",
        "sendanimation",
        "sendaudio",
        "sendvoice",
        "sendsticker",
        "sendmediagroup",
        "sendlocation",
        "sendpoll",
        "copymessage",
        "forwardmessage",
        "editmessagetext",
        "editmessagecaption",
        "editmessagemedia",
        "editmessagereplymarkup",
    }
)


def counted(endpoint: str) -> bool:
    """Whether Telegram counts a request to `endpoint` against the bot's flood limit."""
    return endpoint.lower() in COUNTED_METHODS


def paced_rate(limit: float, spread: float = LATENCY_SPREAD) -> float:
    """The pace that keeps a `limit` per second on arrival, despite `spread` of jitter."""
    strict = limit / (1.0 + spread)
    statistical = limit - JITTER_SIGMAS * math.sqrt(limit * spread / 3.0)
    return min(SMOOTHING_MARGIN * limit, max(strict, statistical))


class Lane(IntEnum):
    INTERACTIVE = 0  # someone is waiting for this answer
    BULK = 1  # scheduled and broadcast tips


class _Pace:
    """Even spacing at `rate`, with a backstop on the times requests really leave: no more
    than the rate in any second, no more than `rate` x ARRIVAL_WINDOW in any ARRIVAL_WINDOW
    (so no more than the limit in any second of arrivals, whatever the jitter up to
    LATENCY_SPREAD), and no bursts (the pacer's short window). A sender that fell behind by a
    stall catches up at most CATCH_UP_SECONDS; one that was idle starts afresh, without a
    burst."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.next = 0.0
        self.recent: deque[float] = deque()

    def ready_at(self, now: float) -> float:
        at = max(self.next, now - CATCH_UP_SECONDS)
        recent = self.recent
        while recent and recent[0] <= now - ARRIVAL_WINDOW:
            recent.popleft()
        for window, allowed in (
            (ARRIVAL_WINDOW, max(1, int(round(self.rate * ARRIVAL_WINDOW, 6)))),
            (1.0, max(1, math.ceil(round(self.rate, 6)))),
            (SHORT_WINDOW_SECONDS, short_window_allowed(self.rate)),
        ):
            if len(recent) >= allowed:
                at = max(at, recent[-allowed] + window)
        return at

    def take(self, now: float) -> None:
        behind = self.next >= now - CATCH_UP_SECONDS
        self.next = (self.next if behind else now) + 1.0 / self.rate
        self.recent.append(now)


class FloodBudget:
    """The gate every counted request of this process passes just before it leaves."""

    def __init__(
        self,
        limit: float,
        *,
        paid_limit: float | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.paid_limit = paid_limit
        self.monotonic = monotonic
        self.senders = 1
        self.factor = 1.0
        self._free = _Pace(1.0)
        self._paid = _Pace(1.0) if paid_limit is not None else None
        self._apply_rates()
        self._paused_until = 0.0
        self._pause_began = -math.inf
        self._next_recovery = math.inf
        self._waiting: deque[asyncio.Future[float]] = deque()  # replies, in order
        self._grantor: asyncio.Task[None] | None = None
        self._replies_drained = asyncio.Event()
        self.pauses = 0

    # -- rates ----------------------------------------------------------------------------

    def _apply_rates(self) -> None:
        self._free.rate = paced_rate(self.limit) * self.factor / self.senders
        if self._paid is not None and self.paid_limit is not None:
            self._paid.rate = paced_rate(self.paid_limit) * self.factor / self.senders

    @property
    def rate(self) -> float:
        """Bulk sends per second this process may make now (the dispatcher's pace)."""
        return (self._paid or self._free).rate

    def set_senders(self, senders: int) -> None:
        """How many processes send for this bot (each gets an equal share)."""
        self.senders = max(1, senders)
        self._apply_rates()

    # -- 429s ------------------------------------------------------------------------------

    @property
    def paused_until(self) -> float:
        return self._paused_until

    def rate_limited(self, departed: float, retry_after: float) -> bool:
        """Telegram answered 429 to a request that left at `departed`: pause everything for
        `retry_after`. True if this began a new pause (count it, log it); False for the answer
        to a request that had left before the current pause began (the same episode)."""
        now = self.monotonic()
        self._paused_until = max(self._paused_until, now + retry_after)
        if departed < self._pause_began:
            return False
        self._pause_began = now
        self.factor = max(BACKOFF_FLOOR, self.factor * BACKOFF)
        self._next_recovery = self._paused_until + RECOVERY_SECONDS
        self._apply_rates()
        self.pauses += 1
        return True

    def _recover(self, now: float) -> None:
        if now >= self._next_recovery:
            self.factor = min(1.0, self.factor + RECOVERY_STEP)
            self._next_recovery = now + RECOVERY_SECONDS if self.factor < 1.0 else math.inf
            self._apply_rates()

    # -- the gate --------------------------------------------------------------------------

    def _paces(self, lane: Lane) -> tuple[_Pace, ...]:
        if self._paid is None:
            return (self._free,)
        return (self._free, self._paid) if lane is Lane.INTERACTIVE else (self._paid,)

    def ready_at(self, lane: Lane, now: float) -> float:
        """When a `lane` request could leave, ignoring the others waiting."""
        at = self._paused_until
        for pace in self._paces(lane):
            at = max(at, pace.ready_at(now))
        return at

    def _take(self, lane: Lane, now: float) -> float:
        if self._next_recovery <= now:
            self._recover(now)
        for pace in self._paces(lane):
            pace.take(now)
        return now

    def waiting(self) -> int:
        """Replies waiting for their turn."""
        return len(self._waiting)

    def bulk_should_wait(self) -> bool:
        """Whether bulk sends should not even be prepared now: replies are queued for the same
        pace (in paid mode replies wait for the free pace, which bulk sends do not use)."""
        return self._paid is None and self._first() is not None

    async def replies_first(self) -> None:
        """Return once no reply waits for the pace bulk sends would take."""
        while self.bulk_should_wait():
            self._replies_drained.clear()
            await self._replies_drained.wait()

    def try_take(self, lane: Lane) -> float | None:
        """Take a slot now if one is free and no reply waits ahead of this request; returns
        the departure time, or None."""
        if self._first() is not None and (lane is Lane.INTERACTIVE or self._paid is None):
            return None
        now = self.monotonic()
        if self.ready_at(lane, now) > now:
            return None
        return self._take(lane, now)

    def enqueue(self) -> asyncio.Future[float]:
        """For a reply: a future that gets the departure time when its turn comes (replies
        are served in the order they asked)."""
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._waiting.append(future)
        if self._grantor is None or self._grantor.done():
            self._grantor = asyncio.create_task(self._grant(), name="flood budget: replies")
        return future

    async def acquire(self, lane: Lane) -> float:
        """Wait for this request's turn; returns its departure time (monotonic seconds).

        Replies queue in order (`enqueue`). A bulk send sleeps until a slot is free, and
        meanwhile lets every waiting reply go first: no queue, no task per send, which
        matters at 1000 sends a second."""
        if lane is Lane.INTERACTIVE:
            departed = self.try_take(lane)
            return departed if departed is not None else await self.enqueue()
        while True:
            await self.replies_first()
            now = self.monotonic()
            at = self.ready_at(Lane.BULK, now)
            if at <= now:
                return self._take(Lane.BULK, now)
            await asyncio.sleep(at - now)

    def wait_estimate(self) -> float:
        """Seconds a reply that joins now is likely to wait."""
        now = self.monotonic()
        ready = max(0.0, self.ready_at(Lane.INTERACTIVE, now) - now)
        return ready + len(self._waiting) / self._free.rate

    def _first(self) -> asyncio.Future[float] | None:
        queue = self._waiting
        while queue and queue[0].done():  # cancelled while waiting
            queue.popleft()
        if queue:
            return queue[0]
        self._replies_drained.set()
        return None

    async def _grant(self) -> None:
        """Hand out slots to waiting replies in order, each as soon as it is free."""
        while (first := self._first()) is not None:
            now = self.monotonic()
            at = self.ready_at(Lane.INTERACTIVE, now)
            if at > now:
                await asyncio.sleep(at - now)
                continue
            self._waiting.popleft()
            first.set_result(self._take(Lane.INTERACTIVE, now))
