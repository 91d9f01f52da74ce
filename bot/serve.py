"""Serving: receive updates (polling or webhook) or none (send-only), with the delivery engine,
content reload and the web server around them, and a clean stop on SIGINT/SIGTERM.

Stopping order: stop taking updates, stop claiming deliveries and let in-flight sends finish,
stop the web server, then close the database.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import secrets
import signal
from enum import StrEnum

from telegram import Update
from telegram.error import Conflict, TelegramError

from bot.commands import register_commands
from bot.content_reload import start_content_reload, stop_content_reload
from bot.context import TipsApplication
from bot.delivery import start_engine, stop_engine
from bot.receiving import AnotherReceiver, release_receiver_lease, take_receiver_lease
from bot.web.keys import METRICS
from bot.web.server import WebServer, build_web_app
from domain.settings import ConfigError, env_file_warning, webhook_url_problem

log = logging.getLogger(__name__)


class Mode(StrEnum):
    POLLING = "polling"
    WEBHOOK = "webhook"
    SEND_ONLY = "send-only"


class UpdatesConflict(RuntimeError):
    """Another process (or a webhook) receives this bot's updates."""


def check_mode(application: TipsApplication, mode: Mode) -> None:
    settings = application.bot_data.services.settings
    if mode is Mode.WEBHOOK and (not settings.webhook_url or settings.web_port is None):
        raise ConfigError(
            "webhook mode needs WEBHOOK_URL (the public https address) and WEB_PORT "
            "(where the reverse proxy forwards it)"
        )
    if mode is Mode.WEBHOOK and settings.webhook_url:
        problem = webhook_url_problem(settings.webhook_url)
        if problem:
            raise ConfigError(f"WEBHOOK_URL: {problem}")


async def serve(application: TipsApplication, mode: Mode) -> None:
    check_mode(application, mode)
    if warning := env_file_warning():
        log.warning("%s", warning)
    services = application.bot_data.services
    settings = services.settings
    stop = asyncio.Event()
    conflict: list[str] = []
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)

    def on_polling_error(error: TelegramError) -> None:
        if isinstance(error, Conflict):
            conflict.append(str(error))
            stop.set()
        else:
            log.warning("polling: %s", error)

    web: WebServer | None = None
    try:
        async with application:
            if mode is not Mode.SEND_ONLY:
                try:  # before polling: a second poller would stop the first one too
                    await take_receiver_lease(application)
                except AnotherReceiver:
                    raise UpdatesConflict("another tipsbot process receives updates") from None
                await register_commands(application.bot, services.catalogs)
            await start_content_reload(application)
            engine = await start_engine(application)
            if settings.web_port is not None:
                web_app = build_web_app(services, bot_application=application)
                metrics = web_app[METRICS]
                engine.set_hooks(
                    on_sent=metrics.observe_send, on_rate_limited=metrics.observe_rate_limit
                )
                web = WebServer(web_app, settings.web_host, settings.web_port)
                await start_web(web)
            await application.start()
            if mode is Mode.POLLING:
                assert application.updater is not None
                await application.updater.start_polling(
                    allowed_updates=Update.ALL_TYPES, error_callback=on_polling_error
                )
            elif mode is Mode.WEBHOOK:
                await set_webhook(application)
            library = services.library.current
            log.info(
                "tipsbot started as @%s (%s); database %s; %d tips loaded (%d topics, "
                "languages %s)",
                application.bot.username,
                mode.value,
                settings.database_url_safe,
                len(library.tips),
                len(library.topics),
                ",".join(library.languages),
            )
            # Everything loaded at start-up (the library, catalogs, PTB and SQLAlchemy) lives
            # as long as the process: keep it out of the cyclic collector's full passes, which
            # otherwise pause the event loop for tens of ms and bunch paced sends together.
            gc.freeze()
            await stop.wait()
            if mode is Mode.POLLING and application.updater is not None:
                await application.updater.stop()
            if mode is Mode.WEBHOOK:
                await application.bot.delete_webhook()
            if mode is not Mode.SEND_ONLY:
                await release_receiver_lease(application)
            await stop_engine(application)
            await application.stop()
            if web is not None:
                await web.stop()
                web = None
            await stop_content_reload(application)
    finally:
        if web is not None:
            await web.stop()
        await services.db.dispose()
        log.info("tipsbot stopped; database closed")
    if conflict:
        raise UpdatesConflict(conflict[0])


async def start_web(web: WebServer) -> None:
    """Start the web server; a port that is taken is a ConfigError that says what to do."""
    try:
        await web.start()
    except OSError as exc:
        raise ConfigError(
            f"WEB_PORT: cannot listen on {web.host}:{web.port} ({exc.strerror or exc}); "
            "another process (perhaps another tipsbot with the same .env) uses it: give each "
            "process its own WEB_PORT, or set WEB_PORT= (empty) to run this one without the "
            "web server"
        ) from None


async def set_webhook(application: TipsApplication) -> None:
    """Point Telegram at our webhook with a secret it will echo in every request."""
    settings = application.bot_data.services.settings
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
    if secret is None:
        secret = secrets.token_urlsafe(32)  # A-Z a-z 0-9 _ - only, as Telegram requires
    application.bot_data.webhook_secret = secret
    assert settings.webhook_url is not None
    await application.bot.set_webhook(
        settings.webhook_url, secret_token=secret, allowed_updates=Update.ALL_TYPES
    )
