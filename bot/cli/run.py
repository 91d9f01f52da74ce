"""`tipsbot run`: the bot in polling mode together with the scheduler."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from bot.cli.common import fail, get_settings, load_tips


@click.command("run")
@click.option(
    "--send-only",
    is_flag=True,
    help="Plan and send tips without receiving updates (extra processes on PostgreSQL).",
)
@click.option(
    "--webhook",
    "webhook_url",
    help="Receive updates by webhook at this public https URL (needs WEB_PORT).",
)
@click.pass_context
def run_command(ctx: click.Context, send_only: bool, webhook_url: str | None) -> None:
    """Run the bot: migrate the database, load the library, poll Telegram, send tips."""
    from domain.settings import ConfigError, webhook_url_problem

    settings = get_settings(ctx)
    if webhook_url:
        if problem := webhook_url_problem(webhook_url):
            fail(f"--webhook: {problem}", code=2)
        settings = settings.model_copy(update={"webhook_url": webhook_url})
    try:
        settings.bot_token()  # a missing or malformed token is the first thing to fix
    except ConfigError as exc:
        fail(str(exc), code=2)
    library = load_tips(settings, datetime.now(UTC))  # before the database: wrong folder?

    # Telegram and the whole bot are imported only once these quick checks have passed.
    from bot.logging_setup import configure_logging
    from bot.runner import StartupError, run
    from bot.serve import Mode
    from domain.db import DatabaseError

    mode = Mode.SEND_ONLY if send_only else Mode.WEBHOOK if settings.webhook_url else Mode.POLLING
    secrets = [
        s.get_secret_value()
        for s in (settings.telegram_bot_token, settings.dashboard_token, settings.webhook_secret)
        if s is not None
    ]
    configure_logging(level=settings.log_level, fmt=settings.log_format, secrets=secrets)
    try:
        run(settings, mode=mode, library=library)
    except ConfigError as exc:
        fail(str(exc), code=2)
    except (DatabaseError, StartupError) as exc:
        fail(str(exc))
