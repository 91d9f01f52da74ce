"""`tipsbot run`: migrate, load the library, then poll Telegram with the scheduler alongside."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from telegram.error import InvalidToken, NetworkError

from bot.app import build_application
from bot.delivery import AnotherProcess, lock_sqlite
from bot.serve import Mode, UpdatesConflict, serve
from bot.services import LibraryHolder, Services
from domain.content.loader import load_library
from domain.content.model import Library
from domain.db import DatabaseError, create_engine, describe_database_error, make_session_factory
from domain.i18n import Catalogs
from domain.migrations import upgrade
from domain.settings import ConfigError, Settings

log = logging.getLogger(__name__)


class StartupError(Exception):
    """tipsbot cannot start; the message says why and what to do."""


def migrate(settings: Settings) -> None:
    try:
        upgrade(settings.database_url)
    except Exception as exc:
        raise DatabaseError(describe_database_error(exc)) from exc


def build_services(settings: Settings, *, library: Library | None = None) -> Services:
    """Load the library (unless given) and the catalogs and open the database (migrated)."""
    if library is None:
        library = load_library(settings.content_dir, today=datetime.now(UTC).date())
    try:
        catalogs = Catalogs(settings.default_language)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    engine = create_engine(settings.database_url)
    return Services(
        settings=settings,
        db=engine,
        sessions=make_session_factory(engine),
        library=LibraryHolder(library),
        catalogs=catalogs,
    )


def run(settings: Settings, *, mode: Mode = Mode.POLLING, library: Library | None = None) -> None:
    settings.bot_token()  # a missing or malformed token stops us before anything else
    # SQLite takes one process at a time: the lock comes before the database is touched, so a
    # second process is refused before it migrates, connects or logs anything else.
    try:
        lock = lock_sqlite(settings.database_url) if settings.is_sqlite else None
    except AnotherProcess as exc:
        raise StartupError(str(exc)) from None
    try:
        migrate(settings)
        application = build_application(build_services(settings, library=library))
    except BaseException:
        if lock is not None:
            lock.close()
        raise
    application.bot_data.sqlite_lock = lock  # stop_engine releases it
    try:
        asyncio.run(serve(application, mode))
    except InvalidToken:
        raise StartupError(
            "Telegram rejected TELEGRAM_BOT_TOKEN (401 Unauthorized): check it with @BotFather "
            "(/mybots -> API Token)"
        ) from None
    except UpdatesConflict:
        raise StartupError(
            "another tipsbot (or a webhook) is already receiving updates for this bot token; "
            "stop it first, run this one with --send-only, or delete the webhook"
        ) from None
    except NetworkError as exc:
        raise StartupError(
            f"cannot reach the Telegram Bot API at {settings.telegram_base_url}: {exc} "
            "(check the network and TELEGRAM_BASE_URL)"
        ) from None
