"""Named leases in the database: one planner across processes, and a count of live senders.

A lease is a row (name, holder, expires_at). Taking it is one conditional UPDATE (or an INSERT
when the row is missing), so two processes can never both hold it, on SQLite or PostgreSQL.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import socket
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.models import Lease
from domain.tasks import cancel_and_wait

log = logging.getLogger(__name__)

PLANNER = "planner"
SENDER_PREFIX = "sender:"
RECEIVER = "receiver"  # the one process receiving updates (bot.receiving)


def new_holder() -> str:
    """A name for one sender: host, process id and a random part (pids are reused)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@functools.cache
def process_holder() -> str:
    """This process's name as a sender: the delivery engine `tipsbot run` starts holds the
    sender lease under it, and the on-demand lane claims its rows with it."""
    return new_holder()


async def acquire(
    sessions: async_sessionmaker[AsyncSession],
    *,
    name: str,
    holder: str,
    now: datetime,
    ttl: timedelta,
) -> bool:
    """Take or renew the lease; False when another live holder has it."""
    async with sessions() as session:
        result = await session.exec(
            update(Lease)
            .where(
                col(Lease.name) == name,
                or_(col(Lease.holder) == holder, col(Lease.expires_at) < now),
            )
            .values(holder=holder, expires_at=now + ttl, heartbeat_at=now)
        )
        if result.rowcount:
            await session.commit()
            return True
        if await session.get(Lease, name) is not None:
            return False
        session.add(Lease(name=name, holder=holder, expires_at=now + ttl, heartbeat_at=now))
        try:
            await session.commit()
        except IntegrityError:  # another process inserted it first
            return False
        return True


async def release(sessions: async_sessionmaker[AsyncSession], *, name: str, holder: str) -> None:
    async with sessions() as session:
        lease = await session.get(Lease, name)
        if lease is not None and lease.holder == holder:
            await session.delete(lease)
            await session.commit()


async def live_senders(sessions: async_sessionmaker[AsyncSession], *, now: datetime) -> int:
    """How many processes are sending now (each holds a `sender:<id>` lease)."""
    async with sessions() as session:
        count = await session.exec(
            select(func.count())
            .select_from(Lease)
            .where(col(Lease.name).startswith(SENDER_PREFIX), col(Lease.expires_at) >= now)
        )
        return max(1, count.one())


class SenderLease:
    """One sender's `sender:<holder>` lease: taken and renewed (in the background while
    sending, however long a batch takes), counted with the others', given up at the end."""

    TTL = timedelta(seconds=15)

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        holder: str,
        clock: Callable[[], datetime],
        on_count: Callable[[int], None],
    ) -> None:
        self.sessions = sessions
        self.holder = holder
        self.clock = clock
        self.on_count = on_count  # told how many senders are live after each renewal or count
        self._task: asyncio.Task[None] | None = None

    async def renew(self) -> None:
        now = self.clock()
        name = SENDER_PREFIX + self.holder
        await acquire(self.sessions, name=name, holder=self.holder, now=now, ttl=self.TTL)
        await self.count()

    async def count(self) -> None:
        self.on_count(await live_senders(self.sessions, now=self.clock()))

    async def hold(self) -> None:
        """Take the lease and keep renewing it in the background until give_up()."""
        await self.renew()
        if self._task is None:
            self._task = asyncio.create_task(self._keep(), name="sender-lease")

    async def _keep(self) -> None:
        while True:
            await asyncio.sleep(self.TTL.total_seconds() / 3)
            try:
                await self.renew()
            except Exception:  # the database may be back at the next beat
                log.exception("could not renew the sender lease")

    async def give_up(self) -> None:
        task, self._task = self._task, None
        await cancel_and_wait(task)
        await release(self.sessions, name=SENDER_PREFIX + self.holder, holder=self.holder)
