"""Small periodic chores: pauses that have ended become active again, outside quiet hours."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.cadence import cadence_for, in_quiet_hours
from domain.pauses import EndedPause, end_pauses, ended_pauses

log = logging.getLogger(__name__)


async def resume_ended_pauses(
    sessions: async_sessionmaker[AsyncSession], clock: Callable[[], datetime]
) -> list[EndedPause]:
    """Chats whose pause is over become active (their next slot was set past the pause) and
    are returned, to be told once. A chat in its quiet hours waits for their end: it gets tips
    meanwhile all the same (domain.pauses.receiving), but no message at night."""
    now = clock()
    async with sessions() as session:
        over = await ended_pauses(session, now=now)
        awake = [c for c in over if not in_quiet_hours(cadence_for(c, c.timezone), now)]
        ended = await end_pauses(session, ids=[c.id for c in awake], now=now)
        await session.commit()
    if ended:
        log.info("%d paused chat(s) resumed by themselves", len(ended))
    return [c for c in awake if c.id in ended]
