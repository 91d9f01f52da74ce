"""Named leases in the database: one planner across processes, and a count of live senders.

A lease is a row (name, holder, expires_at). Taking it is one conditional UPDATE (or an INSERT
when the row is missing), so two processes can never both hold it, on SQLite or PostgreSQL.
"""

from __future__ import annotations

import functools
import os
import socket
import uuid
from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.models import Lease

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
