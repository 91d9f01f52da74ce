"""One message that is not a tip (a question, a notice), sent in the chat's turn with the tips.

The engine's other messages wait for the chat's turn in the dispatcher's pacer and take a turn
in the bot's flood budget, and a failure is classified as a tip's would be: a message that
certainly did not go out (a 429, a request never sent) is tried again, up to TRIES; any other
failure is given up, not sent again."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass

from telegram import Bot, InlineKeyboardMarkup

from scheduler.flood import FloodBudget, Lane
from scheduler.outcomes import Verdict, classify
from scheduler.pacing import Pacer

log = logging.getLogger(__name__)

TRIES = 3


@dataclass(frozen=True)
class Pacing:
    """The tips' pacing: the per-chat pacer and the bot's flood budget, on their clock."""

    pacer: Pacer
    budget: FloodBudget
    monotonic: Callable[[], float]

    async def wait_for_turn(self, telegram_id: int, group: bool) -> float:
        """Book the chat's next slot, wait for it, then take a turn in the flood budget (after
        any reply waiting); returns the departure time."""
        at = self.pacer.reserve(self.monotonic(), telegram_id, group)
        await asyncio.sleep(max(0.0, at - self.monotonic()))
        return await self.budget.acquire(Lane.BULK)

    def rate_limited(self, departed: float, retry_after: float) -> None:
        self.pacer.pause(self.monotonic(), retry_after)
        self.budget.rate_limited(departed, retry_after)


async def send_paced(
    bot: Bot,
    pacing: Pacing,
    *,
    chat_id: int | None,
    telegram_id: int,
    group: bool,
    text: str,
    what: str,
    keyboard: InlineKeyboardMarkup | None = None,
    parse_mode: str | None = None,
) -> int:
    """Send `text` in the chat's turn; 1 when it went out, else 0. `what` names the message in
    the log ("a question", "the end of a pause"); `chat_id` is the chat's row id, never its
    Telegram id, for the log."""
    for _attempt in range(TRIES):
        departed = await pacing.wait_for_turn(telegram_id, group)
        try:
            await bot.send_message(telegram_id, text, parse_mode=parse_mode, reply_markup=keyboard)
        except Exception as exc:  # classified like a tip's failure
            failure = classify(exc)
            if failure.verdict is Verdict.RATE_LIMITED:
                pacing.rate_limited(departed, failure.retry_after)
                continue
            if failure.verdict is Verdict.RETRY:
                continue
            log.info("%s to chat %s failed: %s", what, chat_id, failure.verdict.value)
            return 0
        else:
            return 1
    log.info("%s to chat %s gave up after %d tries", what, chat_id, TRIES)
    return 0
