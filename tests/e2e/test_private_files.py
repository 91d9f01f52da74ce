"""Files that hold chat data or the token are private: the SQLite folder 0700 and its files
0600 whatever the umask, and a readable .env is warned about at start-up."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import stat
import sys
from pathlib import Path

from tests.bot.harness import process_env
from tests.e2e.test_run_command import _read_until
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
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            cwd=tmp_path,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            preexec_fn=lambda: os.umask(0o022),
        )
        assert proc.stdout is not None
        try:
            startup = await _read_until(proc.stdout, "tipsbot started", seconds=90)
            files = {p.name: mode(p) for p in (tmp_path / "data").iterdir()}
            assert mode(tmp_path / "data") == 0o700
            assert files["tipsbot.db"] == 0o600
            assert all(m == 0o600 for m in files.values()), files
            warning = [line for line in startup.splitlines() if "chmod 600" in line]
            assert len(warning) == 1 and "WARNING" in warning[0]
            proc.send_signal(signal.SIGTERM)
            await _read_until(proc.stdout, "database closed", seconds=30)
            assert await asyncio.wait_for(proc.wait(), 30) == 0
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
    # SQLite gives -wal and -shm the database file's permissions, whoever opens it.
    connection = sqlite3.connect(tmp_path / "data" / "tipsbot.db")
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("CREATE TABLE probe (x)")
        assert mode(tmp_path / "data" / "tipsbot.db-wal") == 0o600
        assert mode(tmp_path / "data" / "tipsbot.db-shm") == 0o600
    finally:
        connection.close()
