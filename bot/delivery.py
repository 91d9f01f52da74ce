"""Runs the delivery engine inside `tipsbot run`: a dispatcher task and the planner tick job."""

from __future__ import annotations

import fcntl
import logging
from datetime import timedelta
from pathlib import Path
from typing import TextIO

from sqlalchemy.engine import make_url

from bot.context import BotContext, TipsApplication
from bot.reply_limiter import budget_of
from domain.questions import purge_old_questions
from domain.retention import purge_old_deliveries
from scheduler.engine import DeliveryEngine, sending_bot
from scheduler.leases import process_holder

log = logging.getLogger(__name__)
RETENTION_INTERVAL = timedelta(days=1)


class AnotherProcess(RuntimeError):
    """SQLite is already used by another running tipsbot."""


def lock_sqlite(database_url: str) -> TextIO | None:
    """Hold an OS lock beside the SQLite file for as long as this process runs.

    SQLite takes one process at a time here: a second `tipsbot run` is refused with a clear
    message. The kernel drops the lock when the process ends, even after a crash or SIGKILL,
    so a restart never waits for a stale lock.
    """
    database = make_url(database_url).database
    if not database or database == ":memory:":
        return None
    folder = Path(database).parent
    if not folder.exists():  # before the first migration: made as the database's would be
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    handle = open(f"{database}.lock", "w")  # noqa: SIM115 - held open until stop_engine
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise AnotherProcess(
            "another tipsbot process is already using this SQLite database; SQLite supports one "
            "process at a time, so stop the other one or use PostgreSQL (DATABASE_URL) for several"
        ) from None
    return handle


async def start_engine(application: TipsApplication) -> DeliveryEngine:
    services = application.bot_data.services
    settings = services.settings
    if settings.is_sqlite and application.bot_data.sqlite_lock is None:  # `run` took it first
        application.bot_data.sqlite_lock = lock_sqlite(settings.database_url)
    engine = DeliveryEngine(
        settings=settings,
        bot=sending_bot(settings),
        sessions=services.sessions,
        library=lambda: services.library.current,
        catalogs=services.catalogs,
        clock=services.clock,
        holder=process_holder(),  # the on-demand lane claims its rows under the same name
        budget=budget_of(application.bot),  # the replies' budget: one per bot (issue 14)
    )
    application.bot_data.engine = engine
    await engine.start()
    jobs = application.job_queue
    assert jobs is not None
    jobs.run_repeating(
        planner_tick, interval=settings.planner_interval_seconds, first=0.5, name="planner"
    )
    jobs.run_repeating(purge_log, interval=RETENTION_INTERVAL, first=60.0, name="retention")
    return engine


async def purge_log(context: BotContext) -> None:
    """Daily: delete delivery rows older than LOG_RETENTION_DAYS, and kept question texts
    older than ASK_UNANSWERED_RETENTION_DAYS."""
    services = context.services
    settings = services.settings
    async with services.sessions() as session:
        purged = await purge_old_deliveries(
            session, now=services.clock(), days=settings.log_retention_days
        )
        questions = await purge_old_questions(
            session, now=services.clock(), days=settings.ask_unanswered_retention_days
        )
        await session.commit()
    if purged:
        log.info("retention: purged %d delivery rows", purged)
    if questions:
        log.info("retention: purged %d kept question texts", questions)


async def planner_tick(context: BotContext) -> None:
    """Plan due chats (one process at a time), resume ended pauses, check capacity."""
    engine = context.bot_data.engine
    if engine is not None:
        await engine.tick()


async def stop_engine(application: TipsApplication) -> None:
    """Stop claiming, let in-flight sends finish, release leases and the SQLite lock."""
    engine, application.bot_data.engine = application.bot_data.engine, None
    if engine is not None:
        await engine.stop()
    lock, application.bot_data.sqlite_lock = application.bot_data.sqlite_lock, None
    if lock is not None:
        lock.close()
