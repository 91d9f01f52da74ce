"""A second process on the same WEB_PORT stops with one clear line; WEB_PORT= switches the web
server off."""

from __future__ import annotations

import asyncio
import socket
import sys
from pathlib import Path

import pytest

from domain.settings import load_settings
from tests.bot.harness import process_env
from tests.e2e.test_run_command import _read_until
from tests.fakebotapi import FakeBotAPI


async def test_a_taken_web_port_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        async with FakeBotAPI() as api:
            env = process_env(api, f"sqlite:///{tmp_path / 'bot.db'}", WEB_PORT=str(port))
            proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "run",
                "--send-only",
                cwd=tmp_path,
                env=env,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
            out, err = await asyncio.wait_for(proc.communicate(), 90)
    assert proc.returncode == 2
    text = out.decode() + err.decode()
    assert "Traceback" not in text
    assert f"WEB_PORT: cannot listen on 127.0.0.1:{port}" in err.decode()
    assert "own WEB_PORT" in err.decode()


async def test_an_empty_web_port_runs_without_the_web_server(tmp_path: Path) -> None:
    async with FakeBotAPI() as api:
        env = process_env(api, f"sqlite:///{tmp_path / 'bot.db'}", WEB_PORT="")
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            "--send-only",
            cwd=tmp_path,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        assert proc.stdout is not None
        try:
            startup = await _read_until(proc.stdout, "tipsbot started", seconds=90)
            assert "web server on" not in startup
        finally:
            proc.terminate()
            await asyncio.wait_for(proc.wait(), 30)


def test_empty_web_port_is_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEB_PORT", "")
    assert load_settings().web_port is None
