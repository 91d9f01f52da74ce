"""Opening the database for one command: migrate, hand over a session factory, close.

A database that cannot be reached or used ends the command with one line (never a
traceback) and exit code 1.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

from bot.cli.common import fail

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import async_sessionmaker
    from sqlmodel.ext.asyncio.session import AsyncSession

    from domain.settings import Settings

    Sessions = async_sessionmaker[AsyncSession]

T = TypeVar("T")


def with_database(settings: Settings, work: Callable[[Sessions], Awaitable[T]]) -> T:
    """Run `work` with sessions on the migrated database of `settings`."""
    from sqlalchemy.exc import InterfaceError, OperationalError

    from domain.db import (
        DatabaseError,
        create_engine,
        describe_database_error,
        make_session_factory,
    )
    from domain.migrations import upgrade_async

    async def run() -> T:
        try:
            await upgrade_async(settings.database_url)
        except Exception as exc:  # alembic and every driver raise their own kinds
            raise DatabaseError(describe_database_error(exc)) from exc
        engine = create_engine(settings.database_url)
        try:
            return await work(make_session_factory(engine))
        finally:
            await engine.dispose()

    try:
        return asyncio.run(run())
    except DatabaseError as exc:
        fail(str(exc))
    except (OperationalError, InterfaceError) as exc:  # the database went away mid-command
        fail(describe_database_error(exc))
