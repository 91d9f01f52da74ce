"""The dispatcher: claim planned deliveries, send them at Telegram's pace, record every outcome.

Life of a delivery: planned -> (claimed) -> sending -> sent | retrying | failed | unknown |
skipped. A row is marked `sending` and committed before its request goes out, so after a crash
the only rows whose fate is unclear are the ones that were in flight; under at-most-once they
become `unknown` (never resent), under at-least-once they are sent again.

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
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Bot, LinkPreviewOptions, Message
from telegram.constants import ParseMode

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
from scheduler.leases import SENDER_PREFIX, acquire, live_senders, release
from scheduler.ledger import WAITING, Outcome, apply_outcome, finish
from scheduler.message import TipMessage, build_tip_message
from scheduler.outcomes import Classified, Verdict, backoff_seconds, classify
from scheduler.pacing import Pacer

log = logging.getLogger(__name__)

CLAIM_SECONDS = 60.0
SENDER_LEASE = timedelta(seconds=15)


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
        self.pacer = Pacer(config.rate, config.chat_interval, config.group_per_minute)
        self._slots = asyncio.Semaphore(config.concurrency)
        self._in_flight: set[asyncio.Task[None]] = set()
        self._messages: dict[tuple[int, str, str], TipMessage | RenderError] = {}
        self._stopping = asyncio.Event()
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
        self.pacer.set_rate(self.config.rate / senders)

    async def drain(self) -> None:
        """Wait for every send already started."""
        if self._in_flight:
            await asyncio.gather(*self._in_flight, return_exceptions=True)

    async def dispatch_batch(self) -> int:
        """Claim a batch and start sending it at the paced times; returns how many were claimed."""
        claimed = await self.claim(self.config.batch_size)
        for index, item in enumerate(claimed):
            if self._stopping.is_set():
                await self.release_claims([c.delivery_id for c in claimed[index:]])
                break
            await self._wait_for_slot(item)
            await self._slots.acquire()
            task = asyncio.create_task(self._send_guarded(item))
            self._in_flight.add(task)
            task.add_done_callback(self._done)
        return len(claimed)

    async def _wait_for_slot(self, item: Claimed) -> None:
        """Sleep until the pacer allows this message, then book it. Looks again after each
        sleep, so a 429 that arrives meanwhile holds back messages not yet sent."""
        while True:
            now = self.monotonic()
            at = self.pacer.earliest(now, item.telegram_id, item.is_group)
            if at <= now:
                self.pacer.reserve(now, item.telegram_id, item.is_group)
                return
            await asyncio.sleep(at - now)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._in_flight.discard(task)
        self._slots.release()

    async def _send_guarded(self, item: Claimed) -> None:
        try:
            await self.send_one(item)
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
            rows = await session.exec(
                select(Delivery, Chat)
                .join(Chat, col(Chat.id) == col(Delivery.chat_id))
                .where(col(Delivery.id).in_(ids))
                .order_by(col(Delivery.not_before), col(Delivery.id))
            )
            claimed = [
                Claimed(
                    delivery_id=d.id or 0,
                    chat_id=c.id or 0,
                    telegram_id=c.telegram_id,
                    is_group=c.kind in (ChatKind.GROUP.value, ChatKind.SUPERGROUP.value),
                    chat_status=c.status,
                    tip_id=d.tip_id,
                    language=c.language,
                    lane=d.lane,
                    attempts=d.attempts,
                )
                for d, c in rows.all()
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

    def message_for(self, tip_id: str, language: str) -> TipMessage | RenderError | None:
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
                cached = build_tip_message(
                    tip,
                    library,
                    language,
                    self.catalogs,
                    bot_username=self.bot.username,
                    today=self.clock().date(),
                )
            except RenderError as exc:
                cached = exc
            self._messages[key] = cached
        return cached

    async def send_one(self, item: Claimed) -> None:
        skip = self._skip_reason(item)
        if skip is not None:
            await self._finish(
                item,
                Outcome(
                    DeliveryStatus.SKIPPED,
                    self.clock(),
                    self.clock(),
                    item.telegram_id,
                    reason=skip,
                ),
            )
            return
        message = self.message_for(item.tip_id, item.language)
        if message is None or isinstance(message, RenderError):
            reason = str(message) if message else "the tip is no longer in the library"
            status = DeliveryStatus.FAILED if message else DeliveryStatus.SKIPPED
            await self._finish(
                item,
                Outcome(
                    status,
                    self.clock(),
                    self.clock(),
                    item.telegram_id,
                    error_description=reason if message else None,
                    reason=None if message else reason,
                ),
            )
            if isinstance(message, RenderError):
                await self._flag(item, "render-error", reason)
            return
        if not await self._mark_sending(item):
            return
        started = self.clock()
        began = self.monotonic()
        try:
            sent = await self._request(item, message)
        except Exception as exc:  # every failure is classified and recorded below
            await self._handle_failure(item, classify(exc), started)
            return
        self.sent_count += 1
        if self.on_sent is not None:
            self.on_sent(self.monotonic() - began)
        await self._finish(
            item,
            Outcome(
                DeliveryStatus.SENT,
                started,
                self.clock(),
                item.telegram_id,
                message_id=sent.message_id,
            ),
        )

    def _skip_reason(self, item: Claimed) -> str | None:
        if item.chat_status != ChatStatus.ACTIVE.value:
            return f"chat is {item.chat_status}"
        tip = self.library().tips.get(item.tip_id)
        if tip is not None and tip.is_review_overdue(self.clock().date()):
            return "tip is past its review date"
        return None

    async def _request(self, item: Claimed, message: TipMessage) -> Message:
        paid = True if self.config.paid_broadcast else None
        if message.image is not None:
            with message.image.open("rb") as photo:
                return await self.bot.send_photo(
                    item.telegram_id,
                    photo,
                    caption=message.html,
                    parse_mode=ParseMode.HTML,
                    reply_markup=message.keyboard,
                    allow_paid_broadcast=paid,
                )
        return await self.bot.send_message(
            item.telegram_id,
            message.html,
            parse_mode=ParseMode.HTML,
            reply_markup=message.keyboard,
            link_preview_options=LinkPreviewOptions(is_disabled=not message.link_preview),
            allow_paid_broadcast=paid,
        )

    async def _mark_sending(self, item: Claimed) -> bool:
        async with self.sessions() as session:
            result = await session.exec(
                update(Delivery)
                .where(
                    col(Delivery.id) == item.delivery_id,
                    col(Delivery.claimed_by) == self.holder,
                    col(Delivery.status).in_(WAITING),
                )
                .values(status=DeliveryStatus.SENDING.value, attempts=col(Delivery.attempts) + 1)
            )
            await session.commit()
            return bool(result.rowcount)

    async def _handle_failure(self, item: Claimed, failure: Classified, started: datetime) -> None:
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
