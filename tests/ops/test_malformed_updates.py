"""A malformed update is skipped, logged once without user data, and polling goes on."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest

from tests.bot.harness import running_bot

SECRET_TEXT = "my daughter Zoë has a rash"


async def test_a_malformed_update_is_skipped_and_polling_continues(
    migrated_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with running_bot(migrated_url) as bot:
        parent = bot.api.make_user("Zoësmum", language_code="en")
        first = bot.api.make_user("Before", language_code="en")
        bot.api.send_text(first, "/start")
        await bot.api.wait_for(lambda m: m.chat_id == first.id, timeout=20)
        chat = {"id": parent.id, "type": "private", "first_name": parent.first_name}
        # An edited message without message_id: PTB cannot parse it.
        bad_id = bot.api.inject_update(
            {
                "edited_message": {
                    "date": int(time.time()),
                    "edit_date": int(time.time()),
                    "chat": chat,
                    "from": {"id": parent.id, "is_bot": False, "first_name": parent.first_name},
                    "text": SECRET_TEXT,
                }
            }
        )
        bot.api.send_text(parent, "/start")
        reply = await bot.api.wait_for(lambda m: m.chat_id == parent.id, timeout=20)
        assert reply.plain_text.strip()
        await asyncio.sleep(0.5)  # more polls: the bad update must not come back
    skipped = [r for r in caplog.records if "malformed update" in r.getMessage()]
    assert [r.getMessage() for r in skipped] == [f"skipped malformed update {bad_id} (TypeError)"]
    # DEBUG records are withheld by the log handler's filter (tests/e2e/test_debug_logs.py).
    everything = "\n".join(r.getMessage() for r in caplog.records if r.levelno >= logging.INFO)
    assert SECRET_TEXT not in everything
    assert "Zoësmum" not in everything
    assert not [r for r in caplog.records if r.levelno >= logging.CRITICAL]
