"""What every `tipsbot` command shares: one-line failures, the settings, ISO-8601 moments.

Kept free of heavy imports so that `tipsbot --help` stays fast; commands import the
database, Telegram and the scheduler inside their own bodies.
"""

from __future__ import annotations

import sys
from collections.abc import Collection, Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, NoReturn

import click

if TYPE_CHECKING:
    from domain.content.model import Library
    from domain.settings import Settings


def fail(message: str, code: int = 1) -> NoReturn:
    """End the command with one line on stderr and a non-zero exit code."""
    click.echo(f"tipsbot: error: {message}", err=True)
    sys.exit(code)


def get_settings(ctx: click.Context) -> Settings:
    """Settings, built once per invocation; a bad value ends the command with one clear line."""
    from domain.settings import ConfigError, Settings, load_settings

    root = ctx.find_root()
    if not isinstance(root.obj, Settings):
        try:
            root.obj = load_settings()
        except ConfigError as exc:
            fail(str(exc), code=2)
    assert isinstance(root.obj, Settings)
    return root.obj


def parse_moment(value: str | None) -> datetime:
    """ISO-8601; a time without a zone is taken as UTC; None is now."""
    if value is None:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not an ISO-8601 time like 2026-12-01T10:00"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def load_tips(settings: Settings, now: datetime) -> Library:
    """The content library as of `now`; one that holds no tip at all (started in the wrong folder,
    CONTENT_DIR misspelt) ends the command with a line that names the folder."""
    from domain.content.errors import Severity
    from domain.content.loader import load_library

    library = load_library(settings.content_dir, today=now.date())
    if not library.tips:
        errors = [p.message for p in library.problems if p.severity is Severity.ERROR]
        reason = f" ({errors[0]})" if errors else ""
        fail(
            f"no tips in {settings.content_dir.resolve()}{reason}: set CONTENT_DIR to the "
            "content folder or start tipsbot from the folder that holds it",
            code=2,
        )
    return library


def check_choices(option: str, given: Iterable[str], valid: Collection[str]) -> None:
    """End the command with a usage error if a value of `option` is not one of `valid`:
    a misspelt filter must not quietly match nothing."""
    from domain.content.frontmatter import did_you_mean

    for value in given:
        if value not in valid:
            fail(
                f"{option}: unknown value {value!r}{did_you_mean(value, valid)}; "
                f"choose from {', '.join(sorted(valid))}",
                code=2,
            )
