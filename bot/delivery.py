"""Runs the delivery engine inside `tipsbot run`: a dispatcher task and the planner tick job."""

from __future__ import annotations

from datetime import timedelta

from telegram import Bot
from telegram.request import HTTPXRequest

from bot.context import BotContext, TipsApplication
from scheduler.engine import DeliveryEngine, dispatch_config
from scheduler.leases import SQLITE_OWNER, acquire

SQLITE_LEASE = timedelta(minutes=2)


class AnotherProcess(RuntimeError):
    """SQLite is already used by another running tipsbot."""


def sending_bot(application: TipsApplication) -> Bot:
    """A Bot of its own for the dispatcher: broadcasts never queue behind replies, or vice versa."""
    settings = application.bot_data.services.settings
    pool = dispatch_config(settings).concurrency
    return Bot(
        settings.bot_token(),
        base_url=settings.telegram_base_url,
        base_file_url=settings.base_file_url,
        request=HTTPXRequest(connection_pool_size=pool, pool_timeout=10.0),
    )


async def start_engine(application: TipsApplication) -> DeliveryEngine:
    services = application.bot_data.services
    settings = services.settings
    engine = DeliveryEngine(
        settings=settings,
        bot=sending_bot(application),
        sessions=services.sessions,
        library=lambda: services.library.current,
        catalogs=services.catalogs,
        clock=services.clock,
    )
    if settings.is_sqlite and not await acquire(
        services.sessions,
        name=SQLITE_OWNER,
        holder=engine.holder,
        now=services.clock(),
        ttl=SQLITE_LEASE,
    ):
        raise AnotherProcess(
            "another tipsbot process is already using this SQLite database; SQLite supports one "
            "process at a time, so stop the other one or use PostgreSQL (DATABASE_URL) for several"
        )
    await engine.dispatcher.bot.initialize()
    application.bot_data.engine = engine
    engine.start()
    jobs = application.job_queue
    assert jobs is not None
    jobs.run_repeating(
        planner_tick, interval=settings.planner_interval_seconds, first=0.5, name="planner"
    )
    return engine


async def planner_tick(context: BotContext) -> None:
    """Plan due chats (one process at a time), resume ended pauses, check capacity."""
    engine = context.bot_data.engine
    if engine is None:
        return
    services = context.services
    if services.settings.is_sqlite:
        await acquire(
            services.sessions,
            name=SQLITE_OWNER,
            holder=engine.holder,
            now=services.clock(),
            ttl=SQLITE_LEASE,
        )
    await engine.tick()


async def stop_engine(application: TipsApplication) -> None:
    """Stop claiming, let in-flight sends finish, release leases."""
    engine = application.bot_data.engine
    if engine is None:
        return
    application.bot_data.engine = None
    await engine.stop()
    await engine.dispatcher.bot.shutdown()
