"""A second `tipsbot run` on PostgreSQL is refused and leaves the first one running (two
pollers would end each other's getUpdates with 409 Conflict, and both would stop)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bot.harness import process_env
from tests.e2e.tipsbot_process import STDOUT, run_tipsbot, running_tipsbot
from tests.fakebotapi import FakeBotAPI


@pytest.mark.postgres
async def test_a_second_run_is_refused_and_the_first_keeps_running(
    migrated_url: str, tmp_path: Path
) -> None:
    if not migrated_url.startswith("postgresql"):
        pytest.skip("SQLite refuses a second process by its file lock (test_run_command)")
    async with FakeBotAPI() as api:
        env = process_env(api, migrated_url)
        async with running_tipsbot("run", env=env, cwd=tmp_path) as first:
            await first.read_until("tipsbot started", seconds=60)
            polls = sum(c.method == "getUpdates" for c in api.calls)
            code, out, _ = await run_tipsbot(
                "run", env=env, cwd=tmp_path, seconds=60, stderr=STDOUT
            )
            assert code == 1
            assert "already receiving updates" in out
            assert "Traceback" not in out
            assert first.returncode is None  # the first one is still running ...
            parent = api.make_user("Ana", language_code="en")
            api.send_text(parent, "/start")
            reply = await api.wait_for(lambda m: m.chat_id == parent.id, timeout=20)
            assert reply.plain_text.strip()  # ... and still answering
            assert sum(c.method == "getUpdates" for c in api.calls) > polls
            assert await first.stop() == 0
