"""Migrations create the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from domain import models  # noqa: F401
from domain.db import create_engine
from domain.migrations import upgrade_async


def _diff(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(
        connection,
        opts={"compare_type": True, "render_as_batch": connection.dialect.name == "sqlite"},
    )
    return list(compare_metadata(context, SQLModel.metadata))


async def test_models_and_migrations_do_not_drift(database_url: str) -> None:
    await upgrade_async(database_url)
    engine = create_engine(database_url)
    try:
        async with engine.connect() as conn:
            diff = await conn.run_sync(_diff)
    finally:
        await engine.dispose()
    assert diff == [], f"models and migrations differ; run alembic revision --autogenerate: {diff}"


async def test_drift_check_notices_a_missing_migration(database_url: str) -> None:
    """The drift check is not vacuous: a table the migrations lack shows up as a difference."""
    await upgrade_async(database_url)
    engine = create_engine(database_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("DROP TABLE tip_counter"))
        async with engine.connect() as conn:
            diff = await conn.run_sync(_diff)
    finally:
        await engine.dispose()
    assert any(entry[0] == "add_table" and entry[1].name == "tip_counter" for entry in diff)


async def test_upgrade_is_idempotent_and_creates_all_tables(database_url: str) -> None:
    await upgrade_async(database_url)
    await upgrade_async(database_url)
    engine = create_engine(database_url)
    try:
        async with engine.connect() as conn:
            names = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
    finally:
        await engine.dispose()
    assert set(SQLModel.metadata.tables) | {"alembic_version"} == names
