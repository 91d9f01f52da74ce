"""Successful sends recorded in batches: one transaction every FLUSH_SECONDS (or FLUSH_MAX
sends) instead of one per message, which cost more than the send itself."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.tasks import cancel_and_wait
from scheduler.ledger import Outcome, record_sent

log = logging.getLogger(__name__)

FLUSH_SECONDS = 0.05
FLUSH_MAX = 500


class SentRecorder:
    """Buffers successful sends and writes them in the background (or at once when stopped)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions
        self._buffer: list[tuple[int, Outcome]] = []
        self._lock = asyncio.Lock()
        self._soon = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name="outcome-flusher")

    async def stop(self) -> None:
        task, self._task = self._task, None
        await cancel_and_wait(task)
        await self.flush()

    async def add(self, delivery_id: int, outcome: Outcome) -> None:
        self._buffer.append((delivery_id, outcome))
        if self._task is None:  # no background writer: write now
            await self.flush()
        elif len(self._buffer) >= FLUSH_MAX:
            self._soon.set()

    async def _loop(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._soon.wait(), FLUSH_SECONDS)
            self._soon.clear()
            try:
                await self.flush()
            except Exception:  # keep flushing; the rows stay 'sending' and are retried next time
                log.exception("could not record sent deliveries; will try again")

    async def flush(self) -> None:
        """Record every buffered successful send (one transaction)."""
        async with self._lock:
            batch, self._buffer = self._buffer, []
            if not batch:
                return
            try:
                await record_sent(self.sessions, batch)
            except BaseException:
                self._buffer[:0] = batch
                raise
