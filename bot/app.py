"""The application factory: builds the PTB Application and wires every feature module."""

from __future__ import annotations

import logging

from telegram.ext import ApplicationBuilder, Defaults

from bot.context import CONTEXT_TYPES, TipsApplication
from bot.errors import on_error
from bot.handlers import (
    ask,
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
from bot.reply_limiter import ReplyLimiter
from bot.services import Services
from bot.updates import (
    MAX_CONCURRENT_UPDATES,
    PerChatUpdateProcessor,
    SkipMalformedUpdatesRequest,
)
from scheduler.engine import flood_budget
from scheduler.transport import AiohttpRequest

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
        # Replies and edits go over aiohttp: about a quarter of httpx's CPU per request (see
        # scheduler/transport.py), which is what a /start storm spends most on. One connection
        # per update that may run at once. getUpdates keeps PTB's own request (one connection,
        # a read timeout that PTB extends by the long-polling timeout), minus malformed updates.
        .request(AiohttpRequest(connection_pool_size=MAX_CONCURRENT_UPDATES))
        .get_updates_request(SkipMalformedUpdatesRequest(connection_pool_size=1))
        .concurrent_updates(PerChatUpdateProcessor(MAX_CONCURRENT_UPDATES))
        # Every reply and edit through the bot's one flood budget, shared with the dispatcher
        # (bot.delivery), retried on 429 and never dropped (bot.reply_limiter).
        .rate_limiter(ReplyLimiter(flood_budget(settings)))
        # In groups replies quote the command; a clean-up bot may have deleted it already.
        .defaults(Defaults(allow_sending_without_reply=True))
        .build()
    )
    application.bot_data.services = services
    if application.job_queue is not None:
        # configure() replaces the whole configuration, so keep PTB's (executor, time zone).
        jobs = application.job_queue
        jobs.scheduler.configure(**jobs.scheduler_configuration, job_defaults=JOB_DEFAULTS)
    # Before every feature: another command or button ends an open question (bot.handlers.replies).
    application.add_handlers(replies.build_watchers(), group=-1)
    features = (onboarding, topics, children, schedule, language, pause, privacy, settings_menu)
    for module in (*features, tips, ask, groups, help, replies):
        application.add_handlers(module.build_handlers())
    application.add_handlers(editors.build_handlers(settings.admin_user_ids))
    application.add_handlers(help.build_fallbacks())
    application.add_error_handler(on_error)
    return application
