"""The typed PTB context: handlers reach services as `context.services`, not string keys."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, TextIO

from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot

from bot.admins import AdminCache
from bot.ask_index import AskIndexHolder
from bot.services import Services
from domain.buttons import Menu

if TYPE_CHECKING:
    from bot.content_reload import ContentReloader
    from bot.intake import ChatIntake
    from scheduler.engine import DeliveryEngine


@dataclass(frozen=True)
class PendingInput:
    """What the chat's next text message answers (a date, a time, a time zone)."""

    kind: str  # "due", "birth", "edit:<child id>", "time", "timezone"
    menu_message_id: int | None  # the menu to update once the answer arrives
    return_to: Menu  # the menu shown again once answered
    asked_by: int | None = None  # in a group, the admin whose answer it waits for
    asked_at: datetime | None = None  # the question closes a while after (bot.handlers.common)
    # The bot's messages that asked it (the question, and each "try again"): in a group only a
    # reply to one of them answers; in a private chat their Cancel buttons are retired with it.
    question_ids: tuple[int, ...] = ()


class ChatData:
    """Per-chat state that may be lost on restart without harm (the database holds the rest)."""

    def __init__(self) -> None:
        self.pending: PendingInput | None = None
        self.tips_on_request: list[datetime] = []  # a group's recent /tip (bot.handlers.tips)
        self.told_tip_limit = False  # the group was told it reached the /tip limit
        # A group's recent answers to /ask, and whether it was told of the hourly limit
        # (bot.handlers.ask).
        self.answers_on_request: list[datetime] = []
        self.told_ask_limit = False


class BotData:
    """Application-wide data: the services (set by the application factory) and caches."""

    services: Services

    def __init__(self) -> None:
        self.admins = AdminCache()
        self.reloader: ContentReloader | None = None
        self.engine: DeliveryEngine | None = None
        self.sqlite_lock: TextIO | None = None
        self.webhook_secret: str | None = None
        self.intake: ChatIntake | None = None  # made on first use (bot.handlers.common)
        self.ask = AskIndexHolder()  # the index questions are answered from (bot.ask_index)
        self.ask_build: asyncio.Task[None] | None = None  # its start-up build (content_reload)


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], ChatData, BotData]):
    @property
    def services(self) -> Services:
        return self.bot_data.services

    @property
    def chat_state(self) -> ChatData:
        """This chat's ChatData (every update handled here comes from a chat)."""
        if self.chat_data is None:
            raise RuntimeError("chat_state used for an update without a chat")
        return self.chat_data


CONTEXT_TYPES = ContextTypes(context=BotContext, bot_data=BotData, chat_data=ChatData)

TipsApplication = Application[ExtBot[None], BotContext, dict[Any, Any], ChatData, BotData, Any]
