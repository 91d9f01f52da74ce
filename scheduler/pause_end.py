"""Telling a family that their timed pause is over, once, paced like the tips.

The chats come from scheduler.housekeeping, which turns each active once and never in its
quiet hours. Each message waits for the chat's turn in the dispatcher's pacer and the bot's
flood budget, and a failure is classified as a tip's would be; a message that certainly did
not go out (a 429, a request never sent) is tried again, up to TRIES. One lost to a failed
request is not sent again: the tips themselves come back all the same."""

from __future__ import annotations

import asyncio
import logging

from telegram import Bot

from domain.i18n import Catalogs, Translator
from domain.models import ChatKind
from domain.pauses import EndedPause
from scheduler.child_prompt import Pacing
from scheduler.flood import Lane
from scheduler.outcomes import Verdict, classify

log = logging.getLogger(__name__)
TRIES = 3


def tips_are_back(t: Translator) -> str:
    return t.gettext(
        "Your pause is over: tips are on again. /settings shows when the next one comes; "
        "/pause pauses them again."
    )


async def tell_pause_ended(
    *, bot: Bot, catalogs: Catalogs, pacing: Pacing, chats: list[EndedPause]
) -> int:
    """Send each chat its "tips are back" message; returns how many went out."""
    told = 0
    for chat in chats:
        told += await _tell(bot, catalogs.for_language(chat.language), pacing, chat)
    return told


async def _tell(bot: Bot, t: Translator, pacing: Pacing, chat: EndedPause) -> int:
    group = chat.kind != ChatKind.PRIVATE.value
    for _attempt in range(TRIES):
        at = pacing.pacer.reserve(pacing.monotonic(), chat.telegram_id, group)
        await asyncio.sleep(max(0.0, at - pacing.monotonic()))
        departed = await pacing.budget.acquire(Lane.BULK)
        try:
            await bot.send_message(chat.telegram_id, tips_are_back(t))
        except Exception as exc:  # classified like a tip's failure
            failure = classify(exc)
            if failure.verdict is Verdict.RATE_LIMITED:
                pacing.rate_limited(departed, failure.retry_after)
                continue
            if failure.verdict is Verdict.RETRY:
                continue
            log.info("telling chat %s its pause is over failed: %s", chat.id, failure.verdict.value)
            return 0
        else:
            return 1
    log.info("telling chat %s its pause is over gave up after %d tries", chat.id, TRIES)
    return 0
