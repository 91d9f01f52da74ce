"""Shared fixtures: real databases (SQLite file, and PostgreSQL when TEST_DATABASE_URL is set).

`database_url` is parametrised over both backends; PostgreSQL cases skip with a visible reason
when TEST_DATABASE_URL is not configured (CI sets it, so there they run). Each PostgreSQL test
gets a fresh database created from the admin URL and dropped afterwards.

Migrations run once per session, into a template on each backend; `migrated_url` copies the
template (a file copy on SQLite, `CREATE DATABASE ... TEMPLATE` on PostgreSQL) instead of
migrating again. Tests of the migrations themselves take `database_url` and run them.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import closing
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


def _pg_conninfo(admin: str) -> str:
    return make_url(admin).set(drivername="postgresql").render_as_string(hide_password=False)


def _pg_url(admin: str, name: str) -> str:
    url = make_url(admin).set(drivername="postgresql+psycopg", database=name)
    return url.render_as_string(hide_password=False)


def _fresh_pg_database(template: str | None = None, *, prefix: str = "tipsbot_t_") -> Iterator[str]:
    """A new database (a copy of `template` when given), dropped afterwards."""
    admin = pg_admin_url()
    if admin is None:
        pytest.skip(PG_SKIP_REASON)
    name = f"{prefix}{uuid.uuid4().hex[:12]}"
    copy_of = f' TEMPLATE "{template}"' if template else ""
    with psycopg.connect(_pg_conninfo(admin), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"{copy_of}')
    try:
        yield _pg_url(admin, name)
    finally:
        with psycopg.connect(_pg_conninfo(admin), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to the latest revision, once per session."""
    path = tmp_path_factory.mktemp("template") / "tipsbot.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """The name of a PostgreSQL database migrated to the latest revision, once per session."""
    for url in _fresh_pg_database(prefix="tipsbot_template_"):
        upgrade(url)
        yield str(make_url(url).database)


def copy_sqlite(template: Path, target: Path) -> str:
    """Copy the migrated template to `target` (through SQLite's backup, so WAL content comes
    along); returns its URL."""
    with closing(sqlite3.connect(template)) as source, closing(sqlite3.connect(target)) as copy:
        source.backup(copy)
    return f"sqlite+aiosqlite:///{target}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database on each backend: empty, or a copy of the migrated template when the test
    also asks for `migrated_url` (so both names refer to the same database)."""
    migrated = "migrated_url" in request.fixturenames
    if request.param == "sqlite":
        path = tmp_path / "tipsbot.db"
        if migrated:
            yield copy_sqlite(request.getfixturevalue("sqlite_template"), path)
        else:
            yield f"sqlite+aiosqlite:///{path}"
    else:
        template = request.getfixturevalue("pg_template") if migrated else None
        yield from _fresh_pg_database(template)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """An empty SQLite file's URL."""
    return f"sqlite+aiosqlite:///{tmp_path / 'tipsbot.db'}"


@pytest.fixture
def migrated_sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    """A SQLite file at the latest migration, for tests that need SQLite only."""
    return copy_sqlite(sqlite_template, tmp_path / "tipsbot.db")


@pytest.fixture
def migrated_url(request: pytest.FixtureRequest, database_url: str) -> str:
    """A database on each backend at the latest migration."""
    path = Path(make_url(database_url).database or "")
    if database_url.startswith("sqlite") and not path.exists():
        # `database_url` was overridden with an empty SQLite file (see tests/web/test_auth.py).
        copy_sqlite(request.getfixturevalue("sqlite_template"), path)
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
