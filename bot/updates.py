"""Receiving updates: they run concurrently across chats but one at a time within a chat, and
an update PTB cannot parse is skipped instead of stalling polling.

Two quick taps (or a double-sent /start) from one chat must not race each other to create the
same rows; different chats should never wait for each other.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import weakref
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram._utils.types import JSONDict
from telegram.ext import BaseUpdateProcessor
from telegram.request import HTTPXRequest

log = logging.getLogger(__name__)

MAX_CONCURRENT_UPDATES = 256


class PerChatUpdateProcessor(BaseUpdateProcessor):
    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        # A chat's lock lives only while some update of that chat holds or awaits it.
        self._locks: weakref.WeakValueDictionary[int, asyncio.Lock] = weakref.WeakValueDictionary()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            await coroutine
            return
        lock = self._locks.get(chat.id)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[chat.id] = lock
        async with lock:
            await coroutine

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""


def usable_update(data: object) -> JSONDict | None:
    """`data` if PTB can parse it as an Update; else an empty update with the same id (so the
    polling offset moves past it), or None when it has no id at all.

    A malformed update is logged once, with its id and the parse error's type only: the raw data
    holds users' names and texts.
    """
    if not isinstance(data, dict):
        log.warning("skipped an update that is not an object (%s)", type(data).__name__)
        return None
    update_id = data.get("update_id")
    try:
        Update.de_json(copy.deepcopy(data), None)
    except Exception as exc:  # any parse failure: the update cannot be handled
        if not isinstance(update_id, int) or isinstance(update_id, bool):
            log.warning("skipped an update without an id (%s)", type(exc).__name__)
            return None
        log.warning("skipped malformed update %d (%s)", update_id, type(exc).__name__)
        return {"update_id": update_id}
    return data


class SkipMalformedUpdatesRequest(HTTPXRequest):
    """PTB's request for getUpdates (it serves nothing else), except that an update PTB cannot
    parse is replaced by an empty one: otherwise PTB refuses the whole batch, never confirms
    it, and polls it again forever, logging the users' data at CRITICAL each time."""

    @staticmethod
    def parse_json_payload(payload: bytes) -> JSONDict:
        body = HTTPXRequest.parse_json_payload(payload)
        result = body.get("result")
        if body.get("ok") is True and isinstance(result, list):
            body["result"] = [u for u in map(usable_update, result) if u is not None]
        return body
