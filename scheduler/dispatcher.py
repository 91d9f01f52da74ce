"""The dispatcher: claim planned deliveries, send them at Telegram's pace, record every outcome.

Life of a delivery: planned -> (claimed) -> sending -> sent | retrying | failed | unknown |
skipped. Rows are marked `sending` and committed before their requests go out (in waves of the
messages due within WAVE_SECONDS), and successful sends are recorded in batches
(scheduler.flusher); per-message transactions cost more than the sends. So after a crash the only
rows whose fate is unclear are the ones in flight: marked in the last wave, or sent but not yet
recorded. Under at-most-once they become `unknown` (never resent), under at-least-once they
are sent again.

Several processes can send from one queue (PostgreSQL): each holds a `sender:` lease and sends
and claims at its share of the rate. SQL: scheduler.ledger; failure policy: scheduler.outcomes;
the request: scheduler.sending.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Bot

from domain.content.errors import RenderError
from domain.content.model import Library
from domain.i18n import Catalogs
from domain.models import ChatStatus, DeliveryStatus
from scheduler import ledger
from scheduler.flood import FloodBudget, Lane
from scheduler.flusher import SentRecorder
from scheduler.leases import SenderLease
from scheduler.ledger import Claimed, Outcome
from scheduler.outcomes import RENDER_FLAG, Decision, classify, decide
from scheduler.pacing import Pacer
from scheduler.sending import Prepared, TipMessages, send_prepared

log = logging.getLogger(__name__)

CLAIM_HORIZON = 1.0  # with several senders, each claims about this many seconds of its share
WAVE_SECONDS = 0.02  # messages marked 'sending' together are due within this window


@dataclass(frozen=True)
class DispatchConfig:
    rate: float
    chat_interval: float = 1.0
    group_per_minute: int = 20
    paid_broadcast: bool = False
    at_least_once: bool = False
    max_attempts: int = 5
    batch_size: int = 200
    concurrency: int = 64
    idle_seconds: float = 0.5


class FatalSendError(RuntimeError):
    """The bot cannot send at all (bad token, another poller); sending stops."""


class Dispatcher:
    def __init__(
        self,
        *,
        bot: Bot,
        sessions: async_sessionmaker[AsyncSession],
        library: Callable[[], Library],
        catalogs: Catalogs,
        config: DispatchConfig,
        holder: str,
        clock: Callable[[], datetime],
        monotonic: Callable[[], float] = time.monotonic,
        exclusive: bool = False,
        budget: FloodBudget | None = None,
    ) -> None:
        self.bot = bot
        self.sessions = sessions
        self.library = library
        self.config = config
        self.holder = holder
        self.exclusive = exclusive
        self.clock = clock
        self.monotonic = monotonic
        # The bot's one flood budget, shared with replies: tips get what replies leave, at the
        # budget's pace (margin, share between senders, backing off after a 429).
        self.budget = budget if budget is not None else FloodBudget(config.rate)
        self.pacer = Pacer(self.budget.rate, config.chat_interval, config.group_per_minute)
        self.senders = 1  # live senders sharing the rate, as last counted
        self.lease = SenderLease(sessions, holder, clock, self._share)
        self._slots = asyncio.Semaphore(config.concurrency)
        self._in_flight: set[asyncio.Task[None]] = set()
        self.messages = TipMessages(
            bot=bot, library=library, catalogs=catalogs, clock=clock, paid=config.paid_broadcast
        )
        self._stopping = asyncio.Event()
        self.recorder = SentRecorder(sessions)
        self.sent_count = 0
        self.rate_limit_pauses = 0
        # Hooks for metrics (seconds per successful request; each 429), set by the engine.
        self.on_sent: Callable[[float], None] | None = None
        self.on_rate_limited: Callable[[], None] | None = None

    # -- the loop ------------------------------------------------------------------------

    async def run(self) -> None:
        """Send until stop() is called; in-flight sends finish before it returns."""
        async with self.sending():
            while not self._stopping.is_set():
                if await self.dispatch_batch() == 0:
                    await self.lease.count()  # a sender that just started gets its share
                    await self.recover_stale()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._stopping.wait(), self.config.idle_seconds)

    @contextlib.asynccontextmanager
    async def sending(self) -> AsyncIterator[None]:
        """Be a sender meanwhile: hold the sender lease, recover what processes that are gone
        left in flight, record sent deliveries; at the end finish in-flight sends, leave."""
        await self.lease.hold()
        await self.recover_stale()
        self.recorder.start()
        try:
            yield
        finally:
            await self.drain()
            await self.recorder.stop()
            await self.lease.give_up()

    def stop(self) -> None:
        self._stopping.set()

    def _share(self, senders: int) -> None:
        """Share the rate with the other live senders."""
        self.senders = senders
        self.budget.set_senders(senders)
        self.pacer.set_rate(self.budget.rate)

    async def drain(self) -> None:
        """Wait for every send already started, and write their outcomes."""
        if self._in_flight:
            await asyncio.gather(*self._in_flight, return_exceptions=True)
        await self.recorder.flush()

    async def recover_stale(self) -> int:  # rows in flight in processes that are gone
        return await ledger.recover_stale(
            self.sessions,
            holder=self.holder,
            exclusive=self.exclusive,
            now=self.clock(),
            at_least_once=self.config.at_least_once,
        )

    # -- waves -----------------------------------------------------------------------------

    def batch_limit(self) -> int:
        """How many rows to claim at once. Alone: a whole batch. With other senders: what this
        process sends in CLAIM_HORIZON at its share of the rate, so every sender claims about
        as fast as it sends and a small broadcast is spread over all of them, not one."""
        if self.senders <= 1:
            return self.config.batch_size
        share = math.ceil(self.pacer.rate * CLAIM_HORIZON)
        return max(1, min(self.config.batch_size // self.senders, share))

    async def dispatch_batch(self, *, due: datetime | None = None) -> int:
        """Claim a batch of deliveries due by `due` (default: now) and send it at the paced
        times, in waves of messages within WAVE_SECONDS of each other; returns how many were
        claimed."""
        now = self.clock()
        claimed = await ledger.claim(
            self.sessions,
            holder=self.holder,
            exclusive=self.exclusive,
            now=now,
            due=now if due is None else due,
            limit=self.batch_limit(),
        )
        pending = deque(claimed)
        while pending:
            if self._stopping.is_set():
                ids = [c.delivery_id for c in pending]
                await ledger.release_claims(self.sessions, holder=self.holder, ids=ids)
                break
            wave = await self._book_wave(pending)
            for item, message, at in await self._prepare(wave):
                await self._slots.acquire()
                task = asyncio.create_task(self._send_guarded(item, message, at))
                self._in_flight.add(task)
                task.add_done_callback(self._done)
        return len(claimed)

    async def _book_wave(self, pending: deque[Claimed]) -> list[tuple[Claimed, float]]:
        """Reserve pacer slots for the next messages due within WAVE_SECONDS of the first."""
        first = pending[0]
        await self.budget.replies_first()  # replies waiting for a turn go first
        self.pacer.set_rate(self.budget.rate)
        while True:
            now = self.monotonic()
            start = self.pacer.earliest(now, first.telegram_id, first.is_group)
            if start - now <= WAVE_SECONDS:
                break
            await asyncio.sleep(start - now - WAVE_SECONDS / 2)
        wave: list[tuple[Claimed, float]] = []
        limit = max(1, int(self.pacer.rate * WAVE_SECONDS * 2))
        while pending and len(wave) < limit:
            item, now = pending[0], self.monotonic()
            due = self.pacer.earliest(now, item.telegram_id, item.is_group)
            if wave and due > start + WAVE_SECONDS:
                break
            wave.append((item, self.pacer.reserve(now, item.telegram_id, item.is_group)))
            pending.popleft()
        return wave

    async def _prepare(
        self, wave: list[tuple[Claimed, float]]
    ) -> list[tuple[Claimed, Prepared, float]]:
        """Settle what needs no request (skips, unrenderable tips), mark the rest 'sending'."""
        ready: list[tuple[Claimed, Prepared, float]] = []
        for item, at in wave:
            skip = self._skip_reason(item)
            message = None if skip else self.messages.get(item.tip_id, item.language)
            if skip is None and isinstance(message, Prepared):
                ready.append((item, message, at))
                continue
            now = self.clock()
            if skip is None and isinstance(message, RenderError):
                error = str(message)
                outcome = Outcome(
                    DeliveryStatus.FAILED, now, now, item.telegram_id, error_description=error
                )
                decision = Decision(DeliveryStatus.FAILED, flag=RENDER_FLAG)
            else:
                reason = skip or "the tip is no longer in the library"
                outcome = Outcome(DeliveryStatus.SKIPPED, now, now, item.telegram_id, reason=reason)
                decision = Decision(DeliveryStatus.SKIPPED, reason)
            await self._settle(item, outcome, decision)
        ids = [item.delivery_id for item, _, _ in ready]
        marked = await ledger.mark_sending(self.sessions, holder=self.holder, ids=ids)
        return [entry for entry in ready if entry[0].delivery_id in marked]

    def _done(self, task: asyncio.Task[None]) -> None:
        self._in_flight.discard(task)
        self._slots.release()

    async def _send_guarded(self, item: Claimed, message: Prepared, at: float) -> None:
        try:
            await self._sleep_until(item, at)
            await self.send_one(item, message)
        except FatalSendError:
            log.critical("sending stopped: the bot cannot send (check the token)")
            self.stop()
        except Exception:
            log.exception("delivery %s failed unexpectedly", item.delivery_id)

    async def _sleep_until(self, item: Claimed, at: float) -> None:
        """Wait for the booked slot; after a 429 that came meanwhile, book again past it. Then
        take a turn in the bot's flood budget (after any reply waiting for one)."""
        while True:
            now = self.monotonic()
            paused_until = self.budget.paused_until
            if paused_until > now and at < paused_until:
                await asyncio.sleep(paused_until - now)
                at = self.pacer.reserve(self.monotonic(), item.telegram_id, item.is_group)
                continue
            if at > now:
                await asyncio.sleep(at - now)
                continue
            await self.budget.acquire(Lane.BULK)
            return

    # -- one send ------------------------------------------------------------------------

    def _skip_reason(self, item: Claimed) -> str | None:
        if item.chat_status != ChatStatus.ACTIVE.value:
            return f"chat is {item.chat_status}"
        tip = self.library().tips.get(item.tip_id)
        if tip is not None and tip.is_review_overdue(self.clock().date()):
            return "tip is past its review date"
        return None

    async def send_one(self, item: Claimed, prepared: Prepared) -> None:
        """Send one delivery already marked 'sending' and record the outcome."""
        started = self.clock()
        began = self.monotonic()
        try:
            message_id = await send_prepared(self.bot, item.telegram_id, prepared)
        except Exception as exc:  # every failure is classified and recorded below
            await self._failed(item, exc, started, began)
            return
        self.sent_count += 1
        if self.on_sent is not None:
            self.on_sent(self.monotonic() - began)
        outcome = Outcome(
            DeliveryStatus.SENT, started, self.clock(), item.telegram_id, message_id=message_id
        )
        await self.recorder.add(item.delivery_id, outcome)

    async def _failed(
        self, item: Claimed, exc: Exception, started: datetime, departed: float
    ) -> None:
        failure = classify(exc)
        decision = decide(
            failure,
            attempts=item.attempts + 1,
            at_least_once=self.config.at_least_once,
            max_attempts=self.config.max_attempts,
        )
        if decision.pause_all:
            self.pacer.pause(self.monotonic(), decision.pause_all)
            # One pause per episode: answers to requests that left before it began are the same
            # 429, so they neither count again nor log another event.
            if self.budget.rate_limited(departed, decision.pause_all):
                self.rate_limit_pauses += 1
                if self.on_rate_limited is not None:
                    self.on_rate_limited()
            else:
                decision = replace(decision, pause_all=0.0)
        outcome = Outcome(
            decision.status,
            started,
            self.clock(),
            item.telegram_id,
            error_code=failure.code,
            error_description=failure.description,
            reason=decision.reason,
        )
        await self._settle(item, outcome, decision)
        if decision.fatal:
            raise FatalSendError(failure.description)

    async def _settle(self, item: Claimed, outcome: Outcome, decision: Decision) -> None:
        await ledger.settle(
            self.sessions,
            delivery_id=item.delivery_id,
            tip_id=item.tip_id,
            language=item.language,
            outcome=outcome,
            decision=decision,
        )
