"""A running dashboard over a real database (SQLite, and PostgreSQL when configured), with
helpers to seed deliveries, feedback and events and to sign in."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp import CookieJar
from aiohttp.test_utils import TestClient, TestServer
from aiohttp.web import Application

from bot.services import LibraryHolder, Services
from bot.web.auth import hash_password
from bot.web.server import build_web_app
from domain.content.model import Library
from domain.i18n import Catalogs
from domain.models import Delivery, DeliveryStatus
from domain.settings import load_settings
from tests.bot.harness import REPO, Database, FakeClock, shipped_library

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
USER = "admin"
PASSWORD = "correct horse battery staple"
TOKEN = "dashboard-token-for-tests-0123456789abcdef"
PASSWORD_HASH = hash_password(PASSWORD, salt=b"salt-for-the-tests")

Client = TestClient[Any, Application]


def make_services(db: Database, *, library: Library | None = None, **settings: Any) -> Services:
    config = load_settings(
        database_url=db.url,
        content_dir=REPO / "content",
        **{"dashboard_password_hash": PASSWORD_HASH, "dashboard_token": TOKEN, **settings},
    )
    return Services(
        settings=config,
        db=db.engine,
        sessions=db.sessions,
        library=LibraryHolder(library or shipped_library()),
        catalogs=Catalogs(config.default_language),
        clock=db.clock,
    )


@pytest.fixture
async def db(migrated_url: str) -> AsyncIterator[Database]:
    database = Database(migrated_url, clock=FakeClock(NOW))
    try:
        yield database
    finally:
        await database.close()


async def open_client(services: Services) -> Client:
    """A test client for the web app; its cookie jar sends Secure cookies over plain http
    to the test server, as browsers do for localhost."""
    server = TestServer(build_web_app(services), host="127.0.0.1")
    await server.start_server()
    jar = CookieJar(unsafe=True, treat_as_secure_origin=[server.make_url("/")])
    client: Client = TestClient(server, cookie_jar=jar)
    await client.start_server()
    return client


@pytest.fixture
async def client(db: Database) -> AsyncIterator[Client]:
    client = await open_client(make_services(db))
    try:
        yield client
    finally:
        await client.close()


async def sign_in(client: Client, password: str = PASSWORD) -> None:
    response = await client.post(
        "/login", data={"user": USER, "password": password}, allow_redirects=False
    )
    assert response.status == 303, await response.text()


async def add_delivery(
    db: Database,
    *,
    chat_id: int,
    tip_id: str,
    status: DeliveryStatus = DeliveryStatus.SENT,
    planned_at: datetime = NOW,
    lag: timedelta | None = None,
    **fields: Any,
) -> int:
    """A delivery row; a sent one goes out `lag` after its planned time (default 2 s)."""
    sent_at = None
    if status is DeliveryStatus.SENT:
        sent_at = planned_at + (lag if lag is not None else timedelta(seconds=2))
    delivery = Delivery(
        chat_id=chat_id,
        tip_id=tip_id,
        language="en",
        lane="scheduled",
        status=status.value,
        slot_at=planned_at,
        planned_at=planned_at,
        not_before=planned_at,
        sent_at=sent_at,
        attempts=1 if status is not DeliveryStatus.PLANNED else 0,
        telegram_message_id=1000 + chat_id if sent_at else None,
        latency_ms=120 if sent_at else None,
        **fields,
    )
    async with db.sessions() as session:
        session.add(delivery)
        await session.commit()
        assert delivery.id is not None
        return delivery.id
