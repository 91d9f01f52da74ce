"""Periodic jobs run by PTB's JobQueue (APScheduler) inside the bot's event loop."""

from __future__ import annotations

from bot.context import BotContext, TipsApplication
from scheduler.housekeeping import resume_ended_pauses

HOUSEKEEPING_SECONDS = 60.0


async def housekeeping(context: BotContext) -> None:
    """Resume chats whose pause has ended."""
    services = context.services
    await resume_ended_pauses(services.sessions, services.clock)


def schedule_jobs(application: TipsApplication) -> None:
    jobs = application.job_queue
    assert jobs is not None, "python-telegram-bot[job-queue] provides the JobQueue"
    jobs.run_repeating(housekeeping, interval=HOUSEKEEPING_SECONDS, first=1.0, name="housekeeping")
