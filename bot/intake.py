"""New chats created together: the /start of many new users at once costs one transaction.

A burst of /start (a poster, a share in a big group, a backlog after downtime) brings many
updates at once, and each new chat is a few inserts in its own transaction: per update, the
transaction and its statements cost more CPU than everything else. `ChatIntake` gathers the
new chats of the updates running at the same moment and creates them in one unit of work
(`domain.chats.create_new_chats`): while one batch is being written, the next one gathers.

A deep link (`/start TOPIC`) joins the same batch: its chat is created subscribed to the topic
and active (`NewChat.active`).

A chat that turns out to exist, and every chat of a batch that failed, is answered None: the
caller then takes the ordinary one-chat path, which reports any lasting error as usual.
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.chats import ChatProfile, NewChat, create_new_chats

log = logging.getLogger(__name__)

MAX_BATCH = 200


class ChatIntake:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._waiting: list[tuple[NewChat, asyncio.Future[ChatProfile | None]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def create(self, new: NewChat) -> ChatProfile | None:
        """The new chat's profile once it is stored; None if it exists already (or its batch
        failed): then the caller finds or creates it on its own."""
        future: asyncio.Future[ChatProfile | None] = asyncio.get_running_loop().create_future()
        self._waiting.append((new, future))
        if self._writer is None:
            self._writer = asyncio.create_task(self._write(), name="tipsbot: new chats")
        return await future

    async def _write(self) -> None:
        batch: list[tuple[NewChat, asyncio.Future[ChatProfile | None]]] = []
        try:
            while self._waiting:
                # Let every update that is ready join before the batch is taken.
                await asyncio.sleep(0)
                batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
                profiles = await self._store([new for new, _future in batch])
                for new, future in batch:
                    if not future.done():
                        future.set_result(profiles.get(new.telegram_id))
        finally:
            self._writer = None
            # Cancelled (shutting down): nobody is left waiting for an answer.
            for _new, future in (*batch, *self._waiting):
                if not future.done():
                    future.set_result(None)
            self._waiting = []

    async def _store(self, batch: list[NewChat]) -> dict[int, ChatProfile]:
        try:
            async with self._sessions() as session:
                profiles = await create_new_chats(session, batch)
                await session.commit()
        except Exception as exc:  # each chat is then tried alone, which reports the error
            log.warning(
                "creating %d chats together failed (%s); creating them one by one",
                len(batch),
                type(exc).__name__,
            )
            return {}
        return profiles
