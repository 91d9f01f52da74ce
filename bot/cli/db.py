"""`tipsbot db`: database maintenance (`upgrade` here, `purge` in bot.cli.ops)."""

from __future__ import annotations

import asyncio

import click

from bot.cli.common import fail, get_settings
from bot.cli.lazy import Lazy, LazyGroup


@click.group(
    cls=LazyGroup,
    lazy={
        "purge": Lazy(
            "bot.cli.ops:purge_command",
            "Delete delivery rows older than LOG_RETENTION_DAYS, and kept question texts older "
            "than ASK_UNANSWERED_RETENTION_DAYS, now (the bot does it daily).",
        )
    },
)
def db() -> None:
    """Database maintenance."""


@db.command("upgrade")
@click.pass_context
def upgrade_command(ctx: click.Context) -> None:
    """Apply all pending migrations (tipsbot run does this by itself)."""
    from alembic.script import ScriptDirectory

    from domain.db import DatabaseError, describe_database_error
    from domain.migrations import alembic_config, upgrade

    settings = get_settings(ctx)
    try:
        before = asyncio.run(current_revision(settings.database_url))
        upgrade(settings.database_url)
        after = asyncio.run(current_revision(settings.database_url))
    except DatabaseError as exc:
        fail(str(exc))
    except Exception as exc:  # alembic and every driver raise their own kinds
        fail(describe_database_error(exc))
    scripts = ScriptDirectory.from_config(alembic_config(settings.database_url))
    applied = list(reversed(list(scripts.iterate_revisions(after, before or "base"))))
    if not applied:
        click.echo(f"database already up to date (revision {after}): {settings.database_url_safe}")
        return
    click.echo(f"applied {len(applied)} migrations to {settings.database_url_safe}:")
    for script in applied:
        click.echo(f"  {script.revision}  {script.doc}")
    click.echo(f"database is now at revision {after}")


async def current_revision(database_url: str) -> str | None:
    """The revision the database is at; None for a database never migrated."""
    from alembic.runtime.migration import MigrationContext

    from domain.db import create_engine

    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(
                lambda sync: MigrationContext.configure(sync).get_current_revision()
            )
    finally:
        await engine.dispose()
