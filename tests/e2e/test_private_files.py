"""Files that hold chat data or the token are private: the SQLite folder 0700 and its files
0600 whatever the umask, and a readable .env is warned about at start-up."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

from tests.bot.harness import process_env
from tests.e2e.tipsbot_process import running_tipsbot
from tests.fakebotapi import FakeBotAPI


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_database_files_are_private_and_a_readable_env_is_warned_about(
    tmp_path: Path,
) -> None:
    async with FakeBotAPI() as api:
        env = process_env(api, "sqlite:///data/tipsbot.db")
        dotenv = tmp_path / ".env"
        dotenv.write_text(f"TELEGRAM_BOT_TOKEN={env.pop('TELEGRAM_BOT_TOKEN')}\n")
        dotenv.chmod(0o644)
        async with running_tipsbot(
            "run", env=env, cwd=tmp_path, preexec_fn=lambda: os.umask(0o022)
        ) as bot:
            startup = await bot.read_until("tipsbot started", seconds=90)
            files = {p.name: mode(p) for p in (tmp_path / "data").iterdir()}
            assert mode(tmp_path / "data") == 0o700
            assert files["tipsbot.db"] == 0o600
            assert all(m == 0o600 for m in files.values()), files
            warning = [line for line in startup.splitlines() if "chmod 600" in line]
            assert len(warning) == 1 and "WARNING" in warning[0]
            _, code = await bot.stop_and_read("database closed")
            assert code == 0
    # SQLite gives -wal and -shm the database file's permissions, whoever opens it.
    connection = sqlite3.connect(tmp_path / "data" / "tipsbot.db")
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("CREATE TABLE probe (x)")
        assert mode(tmp_path / "data" / "tipsbot.db-wal") == 0o600
        assert mode(tmp_path / "data" / "tipsbot.db-shm") == 0o600
    finally:
        connection.close()
