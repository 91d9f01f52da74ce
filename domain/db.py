"""The database engine and sessions, on SQLite (embedded default) or PostgreSQL.

Sessions are SQLModel's AsyncSession: queries go through `session.exec()` (typed results).

SQLite is opened in WAL mode with a busy timeout and foreign keys on, and every transaction
starts with BEGIN IMMEDIATE so a writer takes the write lock up front instead of failing with
SQLITE_BUSY half-way through. Sessions that only read can ask for a deferred transaction with
`read_session()`.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

SQLITE_BUSY_TIMEOUT_MS = 30_000
_READ_ONLY = "tipsbot_read_only"


class DatabaseError(Exception):
    """The database cannot be reached or used; the message says what to check."""


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    """An async engine for `url` (already normalised by Settings)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            create_private_file(Path(database))
        engine = create_async_engine(
            parsed, echo=echo, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
        )
        _configure_sqlite(engine)
        return engine
    return create_async_engine(parsed, echo=echo, pool_size=10, max_overflow=10, pool_pre_ping=True)


def create_private_file(path: Path) -> None:
    """Create the database file (and its folder) readable by this user only, unless it exists:
    it holds chat ids and schedules, and SQLite gives -wal and -shm the file's permissions."""
    if not path.parent.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite would defer it).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Deleted rows are overwritten, not left in free pages: /forget must not leave a
        # family's data readable in the file.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        if conn.get_execution_options().get(_READ_ONLY):
            conn.exec_driver_sql("BEGIN DEFERRED")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


@asynccontextmanager
async def read_session(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A session for reads only: on SQLite it does not take the write lock."""
    async with factory() as session:
        await session.connection(execution_options={_READ_ONLY: True})
        yield session


async def checkpoint_erased(engine: AsyncEngine) -> None:
    """After erasing personal data on SQLite, copy the write-ahead log into the database file
    and truncate it: until the next automatic checkpoint the -wal file still holds the pages
    as they were before the erasure. Nothing to do on PostgreSQL."""
    if engine.dialect.name != "sqlite":
        return
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        driver = raw.driver_connection
        assert driver is not None
        # Outside any transaction: a checkpoint cannot pass a read this connection holds.
        await driver.execute("PRAGMA wal_checkpoint(TRUNCATE)")


async def check_connection(engine: AsyncEngine) -> None:
    """Open a connection and run a trivial query; DatabaseError with a readable reason if not."""
    from sqlalchemy import text

    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as exc:
        raise DatabaseError(describe_database_error(exc)) from exc


def describe_database_error(exc: BaseException) -> str:
    """One line about why the database failed, without credentials."""
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    first = reason[0] if reason else type(exc).__name__
    return f"cannot use the database: {first} (check DATABASE_URL)"
