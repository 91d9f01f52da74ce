"""Telling a family that their timed pause is over, once, paced like the tips.

The chats come from scheduler.housekeeping, which turns each active once and never in its
quiet hours. Each message waits for the chat's turn in the dispatcher's pacer and the bot's
flood budget and is retried as a tip would be (scheduler.paced). One lost to a failed request
is not sent again: the tips themselves come back all the same."""

from __future__ import annotations

from telegram import Bot

from domain.i18n import Catalogs, Translator
from domain.models import ChatKind
from domain.pauses import EndedPause
from scheduler.paced import Pacing, send_paced


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
    return await send_paced(
        bot,
        pacing,
        chat_id=chat.id,
        telegram_id=chat.telegram_id,
        group=chat.kind != ChatKind.PRIVATE.value,
        text=tips_are_back(t),
        what="telling that a pause is over",
    )
