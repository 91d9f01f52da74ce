"""The interactive lane: one tip now (/tip, "more on this topic"), sent straight away.

It does not wait behind a running broadcast; it is recorded in the same ledger, so the tip is
never sent to the chat again by the scheduler. It sends and decides what a failure means
exactly as the dispatcher does (scheduler.sending, scheduler.outcomes): a photo tip goes out
as a photo, and a send that must be retried (flood control, a migrated group, a 5xx) goes back
in the queue for the dispatcher to send again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Bot

from domain.chats import get_chat, load_profile
from domain.content.errors import RenderError
from domain.content.model import Library
from domain.i18n import Catalogs
from domain.models import DeliveryStatus
from domain.selection import choose_next_tip, needs_catch_up
from scheduler import ledger
from scheduler.leases import process_holder
from scheduler.message import build_tip_message
from scheduler.outcomes import RENDER_FLAG, Decision, classify, decide
from scheduler.profiles import selection_profile
from scheduler.sending import prepare, send_prepared

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OnDemandResult:
    tip_id: str | None  # None when nothing is left to send
    sent: bool
    queued: bool = False  # not sent yet: back in the queue, the dispatcher sends it (e.g. 429)


async def send_tip_now(
    *,
    bot: Bot,
    sessions: async_sessionmaker[AsyncSession],
    library: Library,
    catalogs: Catalogs,
    clock: Callable[[], datetime],
    telegram_id: int,
    topic: str | None = None,
    holder: str | None = None,
    at_least_once: bool = False,
    max_attempts: int = 5,
) -> OnDemandResult:
    """Choose the chat's next tip (in `topic`, if given) and send it now. The row is claimed
    by `holder` (default: this process, whose delivery engine holds the sender lease), so no
    other process takes it for abandoned while the request is in flight."""
    now = clock()
    async with sessions() as session:
        chat = await get_chat(session, telegram_id=telegram_id)
        if chat is None or chat.id is None:
            return OnDemandResult(None, False)
        profile = await load_profile(session, chat=chat)
        selection = await selection_profile(session, profile=profile, library=library)
        if topic is not None:
            selection = replace(selection, topics=frozenset({topic}))
        tip = choose_next_tip(
            list(library.tips.values()),
            selection,
            now.date(),
            catch_up=needs_catch_up(len(selection.sent)),
        )
        if tip is None:
            return OnDemandResult(None, False)
        language = chat.language
        delivery_id = await ledger.open_on_demand(
            session,
            chat_id=chat.id,
            tip_id=tip.id,
            language=language,
            holder=holder or process_holder(),
            now=now,
        )
        if delivery_id is None:  # a double tap already took this tip
            return OnDemandResult(tip.id, False)

    async def settle(outcome: ledger.Outcome, decision: Decision) -> None:
        await ledger.settle(
            sessions,
            delivery_id=delivery_id,
            tip_id=tip.id,
            language=language,
            outcome=outcome,
            decision=decision,
        )

    try:
        message = build_tip_message(
            tip, library, language, catalogs, bot_username=bot.username, today=now.date()
        )
    except RenderError as exc:
        outcome = ledger.Outcome(
            DeliveryStatus.FAILED, now, clock(), telegram_id, error_description=str(exc)
        )
        await settle(outcome, Decision(DeliveryStatus.FAILED, flag=RENDER_FLAG))
        return OnDemandResult(tip.id, False)
    started = clock()
    try:
        message_id = await send_prepared(bot, telegram_id, prepare(message, paid=False))
    except Exception as exc:  # every failure is classified and recorded, as the dispatcher does
        failure = classify(exc)
        decision = decide(
            failure, attempts=1, at_least_once=at_least_once, max_attempts=max_attempts
        )
        log.warning("on-demand tip %s: %s (%s)", tip.id, failure.verdict, decision.status)
        outcome = ledger.Outcome(
            decision.status,
            started,
            clock(),
            telegram_id,
            error_code=failure.code,
            error_description=failure.description,
            reason=decision.reason,
        )
        await settle(outcome, decision)
        return OnDemandResult(tip.id, False, queued=decision.retry_in is not None)
    outcome = ledger.Outcome(
        DeliveryStatus.SENT, started, clock(), telegram_id, message_id=message_id
    )
    async with sessions() as session:
        await ledger.finish(session, delivery_id, outcome)
        await session.commit()
    return OnDemandResult(tip.id, True)
