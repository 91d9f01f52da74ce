"""The delivery engine: the planner tick (one process at a time) and the dispatcher (every process).

`tipsbot run` starts it beside the bot; `tipsbot send-due` runs one cycle and exits.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Bot

from domain.content.model import Library
from domain.i18n import Catalogs
from domain.models import SystemEvent
from domain.settings import Settings
from scheduler.dispatcher import DispatchConfig, Dispatcher
from scheduler.flood import FloodBudget
from scheduler.housekeeping import resume_ended_pauses
from scheduler.leases import PLANNER, acquire, release
from scheduler.planner import PlanReport, plan_due, queue_depth
from scheduler.transport import AiohttpRequest

log = logging.getLogger(__name__)
CAPACITY_WINDOW = timedelta(hours=1)


def process_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def dispatch_config(settings: Settings) -> DispatchConfig:
    rate = settings.effective_send_rate
    return DispatchConfig(
        rate=rate,
        chat_interval=settings.chat_min_interval_seconds,
        group_per_minute=settings.group_rate_per_minute,
        paid_broadcast=settings.paid_broadcast,
        at_least_once=settings.delivery_guarantee == "at-least-once",
        max_attempts=settings.max_send_attempts,
        batch_size=max(50, min(2000, int(rate * 4))),
        concurrency=max(16, min(512, int(rate * 0.5) + 16)),
    )


def flood_budget(settings: Settings) -> FloodBudget:
    """The bot's one flood budget for this process: SEND_RATE for everything unpaid, and
    PAID_SEND_RATE in total when tips go out as paid broadcasts."""
    return FloodBudget(
        settings.send_rate,
        paid_limit=settings.paid_send_rate if settings.paid_broadcast else None,
    )


def sending_bot(settings: Settings) -> Bot:
    """The dispatcher's own Bot: its own connection pool (broadcasts never queue behind
    replies, or replies behind broadcasts) over the lean aiohttp transport."""
    return Bot(
        settings.bot_token(),
        base_url=settings.telegram_base_url,
        base_file_url=settings.base_file_url,
        request=AiohttpRequest(connection_pool_size=dispatch_config(settings).concurrency),
    )


@dataclass
class TickReport:
    planned: PlanReport | None  # None when another process holds the planner lease
    resumed: int
    queue_depth: int
    capacity_warning: str | None


class DeliveryEngine:
    def __init__(
        self,
        *,
        settings: Settings,
        bot: Bot,
        sessions: async_sessionmaker[AsyncSession],
        library: Callable[[], Library],
        catalogs: Catalogs,
        clock: Callable[[], datetime],
        budget: FloodBudget | None = None,
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.library = library
        self.clock = clock
        self.holder = process_id()
        self.dispatcher = Dispatcher(
            bot=bot,
            sessions=sessions,
            library=library,
            catalogs=catalogs,
            config=dispatch_config(settings),
            holder=self.holder,
            clock=clock,
            exclusive=settings.is_sqlite,
            budget=budget if budget is not None else flood_budget(settings),
        )
        self._task: asyncio.Task[None] | None = None
        self.last_tick: datetime | None = None
        self._last_capacity_warning: datetime | None = None

    async def tick(self) -> TickReport:
        """Resume ended pauses and, when this process holds the planner lease, plan due chats."""
        now = self.clock()
        resumed = await resume_ended_pauses(self.sessions, self.clock)
        report: PlanReport | None = None
        lease = timedelta(seconds=max(60.0, self.settings.planner_interval_seconds * 3))
        if await acquire(self.sessions, name=PLANNER, holder=self.holder, now=now, ttl=lease):
            report = await plan_due(
                self.sessions,
                self.library(),
                now=now,
                batch_size=self.settings.planner_batch_size,
                catch_up_limit=timedelta(hours=self.settings.catch_up_limit_hours),
            )
            if report.planned:
                log.info("planned %d tip(s) for %d due chat(s)", report.planned, report.chats_due)
        depth = await queue_depth(self.sessions)
        warning = await self.check_capacity(depth, now)
        self.last_tick = now
        return TickReport(report, resumed, depth, warning)

    async def check_capacity(self, depth: int, now: datetime) -> str | None:
        rate = self.settings.effective_send_rate
        needed = timedelta(seconds=depth / rate)
        if needed <= CAPACITY_WINDOW:
            return None
        message = (
            f"capacity: {depth} tips are waiting; at {rate:g}/s they need "
            f"{needed.total_seconds() / 3600:.1f} h (more than 1 h). Raise SEND_RATE, "
            "turn on PAID_BROADCAST, or spread the schedules."
        )
        recent = self._last_capacity_warning
        if recent is None or now - recent >= CAPACITY_WINDOW:
            self._last_capacity_warning = now
            log.warning("%s", message)
            async with self.sessions() as session:
                session.add(SystemEvent(kind="capacity", detail=message, at=now))
                await session.commit()
        return message

    def start(self) -> None:
        """Start sending in the background."""
        if self._task is None:
            self._task = asyncio.create_task(self.dispatcher.run(), name="dispatcher")

    async def stop(self) -> None:
        """Stop claiming; let in-flight sends finish; give up the planner lease."""
        self.dispatcher.stop()
        if self._task is not None:
            await self._task
            self._task = None
        await release(self.sessions, name=PLANNER, holder=self.holder)

    async def send_until_idle(self) -> int:
        """Send everything due now, then return how many were claimed (for send-due)."""
        await self.dispatcher.recover_stale()
        self.dispatcher.start_flusher()
        total = 0
        try:
            while True:
                claimed = await self.dispatcher.dispatch_batch()
                await self.dispatcher.drain()
                total += claimed
                if claimed == 0:
                    return total
        finally:
            await self.dispatcher.stop_flusher()
