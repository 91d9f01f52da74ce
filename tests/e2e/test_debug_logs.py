"""`tipsbot run` with LOG_LEVEL=DEBUG: users' names and texts never reach the log, and the
Markdown parser does not flood it at start-up."""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from pathlib import Path

from tests.bot.harness import process_env
from tests.e2e.test_run_command import _read_until
from tests.fakebotapi import FakeBotAPI

NAME = "Ximenaquill"
TEXT = "Ximena's secret question about teething"


async def test_debug_log_has_no_names_texts_or_markdown_noise(tmp_path: Path) -> None:
    async with FakeBotAPI() as api:
        env = process_env(api, f"sqlite:///{tmp_path / 'bot.db'}", LOG_LEVEL="DEBUG")
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            cwd=tmp_path,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            limit=2**20,
        )
        assert proc.stdout is not None
        try:
            startup = await _read_until(proc.stdout, "tipsbot started", seconds=90)
            parent = api.make_user(NAME, language_code="en")
            api.send_text(parent, "/start")
            await api.wait_for(lambda m: m.chat_id == parent.id, timeout=20)
            api.send_text(parent, TEXT)
            # A malformed update carrying the name too: skipped without its data.
            api.inject_update(
                {
                    "edited_message": {
                        "date": int(time.time()),
                        "chat": {"id": parent.id, "type": "private", "first_name": NAME},
                        "text": TEXT,
                    }
                }
            )
            api.send_text(parent, "/help")
            await api.wait_for(
                lambda m: m.chat_id == parent.id and "/start" in m.plain_text, timeout=20
            )
            proc.send_signal(signal.SIGTERM)
            rest = await _read_until(proc.stdout, "database closed", seconds=30)
            assert await asyncio.wait_for(proc.wait(), 30) == 0
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
    log = startup + rest
    assert "DEBUG" in log  # the level took effect
    assert "Processing update" in log  # PTB's record is kept, without the update's content
    assert NAME not in log
    assert TEXT not in log
    assert "markdown_it" not in log
    assert len(log.splitlines()) < 2_000
