"""The interactive lane: one tip now (/tip, "more on this topic"), sent straight away.

It does not wait behind a running broadcast; it is recorded in the same ledger, so the tip is
never sent to the chat again by the scheduler.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Bot, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import Forbidden, TelegramError

from domain.chats import get_chat, load_profile
from domain.content.errors import RenderError
from domain.content.model import Library
from domain.i18n import Catalogs
from domain.models import Delivery, DeliveryLane, DeliveryStatus
from domain.selection import choose_next_tip, needs_catch_up
from scheduler.ledger import Outcome, finish
from scheduler.message import build_tip_message
from scheduler.profiles import selection_profile

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OnDemandResult:
    tip_id: str | None  # None when nothing is left to send
    sent: bool


async def send_tip_now(
    *,
    bot: Bot,
    sessions: async_sessionmaker[AsyncSession],
    library: Library,
    catalogs: Catalogs,
    clock: Callable[[], datetime],
    telegram_id: int,
    topic: str | None = None,
) -> OnDemandResult:
    now = clock()
    today = now.date()
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
            today,
            catch_up=needs_catch_up(len(selection.sent)),
        )
        if tip is None:
            return OnDemandResult(None, False)
        delivery = Delivery(
            chat_id=chat.id,
            tip_id=tip.id,
            language=chat.language,
            lane=DeliveryLane.ON_DEMAND.value,
            status=DeliveryStatus.SENDING.value,
            slot_at=now,
            planned_at=now,
            not_before=now,
            claimed_by="interactive",
            attempts=1,
        )
        session.add(delivery)
        try:
            await session.commit()
        except IntegrityError:  # a double tap already took this tip
            return OnDemandResult(tip.id, False)
        language = chat.language
    try:
        message = build_tip_message(
            tip, library, language, catalogs, bot_username=bot.username, today=today
        )
    except RenderError as exc:
        await _finish(
            sessions,
            delivery,
            _outcome(DeliveryStatus.FAILED, now, clock(), telegram_id, error=str(exc)),
        )
        return OnDemandResult(tip.id, False)
    started = clock()
    try:
        sent = await bot.send_message(
            telegram_id,
            message.html,
            parse_mode=ParseMode.HTML,
            reply_markup=message.keyboard,
            link_preview_options=LinkPreviewOptions(is_disabled=not message.link_preview),
        )
    except Forbidden as exc:
        await _finish(
            sessions,
            delivery,
            _outcome(
                DeliveryStatus.FAILED, started, clock(), telegram_id, code=403, error=exc.message
            ),
            block=True,
        )
        return OnDemandResult(tip.id, False)
    except TelegramError as exc:
        log.warning("on-demand tip %s to a chat failed: %s", tip.id, type(exc).__name__)
        await _finish(
            sessions,
            delivery,
            _outcome(DeliveryStatus.FAILED, started, clock(), telegram_id, error=str(exc)),
        )
        return OnDemandResult(tip.id, False)
    outcome = Outcome(
        DeliveryStatus.SENT, started, clock(), telegram_id, message_id=sent.message_id
    )
    await _finish(sessions, delivery, outcome)
    return OnDemandResult(tip.id, True)


def _outcome(
    status: DeliveryStatus,
    started: datetime,
    finished: datetime,
    telegram_id: int,
    *,
    code: int | None = None,
    error: str | None = None,
) -> Outcome:
    return Outcome(status, started, finished, telegram_id, error_code=code, error_description=error)


async def _finish(
    sessions: async_sessionmaker[AsyncSession],
    delivery: Delivery,
    outcome: Outcome,
    *,
    block: bool = False,
) -> None:
    assert delivery.id is not None
    async with sessions() as session:
        await finish(session, delivery.id, outcome, unreachable=block)
        await session.commit()
