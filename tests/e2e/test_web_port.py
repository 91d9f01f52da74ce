"""A second process on the same WEB_PORT stops with one clear line; WEB_PORT= switches the web
server off."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from domain.settings import load_settings
from tests.bot.harness import process_env
from tests.e2e.tipsbot_process import run_tipsbot, running_tipsbot
from tests.fakebotapi import FakeBotAPI


async def test_a_taken_web_port_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        async with FakeBotAPI() as api:
            env = process_env(api, f"sqlite:///{tmp_path / 'bot.db'}", WEB_PORT=str(port))
            code, out, err = await run_tipsbot(
                "run", "--send-only", env=env, cwd=tmp_path, seconds=90
            )
    assert code == 2
    text = out + err
    assert "Traceback" not in text
    assert f"WEB_PORT: cannot listen on 127.0.0.1:{port}" in err
    assert "own WEB_PORT" in err


async def test_an_empty_web_port_runs_without_the_web_server(tmp_path: Path) -> None:
    async with FakeBotAPI() as api:
        env = process_env(api, f"sqlite:///{tmp_path / 'bot.db'}", WEB_PORT="")
        async with running_tipsbot("run", "--send-only", env=env, cwd=tmp_path) as bot:
            startup = await bot.read_until("tipsbot started", seconds=90)
            assert "web server on" not in startup
            await bot.stop()


def test_empty_web_port_is_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEB_PORT", "")
    assert load_settings().web_port is None
