"""`tipsbot web` as a real process (serves without a bot token, stops cleanly on a signal) and
`tipsbot web hash-password`."""

from __future__ import annotations

import asyncio
import os
import re
import signal
from pathlib import Path

import httpx
from click.testing import CliRunner

from bot.cli.web import serve_web, web
from bot.web.auth import PasswordHash
from domain.settings import load_settings
from tests.bot.harness import REPO
from tests.e2e.tipsbot_process import running_tipsbot

TOKEN = "a-token-for-the-cli-test-0123456789"
# The group on its own, as `tipsbot web` runs it (bot/cli/__init__.py registers it as well).
COMMAND = ("-c", "from bot.cli.web import web; web()")


def test_hash_password_prints_a_line_for_the_env_file() -> None:
    result = CliRunner().invoke(web, ["hash-password"], input="a long passphrase\n" * 2)
    assert result.exit_code == 0, result.output
    line = result.stdout.strip()
    assert line.startswith("DASHBOARD_PASSWORD_HASH=scrypt:")
    assert "a long passphrase" not in result.output  # hidden while typed
    assert PasswordHash.parse(line.split("=", 1)[1]).matches("a long passphrase")


def test_hash_password_wants_the_same_long_password_twice() -> None:
    mismatch = CliRunner().invoke(web, ["hash-password"], input="a long passphrase\nanother one!\n")
    assert mismatch.exit_code != 0
    assert "do not match" in mismatch.output
    short = CliRunner().invoke(web, ["hash-password"], input="short\nshort\n")
    assert short.exit_code == 1
    assert "at least 12 characters" in short.output
    assert "DASHBOARD_PASSWORD_HASH" not in short.stdout


async def test_web_serves_without_a_bot_token_and_stops_on_sigterm(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DASHBOARD_"))}
    env |= {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'web.db'}",
        "CONTENT_DIR": str(REPO / "content"),
        "DASHBOARD_TOKEN": TOKEN,
        "WEB_HOST": "127.0.0.1",
    }
    async with running_tipsbot("--port", "0", env=env, cwd=tmp_path, command=COMMAND) as proc:
        line = (await proc.read_until("dashboard on http://", seconds=60)).splitlines()[-1]
        found = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert found is not None
        base = f"http://127.0.0.1:{found.group(1)}"
        async with httpx.AsyncClient(base_url=base) as http:
            assert (await http.get("/healthz")).json()["status"] == "ok"
            assert (await http.get("/health")).status_code == 401
            page = await http.get("/health", headers={"Authorization": f"Bearer {TOKEN}"})
            assert page.status_code == 200
            assert "<h1>Health</h1>" in page.text
        assert await proc.stop(seconds=20) == 0
        rest = (await proc.stdout.read()).decode()
        assert "Traceback" not in rest
        assert TOKEN not in line + rest


async def test_web_stops_on_ctrl_c(tmp_path: Path) -> None:
    settings = load_settings(
        database_url=f"sqlite:///{tmp_path / 'web.db'}",
        content_dir=REPO / "content",
        dashboard_token=TOKEN,
    )
    ports: list[int] = []
    serving = asyncio.create_task(
        serve_web(settings, "127.0.0.1", 0, started=lambda port: ports.append(port))
    )
    async with asyncio.timeout(30):
        while not ports:
            assert not serving.done(), serving.exception()
            await asyncio.sleep(0.02)
        async with httpx.AsyncClient() as http:
            health = await http.get(f"http://127.0.0.1:{ports[0]}/healthz")
            assert health.status_code == 200
        os.kill(os.getpid(), signal.SIGINT)  # caught by serve_web's handler, not pytest
        await serving
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
