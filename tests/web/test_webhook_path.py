"""The webhook's path can never be a dashboard page, and only POST is public there."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from telegram import Update

from bot.app import build_application
from bot.web.server import build_web_app
from domain.settings import ConfigError, load_settings
from tests.bot.harness import REPO, Database
from tests.web.conftest import make_services

BOT_TOKEN = "123456789:" + "W" * 35


@pytest.mark.parametrize(
    "url",
    [
        "https://bot.example.org",
        "https://bot.example.org/",
        "https://example.org/deliveries",
        "https://example.org/metrics",
        "https://example.org/telegramx",
        "https://example.org/telegram?x=1",
        "http://example.org/telegram",
    ],
)
def test_a_webhook_url_that_could_be_a_page_is_refused(url: str) -> None:
    with pytest.raises(ConfigError, match="WEBHOOK_URL"):
        load_settings(webhook_url=url)


def test_webhook_urls_under_telegram_are_accepted() -> None:
    for url in ("https://bot.example.org/telegram", "https://example.org/telegram/a1b2"):
        assert load_settings(webhook_url=url).webhook_url == url


def test_run_with_a_page_as_webhook_stops_with_one_line(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run", "--webhook", "https://bot.example.org"],
        cwd=tmp_path,
        env={
            "PATH": "/usr/bin:/bin",
            "HOME": str(tmp_path),
            "TELEGRAM_BOT_TOKEN": BOT_TOKEN,
            "WEB_PORT": "8089",
            "CONTENT_DIR": str(REPO / "content"),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "/telegram" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert not (tmp_path / "x.db").exists()  # refused before touching anything


@pytest.mark.parametrize("path", ["/telegram", "/telegram/hook"])
async def test_only_post_is_public_at_the_webhook_path(db: Database, path: str) -> None:
    services = make_services(
        db, webhook_url=f"https://bot.example.org{path}", telegram_bot_token=BOT_TOKEN
    )
    app = build_web_app(services, bot_application=build_application(services))
    async with TestClient(TestServer(app)) as client:
        for page in ("/", "/deliveries", "/metrics", "/health", path):
            response = await client.get(page, allow_redirects=False)
            assert response.status in (303, 401), page  # a login, never the page
        response = await client.post(path, json={"update_id": 1})
        assert response.status == 403  # public, but without Telegram's secret it is refused


@pytest.mark.parametrize("token", ["a", "short-token-of-23-chars"])
def test_a_short_dashboard_token_is_refused(token: str) -> None:
    with pytest.raises(ConfigError, match="DASHBOARD_TOKEN: must be 24 or more"):
        load_settings(dashboard_token=token)


def test_an_empty_dashboard_token_means_none() -> None:
    assert load_settings(dashboard_token="  ").dashboard_token is None


async def test_a_malformed_update_by_webhook_is_acknowledged_and_skipped(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    services = make_services(
        db, webhook_url="https://bot.example.org/telegram", telegram_bot_token=BOT_TOKEN
    )
    application = build_application(services)
    application.bot_data.webhook_secret = "s3cret"
    app = build_web_app(services, bot_application=application)
    malformed = {"update_id": 77, "edited_message": {"chat": {"id": 1}, "text": "Name's text"}}
    async with TestClient(TestServer(app)) as client:
        response = await client.post(
            "/telegram", json=malformed, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret"}
        )
        assert response.status == 200  # so Telegram does not send it again
    queued = application.update_queue.get_nowait()
    assert isinstance(queued, Update)
    assert queued.update_id == 77 and queued.edited_message is None
    assert "skipped malformed update 77 (KeyError)" in caplog.text
    assert "Name's text" not in caplog.text
