"""The `tipsbot` command line (also `python -m bot`). Each command group lives in its own module."""

from __future__ import annotations

import os
import sys
from typing import NoReturn

import click

from bot.cli.content import content
from bot.cli.db import db
from bot.cli.delivery import broadcast, deliveries, send_due
from bot.cli.link import link
from bot.cli.ops import purge_command, stats_command
from bot.cli.run import run_command
from bot.cli.web import web
from domain.settings import ConfigError, Settings, load_settings


def fail(message: str, code: int = 1) -> NoReturn:
    click.echo(f"tipsbot: error: {message}", err=True)
    sys.exit(code)


def get_settings(ctx: click.Context) -> Settings:
    """Settings, built once per invocation; a bad value ends the command with one clear line."""
    root = ctx.find_root()
    if not isinstance(root.obj, Settings):
        try:
            root.obj = load_settings()
        except ConfigError as exc:
            fail(str(exc), code=2)
    assert isinstance(root.obj, Settings)
    return root.obj


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="tipsbot")
def main() -> None:
    """tipsbot: curated, timely tips for families on Telegram."""
    # PTB 22 reports retry_after as a timedelta when asked to (and warns otherwise).
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    # Everything tipsbot creates (database, its -wal/-shm, lock files, exports) holds chat data:
    # readable by this user only, whatever umask the shell or service manager set.
    os.umask(0o077)


main.add_command(run_command)
main.add_command(db)
main.add_command(content)
main.add_command(send_due)
main.add_command(broadcast)
main.add_command(deliveries)
main.add_command(link)
main.add_command(stats_command)
db.add_command(purge_command)
main.add_command(web)
