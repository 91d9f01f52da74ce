"""The receiver lease: one process receives updates; a crashed one is not waited for."""

from __future__ import annotations

import os
import socket
import subprocess
from datetime import timedelta

import pytest

from bot.receiving import AnotherReceiver, release_receiver_lease, take_receiver_lease
from domain.models import Lease
from scheduler.leases import RECEIVER, acquire, process_holder
from tests.bot.harness import running_bot


def dead_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


@pytest.mark.parametrize(
    ("holder", "refused"),
    [
        (f"{socket.gethostname()}:{os.getppid()}:abc123", True),  # alive on this host
        ("elsewhere:1:abc123", True),  # another machine: only its lease expiry tells
        (f"{socket.gethostname()}:{dead_pid()}:abc123", False),  # crashed here: taken over
    ],
    ids=["alive-here", "elsewhere", "crashed-here"],  # the same in every test process
)
async def test_a_live_receiver_refuses_a_second_and_a_crashed_one_is_taken_over(
    migrated_url: str, holder: str, refused: bool
) -> None:
    async with running_bot(migrated_url) as bot:
        sessions = bot.services.sessions
        ttl = timedelta(seconds=30)
        assert await acquire(sessions, name=RECEIVER, holder=holder, now=bot.clock(), ttl=ttl)
        if refused:
            with pytest.raises(AnotherReceiver):
                await take_receiver_lease(bot.app)
            expected = holder
        else:
            await take_receiver_lease(bot.app)
            expected = process_holder()
        async with sessions() as session:
            lease = await session.get(Lease, RECEIVER)
        assert lease is not None and lease.holder == expected
        await release_receiver_lease(bot.app)
