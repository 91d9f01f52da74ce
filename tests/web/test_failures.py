"""Bad filters are a 400 that says what to fix; a stalled or missing database gives a friendly
503 in bounded time, never a hang, a bare 500 or SQL in the log."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.web.failures import PAGE_TIMEOUT
from bot.web.server import build_web_app
from domain.settings import load_settings
from tests.bot.harness import Database, seed_chat, services_for
from tests.web.conftest import TOKEN, Client, add_delivery, sign_in

BEARER = {"Authorization": f"Bearer {TOKEN}"}
HTML = {"Accept": "text/html"}


@pytest.mark.parametrize(
    "query",
    [
        "chat=99999999999999999999",
        "chat=-99999999999999999999",
        "until=9999-12-31",
        "since=0001-01-01",
        "before=99999999999999999999999",
        "after=١٢٣",
    ],
)
async def test_out_of_range_filters_are_a_400_with_a_reason(
    client: Client, db: Database, query: str, caplog: pytest.LogCaptureFixture
) -> None:
    chat = await seed_chat(db, 5)
    await add_delivery(db, chat_id=chat, tip_id="h-safe-sleep-on-back")
    await sign_in(client)
    page = await client.get(f"/deliveries?{query}")
    assert page.status == 400
    assert "Check the filters" in await page.text()
    export = await client.get(f"/deliveries.csv?{query}")
    if "before" in query or "after" in query:
        assert export.status == 200  # the export ignores paging parameters
        assert (await export.text()).count("\n") == 2
    else:
        assert export.status == 400
        assert (await export.text()).strip()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@asynccontextmanager
async def dashboard_on(url: str, *, page_timeout: float = 10.0) -> AsyncIterator[Client]:
    config = load_settings(database_url=url, dashboard_token=TOKEN)
    services = services_for(config)
    engine = services.db
    app = build_web_app(services)
    app[PAGE_TIMEOUT] = page_timeout
    client: Client = TestClient(TestServer(app))
    await client.start_server()
    try:
        yield client
    finally:
        await client.close()
        await engine.dispose()


@asynccontextmanager
async def stalled_database() -> AsyncIterator[str]:
    """A PostgreSQL URL whose server accepts connections and never answers."""
    held: list[asyncio.StreamWriter] = []

    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"postgresql+psycopg://tipsbot@127.0.0.1:{port}/tipsbot"
    finally:
        for writer in held:
            writer.close()
        server.close()


async def test_a_stalled_database_gives_bounded_friendly_answers(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with stalled_database() as url, dashboard_on(url, page_timeout=1.5) as client:
        started = time.monotonic()
        health = await client.get("/healthz")
        assert health.status == 503
        assert (await health.json())["database"] == "no answer within 2 s"
        assert time.monotonic() - started < 4
        started = time.monotonic()
        page = await client.get("/deliveries", headers={**BEARER, **HTML})
        assert page.status == 503
        assert "Taking too long" in await page.text()
        assert time.monotonic() - started < 4
    assert "SELECT" not in caplog.text


async def test_a_database_that_is_down_gives_a_friendly_503(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with dashboard_on("postgresql+psycopg://nobody@127.0.0.1:1/none") as client:
        for path in ("/", "/deliveries", "/tips", "/health"):
            page = await client.get(path, headers={**BEARER, **HTML})
            assert page.status == 503, path
            text = await page.text()
            assert "Database unavailable" in text
            assert "Traceback" not in text
        export = await client.get("/deliveries.csv", headers=BEARER)
        assert export.status == 503
        assert "cannot be reached" in await export.text()
    assert "SELECT" not in caplog.text
    assert "Traceback" not in caplog.text


async def test_a_bug_in_a_page_is_a_500_page_with_the_traceback_only_in_the_log(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    from aiohttp import web

    from tests.web.conftest import make_services

    async def broken(request: web.Request) -> web.Response:
        raise RuntimeError("a bug")

    app = build_web_app(make_services(db))
    app.router.add_get("/broken", broken)
    async with TestClient(TestServer(app)) as client:
        page = await client.get("/broken", headers={**BEARER, **HTML})
        assert page.status == 500
        text = await page.text()
        assert "Something went wrong" in text and "a bug" not in text
    assert "RuntimeError: a bug" in caplog.text
