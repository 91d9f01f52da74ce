"""The dispatcher: claim planned deliveries, send them at Telegram's pace, record every outcome.

Life of a delivery: planned -> (claimed) -> sending -> sent | retrying | failed | unknown |
skipped. Rows are marked `sending` and committed before their requests go out (in waves of the
messages due within WAVE_SECONDS), and successful sends are recorded in batches every
FLUSH_SECONDS; per-message transactions cost more than the sends. So after a crash the only
rows whose fate is unclear are the ones in flight: marked in the last wave, or sent but not yet
recorded. Under at-most-once they become `unknown` (never resent), under at-least-once they
are sent again.

Claims use FOR UPDATE SKIP LOCKED on PostgreSQL, so several processes can send from one queue
without taking the same row; each holds a `sender:` lease, and the configured rate is divided
between the live senders so that it holds in total. A claim whose sender's lease has lapsed
(the process died) is taken over at once, not after the claim's own expiry.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy import select as sa_select
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.request._requestparameter import RequestParameter

from domain.chats import migrate_chat
from domain.content.errors import RenderError
from domain.content.model import Library
from domain.i18n import Catalogs
from domain.models import (
    Chat,
    ChatKind,
    ChatStatus,
    ContentFlag,
    Delivery,
    DeliveryStatus,
    Lease,
    SystemEvent,
)
from scheduler.flood import FloodBudget, Lane
from scheduler.leases import SENDER_PREFIX, acquire, live_senders, release
from scheduler.ledger import WAITING, Outcome, apply_outcome, finish, record_sent
from scheduler.message import TipMessage, build_tip_message
from scheduler.outcomes import Classified, Verdict, backoff_seconds, classify
from scheduler.pacing import Pacer
from scheduler.transport import encoded, request_for

log = logging.getLogger(__name__)

CLAIM_SECONDS = 60.0
WAVE_SECONDS = 0.02  # messages marked 'sending' together are due within this window
FLUSH_SECONDS = 0.05  # successful sends are recorded at least this often
FLUSH_MAX = 500
SENDER_LEASE = timedelta(seconds=15)
GROUP_KINDS = frozenset({ChatKind.GROUP.value, ChatKind.SUPERGROUP.value})


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


@dataclass(frozen=True, slots=True)
class Prepared:
    """A tip message ready to send: rendered once, its sendMessage fields encoded once."""

    message: TipMessage
    fields: tuple[RequestParameter, ...]


@dataclass(frozen=True, slots=True)
class Claimed:
    delivery_id: int
    chat_id: int
    telegram_id: int
    is_group: bool
    chat_status: str
    tip_id: str
    language: str
    lane: str
    attempts: int


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
        self.catalogs = catalogs
        self.config = config
        self.holder = holder
        self.exclusive = exclusive
        self.clock = clock
        self.monotonic = monotonic
        # flood budget (issue 14): the bot's one budget, shared with replies; tips get what
        # replies leave, and the pace follows the budget's (margin, senders, 429 backoff).
        self.budget = budget if budget is not None else FloodBudget(config.rate)
        self.pacer = Pacer(self.budget.rate, config.chat_interval, config.group_per_minute)
        self._slots = asyncio.Semaphore(config.concurrency)
        self._in_flight: set[asyncio.Task[None]] = set()
        self._messages: dict[tuple[int, str, str], Prepared | RenderError] = {}
        self._stopping = asyncio.Event()
        self._sent_buffer: list[tuple[int, Outcome]] = []
        self._flush_lock = asyncio.Lock()
        self._flush_soon = asyncio.Event()
        self._flusher: asyncio.Task[None] | None = None
        self.sent_count = 0
        self.rate_limit_pauses = 0
        # Hooks for metrics (seconds per successful request; each 429).
        self.on_sent: Callable[[float], None] | None = None
        self.on_rate_limited: Callable[[], None] | None = None

    # -- the loop ------------------------------------------------------------------------

    async def run(self) -> None:
        """Send until stop() is called; in-flight sends finish before it returns."""
        await self.heartbeat()
        await self.recover_stale()
        next_heartbeat = self.monotonic() + SENDER_LEASE.total_seconds() / 3
        self.start_flusher()
        try:
            while not self._stopping.is_set():
                if self.monotonic() >= next_heartbeat:
                    await self.heartbeat()
                    next_heartbeat = self.monotonic() + SENDER_LEASE.total_seconds() / 3
                sent = await self.dispatch_batch()
                if sent == 0:
                    await self.recover_stale()
                    await self._idle()
        finally:
            await self.drain()
            await self.stop_flusher()
            await release(self.sessions, name=SENDER_PREFIX + self.holder, holder=self.holder)

    def stop(self) -> None:
        self._stopping.set()

    async def _idle(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), self.config.idle_seconds)

    async def heartbeat(self) -> None:
        now = self.clock()
        await acquire(
            self.sessions,
            name=SENDER_PREFIX + self.holder,
            holder=self.holder,
            now=now,
            ttl=SENDER_LEASE,
        )
        senders = await live_senders(self.sessions, now=now)
        self.budget.set_senders(senders)  # flood budget (issue 14)
        self.pacer.set_rate(self.budget.rate)

    async def drain(self) -> None:
        """Wait for every send already started, and write their outcomes."""
        if self._in_flight:
            await asyncio.gather(*self._in_flight, return_exceptions=True)
        await self.flush()

    # -- batched writes ------------------------------------------------------------------
    # Marking rows 'sending' and recording successful sends are done for many deliveries in
    # one transaction: one small transaction per message cost more than the send itself.

    def start_flusher(self) -> None:
        if self._flusher is None:
            self._flusher = asyncio.create_task(self._flush_loop(), name="outcome-flusher")

    async def stop_flusher(self) -> None:
        task, self._flusher = self._flusher, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.flush()

    async def _flush_loop(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._flush_soon.wait(), FLUSH_SECONDS)
            self._flush_soon.clear()
            try:
                await self.flush()
            except Exception:  # keep flushing; the rows stay 'sending' and are retried next time
                log.exception("could not record sent deliveries; will try again")

    async def flush(self) -> None:
        """Record every buffered successful send (one transaction)."""
        async with self._flush_lock:
            batch, self._sent_buffer = self._sent_buffer, []
            if not batch:
                return
            try:
                await record_sent(self.sessions, batch)
            except BaseException:
                self._sent_buffer[:0] = batch
                raise

    async def _mark_sending_many(self, ids: list[int]) -> set[int]:
        """Mark claimed rows 'sending' (attempts + 1); returns the ids that really were ours."""
        if not ids:
            return set()
        async with self.sessions() as session:
            connection = await session.connection()
            result = await connection.execute(
                update(Delivery)
                .where(
                    col(Delivery.id).in_(ids),
                    col(Delivery.claimed_by) == self.holder,
                    col(Delivery.status).in_(WAITING),
                )
                .values(status=DeliveryStatus.SENDING.value, attempts=col(Delivery.attempts) + 1)
                .returning(col(Delivery.id))
            )
            marked = {row[0] for row in result.all() if row[0] is not None}
            await session.commit()
        return marked

    async def dispatch_batch(self) -> int:
        """Claim a batch and send it at the paced times, in waves of messages that fall within
        WAVE_SECONDS of each other; returns how many were claimed."""
        claimed = await self.claim(self.config.batch_size)
        pending = deque(claimed)
        while pending:
            if self._stopping.is_set():
                await self.release_claims([c.delivery_id for c in pending])
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
        # flood budget (issue 14): replies waiting for the pace go first; follow its rate.
        await self.budget.replies_first()
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
            message = None if skip else self.message_for(item.tip_id, item.language)
            if skip is None and isinstance(message, Prepared):
                ready.append((item, message, at))
                continue
            now = self.clock()
            if skip is None and isinstance(message, RenderError):
                await self._finish(
                    item,
                    Outcome(
                        DeliveryStatus.FAILED,
                        now,
                        now,
                        item.telegram_id,
                        error_description=str(message),
                    ),
                )
                await self._flag(item, "render-error", str(message))
            else:
                reason = skip or "the tip is no longer in the library"
                await self._finish(
                    item, Outcome(DeliveryStatus.SKIPPED, now, now, item.telegram_id, reason=reason)
                )
        marked = await self._mark_sending_many([item.delivery_id for item, _, _ in ready])
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

    # -- claims --------------------------------------------------------------------------

    async def _live_holders(self, session: AsyncSession, now: datetime) -> list[str]:
        """Senders that are alive: every holder of an unexpired sender lease, and this one.
        With `exclusive` (SQLite, one process by lock) any other holder is a dead process."""
        if self.exclusive:
            return [self.holder]
        leases = await session.exec(
            select(Lease.holder).where(
                col(Lease.name).startswith(SENDER_PREFIX), col(Lease.expires_at) >= now
            )
        )
        return [self.holder, *leases.all()]

    def _abandoned(self, live: list[str], now: datetime) -> ColumnElement[bool]:
        """Claims nobody will finish: expired, or held by a sender that is gone."""
        return or_(col(Delivery.claim_expires_at) < now, col(Delivery.claimed_by).not_in(live))

    async def claim(self, limit: int) -> list[Claimed]:
        now = self.clock()
        async with self.sessions() as session:
            live = await self._live_holders(session, now)
            ids_query = (
                select(Delivery.id)
                .where(
                    col(Delivery.status).in_(WAITING),
                    col(Delivery.not_before) <= now,
                    or_(col(Delivery.claimed_by).is_(None), self._abandoned(live, now)),
                )
                .order_by(col(Delivery.not_before), col(Delivery.id))
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
            ids = list((await session.exec(ids_query)).all())
            if not ids:
                return []
            await session.exec(
                update(Delivery)
                .where(col(Delivery.id).in_(ids))
                .values(
                    claimed_by=self.holder, claim_expires_at=now + timedelta(seconds=CLAIM_SECONDS)
                )
            )
            # Plain columns, not ORM objects: hydrating thousands of objects blocks the event
            # loop for long enough to bunch up the paced sends waiting on it.
            connection = await session.connection()
            rows = await connection.execute(
                sa_select(
                    col(Delivery.id),
                    col(Chat.id),
                    col(Chat.telegram_id),
                    col(Chat.kind),
                    col(Chat.status),
                    col(Delivery.tip_id),
                    col(Chat.language),
                    col(Delivery.lane),
                    col(Delivery.attempts),
                )
                .join(Chat, col(Chat.id) == col(Delivery.chat_id))
                .where(col(Delivery.id).in_(ids))
                .order_by(col(Delivery.not_before), col(Delivery.id))
            )
            claimed = [
                Claimed(
                    delivery_id=delivery_id or 0,
                    chat_id=chat_id or 0,
                    telegram_id=telegram_id,
                    is_group=kind in GROUP_KINDS,
                    chat_status=status,
                    tip_id=tip_id,
                    language=language,
                    lane=lane,
                    attempts=attempts,
                )
                for (
                    delivery_id,
                    chat_id,
                    telegram_id,
                    kind,
                    status,
                    tip_id,
                    language,
                    lane,
                    attempts,
                ) in rows.all()
            ]
            await session.commit()
        return claimed

    async def release_claims(self, ids: list[int]) -> None:
        if not ids:
            return
        async with self.sessions() as session:
            await session.exec(
                update(Delivery)
                .where(col(Delivery.id).in_(ids), col(Delivery.claimed_by) == self.holder)
                .values(claimed_by=None, claim_expires_at=None)
            )
            await session.commit()

    async def recover_stale(self) -> int:
        """Rows left `sending` by a process that died: unknown (or resent under at-least-once)."""
        now = self.clock()
        async with self.sessions() as session:
            live = await self._live_holders(session, now)
            stale = (
                await session.exec(
                    select(Delivery).where(
                        col(Delivery.status) == DeliveryStatus.SENDING.value,
                        self._abandoned(live, now),
                    )
                )
            ).all()
            for row in stale:
                chat = await session.get(Chat, row.chat_id)
                status = (
                    DeliveryStatus.RETRYING if self.config.at_least_once else DeliveryStatus.UNKNOWN
                )
                outcome = Outcome(
                    status,
                    now,
                    now,
                    chat.telegram_id if chat else 0,
                    error_description="the sending process stopped before the outcome was known",
                )
                apply_outcome(session, row, outcome)
                row.not_before = now
            await session.commit()
        if stale:
            log.warning("%d delivery(ies) were in flight when a process stopped", len(stale))
        return len(stale)

    # -- one send ------------------------------------------------------------------------

    def message_for(self, tip_id: str, language: str) -> Prepared | RenderError | None:
        library = self.library()
        tip = library.tips.get(tip_id)
        if tip is None:
            return None
        key = (id(library), tip_id, language)
        cached = self._messages.get(key)
        if cached is None:
            if len(self._messages) > 5000:
                self._messages.clear()
            try:
                message = build_tip_message(
                    tip,
                    library,
                    language,
                    self.catalogs,
                    bot_username=self.bot.username,
                    today=self.clock().date(),
                )
                cached = Prepared(message, self._encode(message))
            except RenderError as exc:
                cached = exc
            self._messages[key] = cached
        return cached

    @property
    def _paid(self) -> bool | None:
        """allow_paid_broadcast: set only in paid mode (omitted otherwise)."""
        return True if self.config.paid_broadcast else None

    def _encode(self, message: TipMessage) -> tuple[RequestParameter, ...]:
        return encoded(
            {
                "text": message.html,
                "parse_mode": ParseMode.HTML.value,
                "reply_markup": message.keyboard.to_dict(),
                "link_preview_options": {"is_disabled": not message.link_preview},
                "allow_paid_broadcast": self._paid,
            }
        )

    async def _sleep_until(self, item: Claimed, at: float) -> None:
        """Wait for the booked slot; after a 429 that came meanwhile, book again past it. Then
        take a turn in the bot's flood budget (after any reply waiting for one)."""
        while True:
            now = self.monotonic()
            paused_until = self.budget.paused_until  # flood budget (issue 14)
            if paused_until > now and at < paused_until:
                await asyncio.sleep(paused_until - now)
                at = self.pacer.reserve(self.monotonic(), item.telegram_id, item.is_group)
                continue
            if at > now:
                await asyncio.sleep(at - now)
                continue
            await self.budget.acquire(Lane.BULK)  # flood budget (issue 14)
            return

    async def send_one(self, item: Claimed, prepared: Prepared) -> None:
        """Send one delivery already marked 'sending' and record the outcome."""
        started = self.clock()
        began = self.monotonic()
        try:
            message_id = await self._request(item, prepared)
        except Exception as exc:  # every failure is classified and recorded below
            await self._handle_failure(item, classify(exc), started, began)
            return
        self.sent_count += 1
        if self.on_sent is not None:
            self.on_sent(self.monotonic() - began)
        outcome = Outcome(
            DeliveryStatus.SENT, started, self.clock(), item.telegram_id, message_id=message_id
        )
        self._sent_buffer.append((item.delivery_id, outcome))
        if len(self._sent_buffer) >= FLUSH_MAX or self._flusher is None:
            self._flush_soon.set()
            if self._flusher is None:  # no background flusher (send_until_idle): write now
                await self.flush()

    def _skip_reason(self, item: Claimed) -> str | None:
        if item.chat_status != ChatStatus.ACTIVE.value:
            return f"chat is {item.chat_status}"
        tip = self.library().tips.get(item.tip_id)
        if tip is not None and tip.is_review_overdue(self.clock().date()):
            return "tip is past its review date"
        return None

    async def _request(self, item: Claimed, prepared: Prepared) -> int:
        """Send one tip; returns the new message's id. Text goes through PTB's request object
        with fields encoded once (scheduler.transport); PTB still maps every error answer."""
        message = prepared.message
        if message.image is not None:
            with message.image.open("rb") as photo:
                sent = await self.bot.send_photo(
                    item.telegram_id,
                    photo,
                    caption=message.html,
                    parse_mode=ParseMode.HTML,
                    reply_markup=message.keyboard,
                    allow_paid_broadcast=self._paid,
                )
            return sent.message_id
        result = await self.bot.request.post(
            f"{self.bot.base_url}/sendMessage", request_for(item.telegram_id, prepared.fields)
        )
        if not isinstance(result, dict) or not isinstance(result.get("message_id"), int):
            raise BadRequest(f"unexpected answer to sendMessage: {str(result)[:100]}")
        return int(result["message_id"])

    async def _handle_failure(
        self, item: Claimed, failure: Classified, started: datetime, departed: float
    ) -> None:
        now = self.clock()
        attempts = item.attempts + 1

        def outcome(status: DeliveryStatus, reason: str | None = None) -> Outcome:
            return Outcome(
                status,
                started,
                now,
                item.telegram_id,
                error_code=failure.code,
                error_description=failure.description,
                reason=reason,
            )

        verdict = failure.verdict
        if verdict is Verdict.AMBIGUOUS and self.config.at_least_once:
            verdict = Verdict.RETRY
        if verdict is Verdict.RATE_LIMITED:
            self.pacer.pause(self.monotonic(), failure.retry_after)
            # flood budget (issue 14): one pause per episode, not one per answer in flight.
            if self.budget.rate_limited(departed, failure.retry_after):
                self.rate_limit_pauses += 1
                if self.on_rate_limited is not None:
                    self.on_rate_limited()
                await self._event(
                    "rate-limited", f"429: all sending paused for {failure.retry_after:g} s"
                )
            await self._finish(
                item,
                outcome(DeliveryStatus.RETRYING),
                retry_at=now + timedelta(seconds=failure.retry_after),
            )
        elif verdict is Verdict.UNREACHABLE:
            await self._finish(
                item, outcome(DeliveryStatus.FAILED, "chat unreachable"), unreachable=True
            )
        elif verdict is Verdict.MIGRATED and failure.new_chat_id is not None:
            async with self.sessions() as session:
                await migrate_chat(
                    session, old_telegram_id=item.telegram_id, new_telegram_id=failure.new_chat_id
                )
                await session.commit()
            await self._finish(
                item, outcome(DeliveryStatus.RETRYING, "group became a supergroup"), retry_at=now
            )
        elif verdict is Verdict.CONTENT:
            await self._finish(item, outcome(DeliveryStatus.FAILED, "Telegram refused the message"))
            await self._flag(item, "telegram-refused", failure.description)
        elif verdict is Verdict.RETRY and attempts < self.config.max_attempts:
            await self._finish(
                item,
                outcome(DeliveryStatus.RETRYING),
                retry_at=now + timedelta(seconds=backoff_seconds(attempts)),
            )
        elif verdict is Verdict.AMBIGUOUS:
            await self._finish(item, outcome(DeliveryStatus.UNKNOWN, "may have been delivered"))
        elif verdict is Verdict.FATAL:
            await self._finish(
                item, outcome(DeliveryStatus.RETRYING), retry_at=now + timedelta(minutes=1)
            )
            raise FatalSendError(failure.description)
        else:
            await self._finish(item, outcome(DeliveryStatus.FAILED))

    async def _finish(
        self,
        item: Claimed,
        outcome: Outcome,
        *,
        retry_at: datetime | None = None,
        unreachable: bool = False,
    ) -> None:
        async with self.sessions() as session:
            await finish(
                session, item.delivery_id, outcome, retry_at=retry_at, unreachable=unreachable
            )
            await session.commit()

    async def _flag(self, item: Claimed, kind: str, description: str) -> None:
        now = self.clock()
        async with self.sessions() as session:
            existing = (
                await session.exec(
                    select(ContentFlag).where(
                        col(ContentFlag.tip_id) == item.tip_id,
                        col(ContentFlag.language) == item.language,
                        col(ContentFlag.kind) == kind,
                    )
                )
            ).one_or_none()
            if existing is None:
                session.add(
                    ContentFlag(
                        tip_id=item.tip_id,
                        language=item.language,
                        kind=kind,
                        description=description[:300],
                        first_seen=now,
                        last_seen=now,
                    )
                )
            else:
                existing.count += 1
                existing.last_seen = now
                existing.description = description[:300]
            await session.commit()
        log.error("tip %s (%s) cannot be sent: %s", item.tip_id, item.language, description)

    async def _event(self, kind: str, detail: str) -> None:
        async with self.sessions() as session:
            session.add(SystemEvent(kind=kind, detail=detail[:500], at=self.clock()))
            await session.commit()
        log.warning("%s", detail)
