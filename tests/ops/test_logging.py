"""Logs: plain or JSON on stdout, and never the bot token."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

import pytest

from bot.logging_setup import configure_logging

TOKEN = "123456789:" + "S" * 35


@pytest.fixture(autouse=True)
def restore_logging() -> object:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield None
    root.handlers[:], root.level = handlers, level


def test_json_lines_without_the_token(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(level="INFO", fmt="json", secrets=[TOKEN])
    log = logging.getLogger("tipsbot.test")
    log.info("calling https://api.telegram.org/bot%s/sendMessage", TOKEN, extra={"chat": 42})
    try:
        raise RuntimeError(f"boom with {TOKEN}")
    except RuntimeError:
        log.exception("failed")
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [entry["level"] for entry in lines] == ["INFO", "ERROR"]
    assert lines[0]["message"] == "calling https://api.telegram.org/bot***/sendMessage"
    assert lines[0]["chat"] == 42 and lines[0]["logger"] == "tipsbot.test"
    assert "***" in lines[1]["exception"]
    assert TOKEN not in json.dumps(lines)


def test_plain_lines_and_quiet_http_client(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(level="INFO", fmt="plain", secrets=[TOKEN])
    logging.getLogger("httpx").info("HTTP Request: POST https://x/bot%s/getMe", TOKEN)
    logging.getLogger("tipsbot.test").warning("token %s", TOKEN)
    out = capsys.readouterr().out
    assert "HTTP Request" not in out  # httpx INFO lines (which carry the URL) are held back
    assert "WARNING tipsbot.test: token ***" in out
    assert TOKEN not in out


def test_only_whole_long_secrets_are_redacted(capsys: pytest.CaptureFixture[str]) -> None:
    dashboard = "k3Jq-long-dashboard-token-value"
    configure_logging(level="INFO", fmt="plain", secrets=[TOKEN, dashboard, "a"])
    logging.getLogger("tipsbot.test").warning("random words %s and more", dashboard)
    out = capsys.readouterr().out
    assert "random words *** and more" in out  # a one-letter "secret" mangles nothing
    assert dashboard not in out


def test_debug_records_from_ptb_keep_ids_but_not_user_data(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from telegram import Chat, Message, Update

    configure_logging(level="DEBUG", fmt="plain", secrets=[TOKEN])
    chat = Chat(7, "private", first_name="Priyanka")
    update = Update(42, message=Message(1, datetime.now(UTC), chat, text="private words"))
    logging.getLogger("telegram.ext.Application").debug("Processing update %s", update)
    logging.getLogger("telegram.ext.Updater").critical("Received data was %r", [{"a": "Priya"}])
    logging.getLogger("telegram.request").error('invalid JSON data: "%s"', "Priya says hi")
    logging.getLogger("markdown_it.rules_block").debug("entering paragraph")
    out = capsys.readouterr().out
    assert "Processing update update 42" in out
    assert "Priya" not in out and "private words" not in out
    assert "entering paragraph" not in out
