"""The real Application, wired as `tipsbot run` wires it, talking to the fake Bot API."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Bot

from bot.app import build_application
from bot.context import TipsApplication
from bot.services import LibraryHolder, Services
from domain.chats import (
    ChatProfile,
    activate,
    get_chat,
    load_profile,
    refresh_next_slot,
    set_status,
    set_topics,
)
from domain.content.loader import load_library
from domain.content.model import Library
from domain.db import create_engine, make_session_factory
from domain.i18n import Catalogs
from domain.models import Chat, ChatStatus, Child, Schedule
from domain.settings import Settings, load_settings
from scheduler.engine import DeliveryEngine
from tests.fakebotapi import FakeBotAPI, polling
from tests.fakebotapi._models import FakeUser, SentMessage

REPO = Path(__file__).resolve().parents[2]
START = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)  # a Thursday


class FakeClock:
    """Time the tests control."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


_LIBRARY: Library | None = None


def shipped_library() -> Library:
    global _LIBRARY
    if _LIBRARY is None:
        _LIBRARY = load_library(REPO / "content", today=START.date())
    return _LIBRARY


@dataclass
class Harness:
    api: FakeBotAPI
    app: TipsApplication
    services: Services
    clock: FakeClock

    async def say(self, user: FakeUser, text: str, **kwargs: Any) -> SentMessage:
        """Send text as `user` and wait for the bot's next message to that chat."""
        chat = kwargs.get("chat")
        chat_id = chat.id if chat is not None else user.id
        since = len(self.api.sent)
        self.api.send_text(user, text, **kwargs)
        return await self.api.wait_for(lambda m: m.chat_id == chat_id and _has_text(m), since=since)

    async def tap(self, user: FakeUser, message: SentMessage, label_part: str) -> SentMessage:
        """Press the button whose label contains `label_part`; wait for the resulting send/edit."""
        data = button_data(message, label_part)
        since = len(self.api.sent)
        self.api.press_button(user, message, data)
        return await self.api.wait_for(
            lambda m: m.chat_id == message.chat_id and _has_text(m), since=since
        )

    async def press(self, user: FakeUser, message: SentMessage, label_part: str) -> None:
        """Press a button that answers without a new text (e.g. thumbs); wait for the answer."""
        data = button_data(message, label_part)
        since = len(self.api.calls)
        self.api.press_button(user, message, data)
        await self.api.wait_for_call(lambda c: c.method == "answerCallbackQuery", since=since)

    async def profile(self, telegram_id: int) -> ChatProfile | None:
        async with self.services.sessions() as session:
            chat = await get_chat(session, telegram_id=telegram_id)
            return None if chat is None else await load_profile(session, chat=chat)


def _has_text(message: SentMessage) -> bool:
    """Sends and text edits; not the keyboard-only edits that retire an old menu."""
    return message.method != "editMessageReplyMarkup"


def button_data(message: SentMessage, label_part: str) -> str:
    """The callback data of the button whose label contains `label_part`
    (or, written as "data=ob:confirm", whose callback data is exactly that)."""
    markup = message.reply_markup or {}
    for row in markup.get("inline_keyboard", []):
        for button in row:
            data = button.get("callback_data")
            if data is None:
                continue
            if label_part.startswith("data=") and data == label_part.removeprefix("data="):
                return str(data)
            if label_part in button.get("text", ""):
                return str(data)
    labels = [b.get("text") for row in markup.get("inline_keyboard", []) for b in row]
    raise AssertionError(f"no button with {label_part!r}; buttons: {labels}")


def services_for(
    config: Settings, *, library: Library | None = None, clock: FakeClock | None = None
) -> Services:
    """The services the bot and the web app run on, over a new engine for `config`'s database
    (the caller disposes `services.db`), with the shipped library unless given one."""
    engine = create_engine(config.database_url)
    return Services(
        settings=config,
        db=engine,
        sessions=make_session_factory(engine),
        library=LibraryHolder(library or shipped_library()),
        catalogs=Catalogs(config.default_language),
        clock=clock or FakeClock(),
    )


@asynccontextmanager
async def running_bot(
    database_url: str, *, library: Library | None = None, **settings: Any
) -> AsyncIterator[Harness]:
    clock = FakeClock()
    async with FakeBotAPI() as api:
        config = load_settings(
            telegram_bot_token=api.token_for_tests,
            telegram_base_url=api.base_url,
            database_url=database_url,
            **{"content_dir": REPO / "content", **settings},
        )
        services = services_for(config, library=library, clock=clock)
        app = build_application(services)
        try:
            async with polling(app):
                yield Harness(api, app, services, clock)
        finally:
            await services.db.dispose()


async def count_rows_for_chat(services: Services, chat_row_id: int) -> dict[str, int]:
    """Rows in every table with a chat_id column that point at this chat."""
    from sqlmodel import SQLModel, func

    counts: dict[str, int] = {}
    async with services.sessions() as session:
        for name, table in SQLModel.metadata.tables.items():
            if "chat_id" in table.c:
                query = (
                    select(func.count())
                    .select_from(table)
                    .where(col(table.c.chat_id) == chat_row_id)
                )
                counts[name] = (await session.exec(query)).one()
    return counts


