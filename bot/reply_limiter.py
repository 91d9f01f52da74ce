"""Replies, edits and confirmations under Telegram's flood limit: through the bot's one flood
budget (scheduler.flood), interactive first, and never dropped.

PTB's rate-limiter hook (`BaseRateLimiter`, called by `ExtBot` for every request except
getUpdates) holds each counted request until the budget gives it a turn. Then:

- 429: wait `retry_after` and send it again. A 429 in a private chat that had a message less
  than CHAT_INTERVAL ago, or in a group that had GROUP_PER_MINUTE in the last minute, is taken
  as that chat's limit and holds only that chat; otherwise it pauses every send of the bot
  once (`FloodBudget.rate_limited`).
- A network error before the request left (no connection), or a 5xx: sent again after a short
  backoff, up to MAX_NETWORK_RETRIES times.
- Anything else (a definite 4xx, a timeout after the request may have arrived) is raised to the
  handler as before.

The user's update stays in progress meanwhile (`bot.updates` keeps a chat's updates in order),
and a user whose answer is held back for more than TYPING_AFTER seconds sees "typing…" (a chat
action: not a message, not counted).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.constants import ChatAction
from telegram.error import RetryAfter, TelegramError
from telegram.ext import BaseRateLimiter, ExtBot

from scheduler.flood import FloodBudget, Lane, counted
from scheduler.outcomes import Verdict, backoff_seconds, classify

log = logging.getLogger(__name__)

JSONDict = dict[str, Any]
Callback = Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]]

CHAT_INTERVAL = 1.0
GROUP_PER_MINUTE = 20
GROUP_WINDOW = 60.0
PRUNE_AT = 10_000  # chats remembered before the ones idle for GROUP_WINDOW are dropped
TYPING_AFTER = 1.0
TYPING_EVERY = 4.5  # a chat action shows for about 5 s
MAX_NETWORK_RETRIES = 6


class ReplyLimiter(BaseRateLimiter[None]):
    def __init__(
        self, budget: FloodBudget, *, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self.budget = budget
        self.monotonic = monotonic
        self._in_chat: dict[object, deque[float]] = {}
        self._prune_at = PRUNE_AT
        self._typing_tasks: set[asyncio.Task[None]] = set()

    async def initialize(self) -> None:
        """Nothing to set up: the budget lives as long as the process."""

    async def shutdown(self) -> None:
        """Stop showing "typing…": the bot is going away."""
        for task in list(self._typing_tasks):
            task.cancel()
        await asyncio.gather(*self._typing_tasks, return_exceptions=True)

    async def process_request(
        self,
        callback: Callback,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: None,
    ) -> bool | JSONDict | list[JSONDict]:
        chat_id = data.get("chat_id")
        is_counted = counted(endpoint)
        network_failures = 0
        while True:
            departed = self.monotonic()
            if is_counted:
                departed = await self._turn(callback, chat_id)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                retry_after = classify(exc).retry_after
                if not is_counted or self._chat_limit(chat_id, departed):
                    await asyncio.sleep(retry_after)  # this chat (or method) only
                elif self.budget.rate_limited(departed, retry_after):
                    log.warning("429: all sending paused for %g s", retry_after)
            except TelegramError as exc:
                failure = classify(exc)
                if failure.verdict is not Verdict.RETRY or network_failures >= MAX_NETWORK_RETRIES:
                    raise
                network_failures += 1
                await asyncio.sleep(min(backoff_seconds(network_failures, base=1.5), 10.0))

    async def _turn(self, callback: Callback, chat_id: object) -> float:
        """Wait for this request's turn in the budget; "typing…" while it is long."""
        budget = self.budget
        departed = budget.try_take(Lane.INTERACTIVE)
        if departed is None:
            future = budget.enqueue()
            try:
                timeout = TYPING_AFTER
                if budget.wait_estimate() > TYPING_AFTER:
                    self._typing(callback, chat_id)
                    timeout = TYPING_EVERY
                while not future.done():
                    done, _pending = await asyncio.wait([future], timeout=timeout)
                    if not done:
                        self._typing(callback, chat_id)
                        timeout = TYPING_EVERY
            except BaseException:
                future.cancel()  # give the turn to the next one
                raise
            departed = future.result()
        self._remember(chat_id, departed)
        return departed

    def _remember(self, chat_id: object, departed: float) -> None:
        if len(self._in_chat) > self._prune_at:
            cutoff = departed - GROUP_WINDOW
            self._in_chat = {c: d for c, d in self._in_chat.items() if d and d[-1] > cutoff}
            # Next time at twice what is left: with more than PRUNE_AT chats active within the
            # window, pruning on every reply made each one cost O(chats) (a /start storm).
            self._prune_at = max(PRUNE_AT, 2 * len(self._in_chat))
        sends = self._in_chat.get(chat_id)
        if sends is None:
            sends = self._in_chat[chat_id] = deque()
        sends.append(departed)
        while sends[0] <= departed - GROUP_WINDOW:
            sends.popleft()

    def _chat_limit(self, chat_id: object, departed: float) -> bool:
        """Whether a 429 for the request that left at `departed` is this chat's own limit."""
        earlier = [t for t in self._in_chat.get(chat_id, ()) if t < departed]
        if isinstance(chat_id, int) and chat_id > 0:
            return bool(earlier) and departed - earlier[-1] < CHAT_INTERVAL
        return len(earlier) >= GROUP_PER_MINUTE

    def _typing(self, callback: Callback, chat_id: object) -> None:
        """Show "typing…" in the chat, in the background: the turn, when it comes, must not
        wait for it (a request that leaves later than its turn bunches up with the next)."""
        if not isinstance(chat_id, (int, str)):
            return
        task = asyncio.create_task(self._send_typing(callback, chat_id))
        self._typing_tasks.add(task)
        task.add_done_callback(self._typing_tasks.discard)

    @staticmethod
    async def _send_typing(callback: Callback, chat_id: int | str) -> None:
        try:
            await callback("sendChatAction", {"chat_id": chat_id, "action": ChatAction.TYPING})
        except TelegramError as exc:  # only a courtesy: the answer itself is what matters
            log.debug("could not show typing in a chat: %s", exc)


def budget_of(bot: ExtBot[None]) -> FloodBudget | None:
    """The flood budget of an Application's bot (None without a ReplyLimiter)."""
    limiter = bot.rate_limiter
    return limiter.budget if isinstance(limiter, ReplyLimiter) else None
