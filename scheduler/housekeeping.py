"""Small periodic chores: pauses that have ended become active again."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.chats import resume_expired_pauses

log = logging.getLogger(__name__)


async def resume_ended_pauses(
    sessions: async_sessionmaker[AsyncSession], clock: Callable[[], datetime]
) -> int:
    """Chats whose pause is over get tips again (their next slot was set past the pause)."""
    async with sessions() as session:
        resumed = await resume_expired_pauses(session, now=clock())
        await session.commit()
    if resumed:
        log.info("%d paused chat(s) resumed by themselves", resumed)
    return resumed