def button_labels(message: SentMessage) -> list[str]:
    markup = message.reply_markup or {}
    return [str(b.get("text", "")) for row in markup.get("inline_keyboard", []) for b in row]


class Store(Protocol):
    """Anything with a session factory and a clock (Services, or a bare database in e2e tests)."""

    @property
    def sessions(self) -> async_sessionmaker[AsyncSession]: ...

    @property
    def clock(self) -> Callable[[], datetime]: ...


@dataclass
class Database:
    """A database without a bot: for seeding before a `tipsbot` process starts."""

    url: str
    clock: Callable[[], datetime] = field(default_factory=lambda: FakeClock())

    def __post_init__(self) -> None:
        self.engine = create_engine(self.url)
        self.sessions = make_session_factory(self.engine)

    async def close(self) -> None:
        await self.engine.dispose()


async def seed_chat(
    services: Store,
    telegram_id: int,
    *,
    kind: str = "private",
    language: str = "en",
    region: str = "england",
    timezone: str = "Europe/London",
    topics: frozenset[str] = frozenset({"health", "welfare", "learning"}),
    days: str = "mon,wed,fri",
    send_time: str = "10:00",
    quiet: tuple[str, str] = ("21:00", "08:00"),
    due: date | None = None,
    born: date | None = None,
    status: ChatStatus = ChatStatus.ACTIVE,
    paused_until: datetime | None = None,
) -> int:
    """A subscriber as onboarding would leave it, written straight to the database.
    `quiet` is (start, end) of the quiet hours; equal times mean none."""
    now = services.clock()
    async with services.sessions() as session:
        chat = Chat(
            telegram_id=telegram_id,
            kind=kind,
            language=language,
            region=region,
            timezone=timezone,
            status=ChatStatus.ONBOARDING.value,
            created_at=now,
            status_changed_at=now,
        )
        session.add(chat)
        await session.flush()
        assert chat.id is not None
        session.add(
            Schedule(
                chat_id=chat.id,
                days=days,
                send_time=send_time,
                quiet_start=quiet[0],
                quiet_end=quiet[1],
            )
        )
        await set_topics(session, chat_id=chat.id, topics=topics)
        if due or born:
            session.add(Child(chat_id=chat.id, due_date=due, birth_date=born, created_at=now))
        await session.flush()
        await activate(session, chat=chat, now=now)
        if status is ChatStatus.PAUSED:
            await set_status(session, chat=chat, status=status, now=now, paused_until=paused_until)
            await refresh_next_slot(session, chat=chat, now=now)
        elif status is not ChatStatus.ACTIVE:
            await set_status(session, chat=chat, status=status, now=now)
        await session.commit()
        return chat.id


def engine_for(bot: Harness, sender: Bot | None = None) -> DeliveryEngine:
    """A delivery engine on the harness's services and clock, not started; it sends through
    `sender` (another process's Bot) when given, else through the bot's own."""
    return DeliveryEngine(
        settings=bot.services.settings,
        bot=sender or bot.app.bot,
        sessions=bot.services.sessions,
        library=lambda: bot.services.library.current,
        catalogs=bot.services.catalogs,
        clock=bot.clock,
    )


@asynccontextmanager
async def delivering(bot: Harness) -> AsyncIterator[DeliveryEngine]:
    """The delivery engine as `tipsbot run` starts it, with a quick idle poll for tests."""
    from dataclasses import replace

    from bot.delivery import start_engine, stop_engine

    engine = await start_engine(bot.app)
    engine.dispatcher.config = replace(engine.dispatcher.config, idle_seconds=0.01)
    try:
        yield engine
    finally:
        await stop_engine(bot.app)


async def settle(engine: DeliveryEngine, *, seconds: float = 10.0) -> None:
    """Wait until nothing due now is waiting or in flight."""
    import asyncio

    from sqlmodel import func

    from domain.models import Delivery, DeliveryStatus

    busy = [DeliveryStatus.SENDING.value]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while loop.time() < deadline:
        now = engine.clock()
        async with engine.sessions() as session:
            waiting = (
                await session.exec(
                    select(func.count())
                    .select_from(Delivery)
                    .where(
                        (col(Delivery.status).in_(busy))
                        | (
                            col(Delivery.status).in_(
                                [DeliveryStatus.PLANNED.value, DeliveryStatus.RETRYING.value]
                            )
                            & (col(Delivery.not_before) <= now)
                        )
                    )
                )
            ).one()
        if waiting == 0 and not engine.dispatcher._in_flight:
            return
        await asyncio.sleep(0.01)
    async with engine.sessions() as session:
        rows = (await session.exec(select(Delivery.id, Delivery.status, Delivery.not_before))).all()
    raise AssertionError(
        f"deliveries still waiting after the timeout (now {engine.clock()}; "
        f"{len(engine.dispatcher._in_flight)} in flight): {rows}"
    )


def process_env(api: FakeBotAPI, database_url: str, **extra: str) -> dict[str, str]:
    """The environment for a `python -m bot ...` process talking to `api`."""
    import os

    inherited = {
        k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_"))
    }
    return {
        **inherited,
        "TELEGRAM_BOT_TOKEN": api.token_for_tests,
        "TELEGRAM_BASE_URL": api.base_url,
        "DATABASE_URL": database_url,
        "CONTENT_DIR": str(REPO / "content"),
        **extra,
    }
