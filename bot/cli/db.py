"""`tipsbot db`: database maintenance."""

from __future__ import annotations

import click

from domain.db import DatabaseError


@click.group()
def db() -> None:
    """Database maintenance."""


@db.command("upgrade")
@click.pass_context
def upgrade_command(ctx: click.Context) -> None:
    """Apply all pending migrations (tipsbot run does this by itself)."""
    from bot.cli import fail, get_settings
    from bot.runner import migrate

    settings = get_settings(ctx)
    try:
        migrate(settings)
    except DatabaseError as exc:
        fail(str(exc))
    click.echo(f"database is up to date: {settings.database_url_safe}")
