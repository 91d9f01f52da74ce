"""What one update costs the database: a settings dialogue, each step in one transaction.

Handlers load the chat once and commit once (bot.handlers.common.chat_unit); before that, a
step took up to four transactions and loaded the same chat two or three times. The budgets
are the statements each step needs today (not counting BEGIN), so a change that adds queries
to a reply shows up here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.bot.harness import running_bot
from tests.fakebotapi._models import SentMessage


@dataclass
class Counts:
    transactions: int = 0
    statements: int = 0


@contextmanager
def counting(engine: AsyncEngine) -> Iterator[Counts]:
    counts = Counts()

    def on_begin(*_args: Any) -> None:
        counts.transactions += 1

    def on_statement(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.lstrip().upper().startswith("BEGIN"):
            counts.statements += 1

    sync = engine.sync_engine
    event.listen(sync, "begin", on_begin)
    event.listen(sync, "before_cursor_execute", on_statement)
    try:
        yield counts
    finally:
        event.remove(sync, "begin", on_begin)
        event.remove(sync, "before_cursor_execute", on_statement)


async def test_each_settings_step_is_one_transaction_within_its_budget(migrated_url: str) -> None:
    async with running_bot(migrated_url) as bot:
        ana = bot.api.make_user("Ana")
        menu = await bot.say(ana, "/start")

        def tap(data: str) -> Callable[[], Awaitable[SentMessage]]:
            return lambda: bot.tap(ana, menu, f"data={data}")

        def say(text: str) -> Callable[[], Awaitable[SentMessage]]:
            return lambda: bot.say(ana, text)

        steps = [
            ("ob:t:health", tap("ob:t:health"), 6),  # chat, profile (3), topics rewritten (2)
            ("ob:t:health", tap("ob:t:health"), 6),
            ("ob:done", tap("ob:done"), 5),  # and the step the chat is on (chat.setup_step)
            ("ob:rg:england", tap("ob:rg:england"), 5),
            ("ob:freq", tap("ob:freq"), 5),
            ("ob:f:1", tap("ob:f:1"), 5),
            ("ob:d:0", tap("ob:d:0"), 5),
            ("ob:time", tap("ob:time"), 5),
            ("ob:h:0800", tap("ob:h:0800"), 5),
            ("ob:confirm", tap("ob:confirm"), 7),
            ("/settings", say("/settings"), 4),
            ("se:topics", tap("se:topics"), 4),
            ("tp:t:health", tap("tp:t:health"), 6),
            ("/schedule", say("/schedule"), 4),
            ("sc:d:1", tap("sc:d:1"), 5),
            ("sc:h:1230", tap("sc:h:1230"), 5),
            ("/children", say("/children"), 4),
            ("/language", say("/language"), 1),
            ("lg:en", tap("lg:en"), 1),
            ("/pause", say("/pause"), 1),
            ("pz:1w", tap("pz:1w"), 6),
            ("/resume", say("/resume"), 8),
            ("/mydata", say("/mydata"), 8),
        ]
        over = []
        for name, step, budget in steps:
            with counting(bot.services.db) as counts:
                menu = await step()
            if counts.transactions != 1 or counts.statements > budget:
                over.append((name, counts, budget))
        assert not over, f"(step, counted, statement budget): {over}"
