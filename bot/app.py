"""The application factory: builds the PTB Application and wires every feature module."""

from __future__ import annotations

import asyncio
import logging
import signal

from telegram import Update
from telegram.ext import ApplicationBuilder

from bot.commands import register_commands
from bot.content_reload import ContentReloader
from bot.context import CONTEXT_TYPES, TipsApplication
from bot.delivery import start_engine, stop_engine
from bot.errors import on_error
from bot.handlers import (
    children,
    editors,
    groups,
    help,
    language,
    onboarding,
    pause,
    privacy,
    replies,
    schedule,
    settings_menu,
    tips,
    topics,
)
from bot.services import Services

log = logging.getLogger(__name__)

# APScheduler's default misfire grace of 1 s silently drops a tick that starts late (PTB
# #3642); ticks are idempotent, so run a late one once (coalesce) rather than skip it.
JOB_DEFAULTS = {"misfire_grace_time": 60, "coalesce": True, "max_instances": 1}


def build_application(services: Services) -> TipsApplication:
    settings = services.settings
    application: TipsApplication = (
        ApplicationBuilder()
        .token(settings.bot_token())
        .base_url(settings.telegram_base_url)
        .base_file_url(settings.base_file_url)
        .context_types(CONTEXT_TYPES)
        .concurrent_updates(True)
        .post_init(_post_init)
        .post_stop(_post_stop)
        .post_shutdown(_post_shutdown)
        .build()
    )
    application.bot_data.services = services
    if application.job_queue is not None:
        # configure() replaces the whole configuration, so keep PTB's (executor, time zone).
        jobs = application.job_queue
        jobs.scheduler.configure(**jobs.scheduler_configuration, job_defaults=JOB_DEFAULTS)
    features = (onboarding, topics, children, schedule, language, pause, privacy, settings_menu)
    for module in (*features, tips, editors, groups, help, replies):
        application.add_handlers(module.build_handlers())
    application.add_handlers(help.build_fallbacks())
    application.add_error_handler(on_error)
    return application


async def _post_init(application: TipsApplication) -> None:
    services = application.bot_data.services
    await register_commands(application.bot, services.catalogs)
    await start_content_reload(application)
    await start_engine(application)
    library = services.library.current
    log.info(
        "tipsbot started as @%s; database %s; %d tips loaded (%d topics, languages %s)",
        application.bot.username,
        services.settings.database_url_safe,
        len(library.tips),
        len(library.topics),
        ",".join(library.languages),
    )


async def start_content_reload(application: TipsApplication) -> None:
    """Watch the content folder (unless CONTENT_RELOAD_SECONDS is 0)."""
    if application.bot_data.services.settings.content_reload_seconds > 0:
        application.bot_data.reloader = ContentReloader(application)
        await application.bot_data.reloader.start()


async def _post_stop(application: TipsApplication) -> None:
    await stop_engine(application)


async def _post_shutdown(application: TipsApplication) -> None:
    if application.bot_data.reloader is not None:
        await application.bot_data.reloader.stop()
    await application.bot_data.services.engine.dispose()
    log.info("tipsbot stopped; database closed")


ALLOWED_UPDATES = Update.ALL_TYPES


async def send_only(application: TipsApplication) -> None:
    """Plan and send without receiving updates: extra processes beside the one that polls
    (Telegram allows one poller per token). Stops cleanly on SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with application:
        await application.start()
        await start_content_reload(application)
        await start_engine(application)
        log.info("tipsbot sending (no updates) as @%s", application.bot.username)
        await stop.wait()
        await application.stop()
        await _post_stop(application)
    await _post_shutdown(application)
