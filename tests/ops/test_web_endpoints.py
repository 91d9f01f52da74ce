"""/healthz, /metrics and the webhook, over real HTTP."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from bot.web.server import WebServer, build_web_app
from domain.settings import load_settings
from tests.bot.harness import START, Database, process_env, seed_chat, services_for
from tests.e2e.tipsbot_process import DEVNULL, running_tipsbot
from tests.fakebotapi import FakeBotAPI

TOKEN = "metrics-token-0123456789abcdef"


@asynccontextmanager
async def web_only(url: str, **settings: object) -> AsyncIterator[str]:
    config = load_settings(database_url=url, dashboard_token=TOKEN, **settings)
    services = services_for(config)
    engine = services.db
    server = WebServer(build_web_app(services), "127.0.0.1", 0)
    await server.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        await server.stop()
        await engine.dispose()


async def test_healthz_is_open_and_checks_the_database(migrated_url: str) -> None:
    async with (
        web_only(migrated_url) as base,
        aiohttp.ClientSession() as http,
        http.get(f"{base}/healthz") as response,
    ):
        assert response.status == 200
        assert await response.json() == {"status": "ok", "database": "ok", "planner": "never"}
    broken = "postgresql+psycopg://nobody@127.0.0.1:1/none"
    async with (
        web_only(broken) as base,
        aiohttp.ClientSession() as http,
        http.get(f"{base}/healthz") as response,
    ):
        assert response.status == 503
        assert (await response.json())["status"] == "error"


async def test_metrics_parse_and_count(migrated_url: str) -> None:
    database = Database(migrated_url)
    try:
        for n in range(3):
            await seed_chat(database, 300 + n, born=START.date() - timedelta(days=30))
    finally:
        await database.close()
    async with web_only(migrated_url) as base, aiohttp.ClientSession() as http:
        async with http.get(f"{base}/metrics") as response:
            assert response.status == 401
        headers = {"Authorization": f"Bearer {TOKEN}"}
        async with http.get(f"{base}/metrics", headers=headers) as response:
            assert response.status == 200
            text = await response.text()
    families = {f.name: f for f in text_string_to_metric_families(text)}
    for name in (
        "tipsbot_deliveries",
        "tipsbot_queue_depth",
        "tipsbot_subscribers",
        "tipsbot_content_errors",
        "tipsbot_send_latency_seconds",
        "tipsbot_rate_limited",
    ):
        assert name in families, name
    subscribers = {s.labels["status"]: s.value for s in families["tipsbot_subscribers"].samples}
    assert subscribers == {"active": 3.0}
    assert {s.labels["status"] for s in families["tipsbot_deliveries"].samples} >= {
        "sent",
        "unknown",
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_webhook_checks_the_secret_and_ignores_repeats(tmp_path: Path) -> None:
    port = free_port()
    async with FakeBotAPI() as api:
        env = process_env(
            api,
            f"sqlite:///{tmp_path / 'hook.db'}",
            WEB_PORT=str(port),
            DASHBOARD_TOKEN=TOKEN,
            CONTENT_RELOAD_SECONDS="0",
        )
        async with running_tipsbot(
            "run",
            "--webhook",
            "https://bot.example.org/telegram",
            env=env,
            cwd=tmp_path,
            stdout=DEVNULL,
            stderr=DEVNULL,
        ) as proc:
            hook = await api.wait_for_call(lambda c: c.method == "setWebhook", timeout=60)
            assert hook.params["url"] == "https://bot.example.org/telegram"
            secret = str(hook.params["secret_token"])
            parent = api.make_user("Ana", language_code="en")
            update = {
                "update_id": 5001,
                "message": {
                    "message_id": 1,
                    "date": 1795680000,
                    "text": "/start",
                    "chat": {"id": parent.id, "type": "private", "first_name": "Ana"},
                    "from": {
                        "id": parent.id,
                        "is_bot": False,
                        "first_name": "Ana",
                        "language_code": "en",
                    },
                    "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
                },
            }
            url = f"http://127.0.0.1:{port}/telegram"
            async with aiohttp.ClientSession() as http:
                for _ in range(100):  # the web server starts with the bot
                    try:
                        async with http.post(url, json=update) as response:
                            assert response.status == 403  # no secret: refused
                            break
                    except aiohttp.ClientConnectionError:
                        await asyncio.sleep(0.1)
                else:
                    raise AssertionError("the webhook server never came up")
                wrong = {"X-Telegram-Bot-Api-Secret-Token": secret[:-1] + "x"}
                async with http.post(url, json=update, headers=wrong) as response:
                    assert response.status == 403
                await asyncio.sleep(0.5)
                assert api.messages_to(parent.id) == []  # nothing was processed
                right = {"X-Telegram-Bot-Api-Secret-Token": secret}
                async with http.post(url, data=json.dumps(update), headers=right) as response:
                    assert response.status == 200
                await api.wait_for(lambda m: m.chat_id == parent.id, timeout=20)
                async with http.post(url, json=update, headers=right) as response:
                    assert response.status == 200  # acknowledged, so Telegram stops retrying
                await asyncio.sleep(1.0)
                assert len(api.messages_to(parent.id)) == 1  # ...but not processed twice
            assert await proc.stop() == 0
            assert any(c.method == "deleteWebhook" for c in api.calls)
            assert not any(c.method == "getUpdates" for c in api.calls)
