"""The fuzzers' findings, each reduced to a short case (they fail until the bug is fixed).

The bot's cases drive the real application through the fake Bot API and end with
`Example.check`, the invariants of tests/fuzz/driver.py: no error logged, every button answered,
nothing sent to a chat that did nothing, no request refused by the Bot API. The last case is the
content loader's.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from functools import partial
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from domain.content.errors import Severity
from domain.content.loader import load_library
from tests.bot.harness import Harness, running_bot
from tests.content.factories import copy_library
from tests.fakebotapi import FakeUser
from tests.fuzz.driver import Example, Fuzzer, capturing_errors


@asynccontextmanager
async def example(url: str) -> AsyncIterator[tuple[Harness, Example]]:
    async with running_bot(url) as bot:
        with capturing_errors() as errors:
            yield bot, Example(Fuzzer(bot, errors, seed=0))


async def press(ex: Example, user: FakeUser, data: str | None) -> None:
    """Press `data` (any data, or none) on the bot's latest message to the user."""
    menu = ex.api.last_message(user.id)
    assert menu is not None
    await ex.do(partial(ex.callback, user, menu.result, data))


async def say(ex: Example, user: FakeUser, text: str) -> None:
    await ex.do(partial(ex.api.send_text, user, text))


async def test_a_button_without_data_is_answered_quietly(migrated_url: str) -> None:
    """The Bot API's `data` is optional (a modified client can leave it out); PTB then lets
    every pattern handler match, and onboarding's first one unpacks too few parts."""
    async with example(migrated_url) as (bot, ex):
        ana = bot.api.make_user("Ana")
        await say(ex, ana, "/start")
        await press(ex, ana, None)
        ex.check()


async def test_next_without_a_topic_says_to_choose_one(migrated_url: str) -> None:
    """Unticking every topic, then Next: the hint comes in a second answer to the button,
    which Telegram refuses, so the user sees nothing."""
    async with example(migrated_url) as (bot, ex):
        ana = bot.api.make_user("Ana")
        await say(ex, ana, "/start")
        for topic in bot.services.library.current.topics:
            await press(ex, ana, f"ob:t:{topic}")
        await press(ex, ana, "ob:done")
        hints = [a.get("text") for a in bot.api.answered_callbacks]
        assert "Choose at least one topic." in hints
        ex.check()


async def test_unticking_the_only_day_says_to_keep_one(migrated_url: str) -> None:
    """The same double answer in /schedule: "Keep at least one day." never shows."""
    async with example(migrated_url) as (bot, ex):
        ana = bot.api.make_user("Ana")
        await say(ex, ana, "/schedule")
        await press(ex, ana, "sc:f:1")  # Wednesdays only
        await press(ex, ana, "sc:d:2")  # untick Wednesday
        hints = [a.get("text") for a in bot.api.answered_callbacks]
        assert "Keep at least one day." in hints
        ex.check()


@pytest.mark.parametrize(
    "data",
    [
        "ob:h:9999",  # becomes send_time 99:99
        "sc:h:2400",  # 24:00
        "ob:h:²²²²",  # '²'.isdigit() is True, int('²') raises
        "sc:h:²²²²",
        "sc:d:²",
        "ob:f:²",
        "ch:open:²:ch",
        "ch:open:99999999999999999999:ch",  # beyond a 64-bit id
        "fb:u:\x00",  # a NUL in a tip id stored as feedback
    ],
)
async def test_forged_button_data_is_answered_and_ignored(migrated_url: str, data: str) -> None:
    """The Bot API warns that data may not match any button shown; each of these raised."""
    async with example(migrated_url) as (bot, ex):
        ana = bot.api.make_user("Ana")
        await say(ex, ana, "/start")
        await press(ex, ana, data)
        ex.check()


@pytest.mark.parametrize("typed", ["²²:²²", "¹⁰:³⁰"])
async def test_a_typed_time_in_superscript_digits_is_refused_politely(
    migrated_url: str, typed: str
) -> None:
    """parse_time_text checks str.isdigit() (true for '²') before int() (which refuses it)."""
    async with example(migrated_url) as (bot, ex):
        ana = bot.api.make_user("Ana")
        await say(ex, ana, "/schedule")
        await press(ex, ana, "sc:ask:time")
        await say(ex, ana, typed)
        reply = bot.api.last_message(ana.id)
        assert reply is not None and reply.plain_text == "Please send a time like 09:30."
        ex.check()


async def test_a_command_deleted_before_the_answer_is_answered_anyway(migrated_url: str) -> None:
    """Clean-up bots delete commands at once; in groups the bot replies quoting the command,
    and Telegram refuses a reply to a message that is gone."""
    async with example(migrated_url) as (bot, ex):
        ada = bot.api.make_user("Ada")
        group = bot.api.make_group("Parents", admins=[ada])

        def send_and_delete() -> None:
            bot.api.send_text(ada, "/help", group)
            bot.api._messages.pop((group.id, group.last_message_id))

        await ex.do(send_and_delete)
        assert bot.api.last_message(group.id) is not None
        ex.check()


async def test_two_starts_at_once_create_one_chat(migrated_url: str) -> None:
    """A double tap on Start: both updates arrive in one batch and run concurrently; each
    finds no chat and inserts one (on PostgreSQL the second insert violates the unique key)."""
    async with example(migrated_url) as (bot, ex):
        ana = bot.api.make_user("Ana")
        start = partial(bot.api.send_text, ana, "/start")
        await ex.do(start, start, start)
        ex.check()


DEEP_FLOW = "topics: " + "[" * 1000 + "]" * 1000
DEEP_BLOCK = "audience:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 1000))


@pytest.mark.parametrize("nesting", [DEEP_FLOW, DEEP_BLOCK], ids=["flow", "block"])
def test_deeply_nested_front_matter_is_an_error_not_a_crash(tmp_path: Path, nesting: str) -> None:
    """PyYAML composes recursively: deep nesting raises RecursionError, which is not a
    YAMLError, so it escapes parse_front_matter, load_library and `content check`."""
    content = copy_library(tmp_path)
    path = content / "tips" / "health" / "deep.md"
    path.write_text(f"---\n{nesting}\n---\nBody.\n", encoding="utf-8")
    library = load_library(content, today=date(2026, 6, 1))
    errors = [p for p in library.problems if p.path == path and p.severity is Severity.ERROR]
    assert errors and all(p.line >= 1 for p in errors)
    result = CliRunner().invoke(main, ["content", "check", str(content)])
    assert result.exit_code == 1, repr(result.exception)
