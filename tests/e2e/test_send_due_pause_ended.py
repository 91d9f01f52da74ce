"""`send-due --dry-run` chooses exactly the chats the real run sends to, a chat whose pause has
just ended (its status not flipped back yet) included."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

from domain.models import ChatStatus
from tests.bot.harness import Database, process_env, seed_chat
from tests.e2e.tipsbot_process import run_tipsbot
from tests.fakebotapi import FakeBotAPI

AT = "2026-11-27T10:05:00+00:00"  # Friday 10:05 London: every Mon/Wed/Fri slot has come


async def test_dry_run_and_real_run_choose_the_same_chats(
    tmp_path: Path, migrated_sqlite_url: str
) -> None:
    url = migrated_sqlite_url
    database = Database(url)  # its clock: Thursday 2026-11-26 12:00 UTC
    born = date(2026, 10, 1)
    try:
        await seed_chat(database, 7300, born=born)
        ended = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)  # over before the slot
        await seed_chat(database, 7301, born=born, status=ChatStatus.PAUSED, paused_until=ended)
        later = datetime(2099, 1, 1, tzinfo=UTC)
        await seed_chat(database, 7302, born=born, status=ChatStatus.PAUSED, paused_until=later)
        await seed_chat(database, 7303, born=born, status=ChatStatus.PAUSED)  # until /resume
    finally:
        await database.close()
    async with FakeBotAPI() as api:
        env = process_env(api, url)
        code, out, err = await run_tipsbot(
            "send-due", "--at", AT, "--dry-run", env=env, cwd=tmp_path
        )
        assert code == 0, err
        would = sorted(int(n) for n in re.findall(r"chat (\d+) ", out))
        assert len(api.sent) == 0

        code, out, err = await run_tipsbot("send-due", "--at", AT, env=env, cwd=tmp_path)
        assert code == 0, err
        tips = sorted({m.chat_id for m in api.sent if m.button_data})  # tips carry buttons
        assert would == tips == [7300, 7301], (would, tips, out)
