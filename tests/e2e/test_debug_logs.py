"""`tipsbot run` with LOG_LEVEL=DEBUG: users' names and texts never reach the log, and the
Markdown parser does not flood it at start-up."""

from __future__ import annotations

import time
from pathlib import Path

from tests.bot.harness import process_env
from tests.e2e.tipsbot_process import running_tipsbot
from tests.fakebotapi import FakeBotAPI

NAME = "Ximenaquill"
TEXT = "Ximena's secret question about teething"


async def test_debug_log_has_no_names_texts_or_markdown_noise(tmp_path: Path) -> None:
    async with FakeBotAPI() as api:
        env = process_env(api, f"sqlite:///{tmp_path / 'bot.db'}", LOG_LEVEL="DEBUG")
        async with running_tipsbot("run", env=env, cwd=tmp_path, limit=2**20) as bot:
            startup = await bot.read_until("tipsbot started", seconds=90)
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
            rest, code = await bot.stop_and_read("database closed")
            assert code == 0
    log = startup + rest
    assert "DEBUG" in log  # the level took effect
    assert "Processing update" in log  # PTB's record is kept, without the update's content
    assert NAME not in log
    assert TEXT not in log
    assert "markdown_it" not in log
    assert len(log.splitlines()) < 2_000
