"""Sending one prepared tip: text or photo, with its keyboard and the paid-broadcast flag.

The one way a tip reaches Telegram, for the dispatcher and the on-demand lane alike. Text goes
through PTB's request object with its fields encoded once per tip (scheduler.transport), so PTB
still maps every error answer to its exception; a photo goes through `Bot.send_photo`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.request._requestparameter import RequestParameter

from domain.content.errors import RenderError
from domain.content.model import Library
from domain.i18n import Catalogs
from scheduler.message import TipMessage, build_tip_message
from scheduler.transport import encoded, request_for


@dataclass(frozen=True, slots=True)
class Prepared:
    """A tip message ready to send: rendered once, its sendMessage fields encoded once."""

    message: TipMessage
    fields: tuple[RequestParameter, ...]
    paid: bool


def prepare(message: TipMessage, *, paid: bool) -> Prepared:
    """Encode the fields that are the same for every chat; `paid` sets allow_paid_broadcast."""
    fields = encoded(
        {
            "text": message.html,
            "parse_mode": ParseMode.HTML.value,
            "reply_markup": message.keyboard.to_dict(),
            "link_preview_options": {"is_disabled": not message.link_preview},
            "allow_paid_broadcast": True if paid else None,  # omitted unless paid
        }
    )
    return Prepared(message, fields, paid)


async def send_prepared(bot: Bot, telegram_id: int, prepared: Prepared) -> int:
    """Send the tip to one chat; returns the new message's id. Raises what PTB raises."""
    message = prepared.message
    if message.image is not None:
        with message.image.open("rb") as photo:
            sent = await bot.send_photo(
                telegram_id,
                photo,
                caption=message.html,
                parse_mode=ParseMode.HTML,
                reply_markup=message.keyboard,
                allow_paid_broadcast=True if prepared.paid else None,
            )
        return sent.message_id
    result = await bot.request.post(
        f"{bot.base_url}/sendMessage", request_for(telegram_id, prepared.fields)
    )
    if not isinstance(result, dict) or not isinstance(result.get("message_id"), int):
        raise BadRequest(f"unexpected answer to sendMessage: {str(result)[:100]}")
    return int(result["message_id"])


class TipMessages:
    """Prepared messages by tip and language, for the library in use (rendered once each)."""

    LIMIT = 5000

    def __init__(
        self,
        *,
        bot: Bot,
        library: Callable[[], Library],
        catalogs: Catalogs,
        clock: Callable[[], datetime],
        paid: bool,
    ) -> None:
        self.bot = bot
        self.library = library
        self.catalogs = catalogs
        self.clock = clock
        self.paid = paid
        self._cache: dict[tuple[int, str, str], Prepared | RenderError] = {}

    def get(self, tip_id: str, language: str) -> Prepared | RenderError | None:
        """The message, the reason it cannot be rendered, or None for a tip no longer there."""
        library = self.library()
        tip = library.tips.get(tip_id)
        if tip is None:
            return None
        key = (id(library), tip_id, language)
        cached = self._cache.get(key)
        if cached is None:
            if len(self._cache) > self.LIMIT:
                self._cache.clear()
            try:
                message = build_tip_message(
                    tip,
                    library,
                    language,
                    self.catalogs,
                    bot_username=self.bot.username,
                    today=self.clock().date(),
                )
                cached = prepare(message, paid=self.paid)
            except RenderError as exc:
                cached = exc
            self._cache[key] = cached
        return cached
