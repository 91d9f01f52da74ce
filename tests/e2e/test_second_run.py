"""A second `tipsbot run` on PostgreSQL is refused and leaves the first one running (two
pollers would end each other's getUpdates with 409 Conflict, and both would stop)."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

import pytest

from tests.bot.harness import process_env
from tests.e2e.test_run_command import _read_until
from tests.fakebotapi import FakeBotAPI


async def tipsbot_run(env: dict[str, str], cwd: Path) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )


@pytest.mark.postgres
async def test_a_second_run_is_refused_and_the_first_keeps_running(
    migrated_url: str, tmp_path: Path
) -> None:
    if not migrated_url.startswith("postgresql"):
        pytest.skip("SQLite refuses a second process by its file lock (test_run_command)")
    async with FakeBotAPI() as api:
        env = process_env(api, migrated_url)
        first = await tipsbot_run(env, tmp_path)
        assert first.stdout is not None
        try:
            await _read_until(first.stdout, "tipsbot started", seconds=60)
            polls = sum(c.method == "getUpdates" for c in api.calls)
            second = await tipsbot_run(env, tmp_path)
            out, _ = await asyncio.wait_for(second.communicate(), 60)
            assert second.returncode == 1
            assert "already receiving updates" in out.decode()
            assert "Traceback" not in out.decode()
            assert first.returncode is None  # the first one is still running ...
            parent = api.make_user("Ana", language_code="en")
            api.send_text(parent, "/start")
            reply = await api.wait_for(lambda m: m.chat_id == parent.id, timeout=20)
            assert reply.plain_text.strip()  # ... and still answering
            assert sum(c.method == "getUpdates" for c in api.calls) > polls
            first.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(first.wait(), 30) == 0
        finally:
            if first.returncode is None:
                first.kill()
                await first.wait()
