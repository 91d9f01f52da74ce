"""The delivery engine: the planner tick (one process at a time) and the dispatcher (every process).

`tipsbot run` starts it beside the bot; `tipsbot send-due` runs one cycle and exits. The engine
owns its sending bot (initialized by start(), shut down by stop()) and the metrics hooks.
Leases, claims and `sent_at` always use the real clock; `send-due --at` only changes the
moment planned for and the deliveries counted as due.
"""

from __future__ import annotations

import asyncio
import logging
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
from scheduler.child_prompt import ask_about_arrivals, ask_again
from scheduler.dispatcher import DispatchConfig, Dispatcher
from scheduler.flood import FloodBudget
from scheduler.housekeeping import resume_ended_pauses
from scheduler.leases import PLANNER, acquire, new_holder, release
from scheduler.paced import Pacing
from scheduler.pause_end import tell_pause_ended
from scheduler.planner import PlanReport, plan_due, queue_depth
from scheduler.transport import AiohttpRequest

log = logging.getLogger(__name__)
CAPACITY_WINDOW = timedelta(hours=1)


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
        holder: str | None = None,
        budget: FloodBudget | None = None,
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.library = library
        self.clock = clock
        self.bot = bot
        self.catalogs = catalogs
        self.holder = holder or new_holder()
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

    def set_hooks(
        self,
        *,
        on_sent: Callable[[float], None] | None = None,
        on_rate_limited: Callable[[], None] | None = None,
    ) -> None:
        """Metrics hooks: seconds per successful request; each 429."""
        self.dispatcher.on_sent = on_sent
        self.dispatcher.on_rate_limited = on_rate_limited

    @property
    def sent_count(self) -> int:
        return self.dispatcher.sent_count

    async def tick(self, *, at: datetime | None = None) -> TickReport:
        """Resume ended pauses (telling those families) and, when this process holds the
        planner lease, plan due chats as of `at` (default now). The lease is taken at the real
        time either way, so planning ahead never holds the planner beyond its usual lease nor
        moves its clock."""
        now = self.clock()
        moment = now if at is None else at
        resumed = await resume_ended_pauses(self.sessions, self.clock)
        await tell_pause_ended(
            bot=self.bot, catalogs=self.catalogs, pacing=self.pacing, chats=resumed
        )
        report: PlanReport | None = None
        lease = timedelta(seconds=max(60.0, self.settings.planner_interval_seconds * 3))
        if await acquire(self.sessions, name=PLANNER, holder=self.holder, now=now, ttl=lease):
            report = await plan_due(
                self.sessions,
                self.library(),
                now=moment,
                batch_size=self.settings.planner_batch_size,
                catch_up_limit=timedelta(hours=self.settings.catch_up_limit_hours),
            )
            if report.planned:
                log.info("planned %d tip(s) for %d due chat(s)", report.planned, report.chats_due)
            await self.ask_about_children(now)
        depth = await queue_depth(self.sessions)
        warning = await self.check_capacity(depth, now)
        self.last_tick = now
        return TickReport(report, len(resumed), depth, warning)

    @property
    def pacing(self) -> Pacing:
        """The tips' pacing, for the other messages the engine sends."""
        dispatcher = self.dispatcher
        return Pacing(dispatcher.pacer, dispatcher.budget, dispatcher.monotonic)

    async def ask_about_children(self, now: datetime) -> None:
        """Ask, with the tips' pacing, the families that skipped the question about a child in
        the deep-link welcome and have had a few tips since, and those whose due date has come
        whether the baby has arrived (planner only)."""
        asked = await ask_again(
            sessions=self.sessions,
            bot=self.bot,
            catalogs=self.catalogs,
            pacing=self.pacing,
            now=now,
        )
        if asked:
            log.info("asked %d chat(s) once more about a child", asked)
        arrivals = await ask_about_arrivals(
            sessions=self.sessions,
            bot=self.bot,
            catalogs=self.catalogs,
            pacing=self.pacing,
            now=now,
        )
        if arrivals:
            log.info("asked %d chat(s) whether the baby has arrived", arrivals)

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

    async def start(self) -> None:
        """Initialize the sending bot and start sending in the background."""
        if self._task is None:
            await self.bot.initialize()
            self._task = asyncio.create_task(self.dispatcher.run(), name="dispatcher")

    async def stop(self) -> None:
        """Stop claiming; let in-flight sends finish; give up the leases; shut the bot down."""
        self.dispatcher.stop()
        if self._task is not None:
            await self._task
            self._task = None
        await release(self.sessions, name=PLANNER, holder=self.holder)
        await self.bot.shutdown()

    async def run_once(self, *, at: datetime | None = None) -> tuple[TickReport, int]:
        """One planning and sending cycle (send-due): plan as of `at`, send what is due by
        then as a sender like any other, give up the leases; returns the tick and how many
        deliveries were claimed."""
        await self.bot.initialize()
        try:
            report = await self.tick(at=at)
            claimed = await self.send_due(at=at)
        finally:
            await release(self.sessions, name=PLANNER, holder=self.holder)
            await self.bot.shutdown()
        return report, claimed

    async def send_due(self, *, at: datetime | None = None) -> int:
        """Send everything due by `at` (default now), holding a sender lease meanwhile, then
        return how many were claimed. The bot is initialized if need be (stop() shuts it)."""
        await self.bot.initialize()
        total = 0
        async with self.dispatcher.sending():
            while (claimed := await self.dispatcher.dispatch_batch(due=at)) > 0:
                await self.dispatcher.drain()
                total += claimed
        return total
