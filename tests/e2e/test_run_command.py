"""`tipsbot run` as a real process: it starts, answers /start through the Bot API, stops cleanly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from scheduler.broadcast import BroadcastFilter, plan_broadcast
from tests.bot.harness import Database, process_env, seed_chat, shipped_library
from tests.e2e.tipsbot_process import run_tipsbot, running_tipsbot
from tests.e2e.wallclock import NO_QUIET_HOURS, content_reviewed_on, send_day_far_from
from tests.fakebotapi import FakeBotAPI

REPO = Path(__file__).resolve().parents[2]


async def test_run_answers_start_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    async with FakeBotAPI() as api:
        env = process_env(api, f"sqlite:///{tmp_path / 'bot.db'}")
        async with running_tipsbot("run", env=env, cwd=tmp_path) as bot:
            startup = await bot.read_until("tipsbot started", seconds=60)
            line = next(x for x in startup.splitlines() if "tipsbot started" in x)
            assert f"@{api.bot_user.username}" in line
            assert "tips loaded" in line
            assert "bot.db" in line
            assert api.token_for_tests not in startup

            parent = api.make_user("Ana", language_code="en")
            api.send_text(parent, "/start")
            reply = await api.wait_for(lambda m: m.chat_id == parent.id, timeout=20)
            assert reply.plain_text.strip()

            rest, code = await bot.stop_and_read("database closed")
            assert code == 0
            assert "Traceback" not in startup + rest
            assert api.token_for_tests not in rest
        assert (tmp_path / "bot.db").is_file()


async def test_send_only_sends_and_a_second_sqlite_process_is_refused(
    tmp_path: Path, migrated_sqlite_url: str
) -> None:
    # The process plans and sends on the real clock: the chat has no quiet hours and no send
    # day near, and the content is in review, so the broadcast goes out at any hour and date.
    now = datetime.now(UTC)
    url = migrated_sqlite_url
    database = Database(url, clock=lambda: now)
    try:
        await seed_chat(
            database,
            4242,
            born=now.date() - timedelta(days=30),
            quiet=NO_QUIET_HOURS,
            days=send_day_far_from(now),
        )
        tip = shipped_library().tips["h-safe-sleep-on-back"]
        plan = await plan_broadcast(
            database.sessions, tip, BroadcastFilter(), now=now, dry_run=False
        )
        assert (plan.planned, plan.at_night) == (1, 0)
    finally:
        await database.close()
    content = content_reviewed_on(now.date(), tmp_path / "content")
    async with FakeBotAPI() as api:
        env = process_env(api, url, CONTENT_DIR=str(content))
        async with running_tipsbot("run", "--send-only", env=env, cwd=tmp_path) as sender:
            await sender.read_until("(send-only)", seconds=60)
            await api.wait_for(lambda m: m.chat_id == 4242, timeout=20)
            code, out, err = await run_tipsbot("run", env=env, cwd=tmp_path, seconds=60)
            assert code == 1
            assert "another tipsbot process is already using this SQLite database" in err
            said = err + out
            assert "Traceback" not in said
            # Refused before it touched the database: nothing opened, so nothing to close.
            assert "database closed" not in said
            assert "migrat" not in said.lower()
            assert not any(c.method == "getUpdates" for c in api.calls)  # send-only never polls
            assert await sender.stop() == 0
