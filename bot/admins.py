"""Who may change a group's settings: its administrators, asked from Telegram and cached briefly."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from telegram import Bot, Chat

CACHE_SECONDS = 300.0


@dataclass
class AdminCache:
    """Administrator ids per group, refreshed after `ttl` seconds."""

    ttl: float = CACHE_SECONDS
    _entries: dict[int, tuple[float, frozenset[int]]] = field(default_factory=dict)

    async def is_admin(self, bot: Bot, chat: Chat, user_id: int) -> bool:
        if chat.type == Chat.PRIVATE:
            return True
        now = time.monotonic()
        cached = self._entries.get(chat.id)
        if cached is None or now - cached[0] > self.ttl:
            admins = await bot.get_chat_administrators(chat.id)
            cached = (now, frozenset(member.user.id for member in admins))
            self._entries[chat.id] = cached
        return user_id in cached[1]

    def forget(self, chat_id: int) -> None:
        self._entries.pop(chat_id, None)
