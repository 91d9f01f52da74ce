"""`tipsbot web`: the operators' dashboard (with /healthz and /metrics) on its own, without the
bot; `tipsbot web hash-password` makes a DASHBOARD_PASSWORD_HASH."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable
from typing import TYPE_CHECKING

import click

from bot.cli.common import fail, get_settings

if TYPE_CHECKING:
    from domain.settings import Settings

DEFAULT_PORT = 8080
MIN_PASSWORD_LENGTH = 12


@click.group("web", invoke_without_command=True)
@click.option("--host", help="Address to listen on (default WEB_HOST, 127.0.0.1).")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    help=f"Port to listen on (default WEB_PORT, else {DEFAULT_PORT}).",
)
@click.pass_context
def web(ctx: click.Context, host: str | None, port: int | None) -> None:
    """Serve the dashboard, /healthz and /metrics alone (no bot token needed); Ctrl-C stops."""
    if ctx.invoked_subcommand is not None:
        return
    from bot.logging_setup import configure_logging
    from domain.db import DatabaseError
    from domain.settings import ConfigError

    settings = get_settings(ctx)
    secrets = [
        s.get_secret_value()
        for s in (settings.telegram_bot_token, settings.dashboard_token)
        if s is not None
    ]
    configure_logging(level=settings.log_level, fmt=settings.log_format, secrets=secrets)
    host = host or settings.web_host
    port = port if port is not None else settings.web_port or DEFAULT_PORT
    if settings.dashboard_password_hash is None and settings.dashboard_token is None:
        click.echo(
            "tipsbot: nobody can sign in yet: set DASHBOARD_PASSWORD_HASH "
            "(from `tipsbot web hash-password`) or DASHBOARD_TOKEN in .env",
            err=True,
        )
    try:
        asyncio.run(serve_web(settings, host, port))
    except ConfigError as exc:
        fail(str(exc), code=2)
    except DatabaseError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}")


async def serve_web(
    settings: Settings, host: str, port: int, *, started: Callable[[int], None] | None = None
) -> None:
    """Migrate, load the library, serve until SIGINT or SIGTERM, then close the database.
    `started` is called with the port once the server listens."""
    from bot.runner import build_services
    from bot.web.server import WebServer, build_web_app
    from domain.db import DatabaseError, describe_database_error
    from domain.migrations import upgrade_async

    try:
        await upgrade_async(settings.database_url)
    except Exception as exc:
        raise DatabaseError(describe_database_error(exc)) from exc
    services = build_services(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    server = WebServer(build_web_app(services), host, port)
    try:
        await server.start()
        click.echo(f"dashboard on http://{host}:{server.port}/ (Ctrl-C stops)")
        if started is not None:
            started(server.port)
        await stop.wait()
    finally:
        await server.stop()
        await services.db.dispose()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


@web.command("hash-password")
def hash_password_command() -> None:
    """Ask for a password (twice, hidden) and print the DASHBOARD_PASSWORD_HASH line for .env."""
    from bot.web.auth import hash_password

    password = click.prompt(
        "Dashboard password", hide_input=True, confirmation_prompt=True, err=True
    )
    if len(password) < MIN_PASSWORD_LENGTH:
        fail(f"use at least {MIN_PASSWORD_LENGTH} characters")
    click.echo(f"DASHBOARD_PASSWORD_HASH={hash_password(password)}")
