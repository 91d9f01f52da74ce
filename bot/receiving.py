"""One process receives the bot's updates: a `receiver` lease in the database.

Telegram lets one getUpdates poll (or a webhook) serve a token; a second poller does not fail
alone: each poll ends the other's with 409 Conflict, so both would stop. A second `tipsbot run`
(PostgreSQL; SQLite takes one process anyway) therefore checks this lease before it polls or
sets the webhook and refuses to start while the first is alive, leaving the first running. The
lease is renewed every RENEW_SECONDS; a holder on this host whose process is gone (a crash) is
not waited for.
"""

from __future__ import annotations

import os
import socket
from datetime import timedelta

from sqlalchemy import delete
from sqlmodel import col

from bot.context import BotContext, TipsApplication
from domain.models import Lease
from scheduler.leases import RECEIVER, acquire, process_holder, release

RECEIVER_LEASE = timedelta(seconds=30)
RENEW_SECONDS = 10.0


class AnotherReceiver(RuntimeError):
    """Another live tipsbot process receives this bot's updates."""


def _gone(holder: str) -> bool:
    """True when `holder` names a process on this host that no longer exists."""
    host, _, rest = holder.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        return False
    return False


async def take_receiver_lease(application: TipsApplication) -> None:
    """Become the one receiver, or raise AnotherReceiver; renewed by a job until released."""
    services = application.bot_data.services
    sessions, holder = services.sessions, process_holder()
    for _ in range(2):
        now = services.clock()
        if await acquire(sessions, name=RECEIVER, holder=holder, now=now, ttl=RECEIVER_LEASE):
            break
        async with sessions() as session:
            lease = await session.get(Lease, RECEIVER)
            other = lease.holder if lease is not None else ""
            if not other or not _gone(other):
                raise AnotherReceiver(other)
            await session.exec(
                delete(Lease).where(col(Lease.name) == RECEIVER, col(Lease.holder) == other)
            )
            await session.commit()
    else:
        raise AnotherReceiver("")
    jobs = application.job_queue
    assert jobs is not None
    jobs.run_repeating(renew, interval=RENEW_SECONDS, first=RENEW_SECONDS, name="receiver")


async def renew(context: BotContext) -> None:
    services = context.services
    await acquire(
        services.sessions,
        name=RECEIVER,
        holder=process_holder(),
        now=services.clock(),
        ttl=RECEIVER_LEASE,
    )


async def release_receiver_lease(application: TipsApplication) -> None:
    sessions = application.bot_data.services.sessions
    await release(sessions, name=RECEIVER, holder=process_holder())
