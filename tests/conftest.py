"""Shared fixtures: real databases (SQLite file, and PostgreSQL when TEST_DATABASE_URL is set).

`database_url` is parametrised over both backends; PostgreSQL cases skip with a visible reason
when TEST_DATABASE_URL is not configured (CI sets it, so there they run). Each PostgreSQL test
gets a fresh database created from the admin URL and dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.db import create_engine, make_session_factory
from domain.migrations import upgrade

pytest_plugins = ["tests.fakebotapi.pytest_plugin"]

# PTB 22 warns unless retry_after is a timedelta; opt in, as the bot does at start-up.
os.environ.setdefault("PTB_TIMEDELTA", "true")

PG_SKIP_REASON = (
    "PostgreSQL tests need TEST_DATABASE_URL, e.g. "
    "postgresql+psycopg://postgres@127.0.0.1:5432/test (.ci/run sets it)"
)


def pg_admin_url() -> str | None:
    return os.environ.get("TEST_DATABASE_URL") or None


def _fresh_pg_database() -> Iterator[str]:
    admin = pg_admin_url()
    if admin is None:
        pytest.skip(PG_SKIP_REASON)
    url = make_url(admin)
    name = f"tipsbot_t_{uuid.uuid4().hex[:12]}"
    conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(drivername="postgresql+psycopg", database=name).render_as_string(
            hide_password=False
        )
    finally:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database on each backend (not yet migrated)."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'tipsbot.db'}"
    else:
        yield from _fresh_pg_database()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'tipsbot.db'}"


@pytest.fixture
def migrated_url(database_url: str) -> str:
    """A database on each backend, upgraded to the latest migration."""
    upgrade(database_url)
    return database_url


@pytest.fixture
async def engine(migrated_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(migrated_url)
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return make_session_factory(engine)
