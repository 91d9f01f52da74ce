"""`tipsbot run`: the bot in polling mode together with the scheduler."""

from __future__ import annotations

import click

from bot.logging_setup import configure_logging
from domain.db import DatabaseError
from domain.settings import ConfigError


@click.command("run")
@click.option(
    "--send-only",
    is_flag=True,
    help="Plan and send tips without receiving updates (extra processes on PostgreSQL).",
)
@click.pass_context
def run_command(ctx: click.Context, send_only: bool) -> None:
    """Run the bot: migrate the database, load the library, poll Telegram, send tips."""
    from bot.cli import fail, get_settings
    from bot.runner import StartupError, run

    settings = get_settings(ctx)
    token = settings.telegram_bot_token.get_secret_value() if settings.telegram_bot_token else ""
    configure_logging(level=settings.log_level, fmt=settings.log_format, secrets=[token])
    try:
        run(settings, updates=not send_only)
    except ConfigError as exc:
        fail(str(exc), code=2)
    except (DatabaseError, StartupError) as exc:
        fail(str(exc))
