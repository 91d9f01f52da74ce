"""Driving the running bot with generated sessions, and the invariants checked after each one.

`run_fuzz` starts one bot (`running_bot`, wired like `tipsbot run`) in an event loop it owns and
lets Hypothesis generate sessions against it: each session acts in fresh chats, and afterwards
`Example.check` asserts, for what happened *during that session*:

- no ERROR (or worse) log record: the global error handler logs every unhandled exception;
- every callback query injected was answered (no spinning button);
- the bot sent or edited only in chats that wrote, pressed or changed membership;
- no request was refused by the fake Bot API (a 4xx), except "message is not modified" (the bot
  expects it, and ignores it on purpose, when a button shows the same screen again) and edits
  of a message the session made inaccessible on purpose.

A failing session does not stop the run: the bot is shared, so Hypothesis could not replay a
session faithfully anyway. Every failing session's transcript (what was drawn, what the users
sent, what the bot answered) is collected and reported at the end with the seed; FUZZ_SEED=<n>
runs the same sessions again.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import random
import re
import time
import traceback
from collections.abc import Awaitable, Callable, Iterable, Iterator
from typing import Any, TypeVar

from hypothesis import HealthCheck, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st
from telegram import Update
from telegram.ext import TypeHandler

from bot.context import BotContext, TipsApplication
from tests.bot.harness import Harness, running_bot, shipped_library
from tests.fakebotapi import FakeBotAPI, FakeChat, FakeUser

JSONDict = dict[str, Any]
T = TypeVar("T")
OBSERVER_GROUP = 1_000_000  # after every group the bot uses, so it sees each update last
NOT_MODIFIED = "Bad Request: message is not modified"
GONE = ("Bad Request: message to edit not found", "Bad Request: message can't be edited")
REPORTED_IN_FULL = 3
_query_ids = itertools.count(1)


class ErrorLog(logging.Handler):
    """Collects ERROR and CRITICAL records from every logger (bot.errors, telegram.ext, ...)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextlib.contextmanager
def capturing_errors() -> Iterator[ErrorLog]:
    log = ErrorLog()
    root = logging.getLogger()
    root.addHandler(log)
    try:
        yield log
    finally:
        root.removeHandler(log)


class Processed:
    """The ids of updates the application has finished with.

    A TypeHandler in a group after all of the bot's own runs once every handler (and the error
    handler, which blocks) is done with the update, whether or not a handler matched.
    """

    def __init__(self, app: TipsApplication) -> None:
        self.ids: set[int] = set()
        self._changed = asyncio.Event()
        app.add_handler(TypeHandler(Update, self._seen), group=OBSERVER_GROUP)

    async def _seen(self, update: Update, context: BotContext) -> None:
        self.ids.add(update.update_id)
        self._changed.set()

    async def wait(self, update_ids: Iterable[int], api: FakeBotAPI, limit: float = 15.0) -> None:
        wanted = set(update_ids)
        deadline = time.monotonic() + limit
        while not wanted <= self.ids:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                missing = sorted(wanted - self.ids)
                raise AssertionError(f"updates {missing} were never processed\n{api.dump()}")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)


def chat_of(update: JSONDict) -> int | None:
    """The chat an update comes from (a button's chat is its message's)."""
    for kind in ("message", "edited_message", "channel_post", "edited_channel_post"):
        if kind in update:
            return int(update[kind]["chat"]["id"])
    if "callback_query" in update:
        message = update["callback_query"].get("message")
        return None if message is None else int(message["chat"]["id"])
    if "my_chat_member" in update:
        return int(update["my_chat_member"]["chat"]["id"])
    return None


def describe_update(update: JSONDict) -> str:
    kind = next(k for k in update if k != "update_id")
    body = update[kind]
    head = f"-> #{update['update_id']} {kind} in {chat_of(update)}"
    sender = (body.get("from") or {}).get("id", "-")
    if kind == "callback_query":
        message_id = (body.get("message") or {}).get("message_id")
        return f"{head} by {sender} on message {message_id}: {body.get('data', '<no data>')!r}"
    if kind == "my_chat_member":
        return f"{head} by {sender}: {body['new_chat_member']['status']}"
    content = {k: v for k, v in body.items() if k not in ("message_id", "from", "chat", "date")}
    return f"{head} from {sender}: {content!r:.300}"


class Fuzzer:
    """One running bot shared by the sessions of a test, and the failures found so far."""

    def __init__(self, bot: Harness, errors: ErrorLog, seed: int) -> None:
        library = shipped_library()
        self.bot = bot
        self.api = bot.api
        self.errors = errors
        self.seed = seed
        self.processed = Processed(bot.app)
        self.topic_ids = tuple(library.topics)
        self.tip_ids = tuple(library.tips)
        self.offered_data: list[str] = []  # every button the bot has shown, in any chat
        self.sessions = 0
        self.failures: list[str] = []

    async def session(
        self, body: Callable[[Example], Awaitable[None]], data: st.DataObject
    ) -> None:
        self.sessions += 1
        example = Example(self, data)
        try:
            await body(example)
            example.check()
        except Exception as exc:
            if isinstance(exc, AssertionError):
                self.failures.append(example.report(str(exc)))
            else:  # the harness itself broke: say where
                self.failures.append(example.report(f"{exc!r}\n{traceback.format_exc()}"))

    def verdict(self) -> None:
        if not self.failures:
            return
        firsts = sorted({signature(f) for f in self.failures})
        raise AssertionError(
            f"{len(self.failures)} of {self.sessions} sessions failed (FUZZ_SEED={self.seed}).\n"
            + "Distinct first problems:\n  "
            + "\n  ".join(firsts)
            + "\n\n"
            + "\n\n".join(self.failures[:REPORTED_IN_FULL])
        )


def signature(failure: str) -> str:
    """A failure's first problem with numbers (update and chat ids) blanked, to group them."""
    return re.sub(r"-?\d+", "N", failure.split("PROBLEMS:\n", 1)[1].splitlines()[0])


def run_fuzz(
    database_url: str,
    body: Callable[[Example], Awaitable[None]],
    *,
    examples: int,
    **bot_settings: Any,
) -> None:
    """Start the bot, run `examples` generated sessions of `body` against it, then fail with
    the transcripts of the sessions that broke an invariant."""
    seed = int(os.environ.get("FUZZ_SEED") or random.randrange(2**32))
    with asyncio.Runner() as runner, capturing_errors() as errors:
        stack = contextlib.AsyncExitStack()
        bot = runner.run(stack.enter_async_context(running_bot(database_url, **bot_settings)))
        try:
            fuzzer = Fuzzer(bot, errors, seed)

            @hypothesis_seed(seed)
            @settings(
                max_examples=examples,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            @given(data=st.data())
            def explore(data: st.DataObject) -> None:
                runner.run(fuzzer.session(body, data))

            explore()
        finally:
            runner.run(stack.aclose())
    fuzzer.verdict()


class Example:
    """One generated session: its draws, what it injected, and the checks on the bot."""

    def __init__(self, fuzzer: Fuzzer, data: st.DataObject | None = None) -> None:
        self.fuzzer = fuzzer
        self.data = data
        self.api = fuzzer.api
        self.acted: set[int] = set()
        self.callback_ids: list[str] = []
        self.user_messages: dict[int, list[int]] = {}
        self.inaccessible: set[tuple[int, int]] = set()
        self.transcript: list[str] = []
        self._sent_from = len(self.api.sent)
        self._calls_from = len(self.api.calls)
        self._errors_from = len(fuzzer.errors.records)

    def draw(self, strategy: st.SearchStrategy[T], label: str) -> T:
        assert self.data is not None, "a hand-written example draws nothing"
        value = self.data.draw(strategy, label=label)
        self.transcript.append(f"{label}: {value!r:.300}")
        return value

    # -- injecting ----------------------------------------------------------------------------
    async def do(self, *injections: Callable[[], object]) -> None:
        """Run the injections back to back (a burst when several), then wait until the bot
        has processed every update they queued."""
        before = {u["update_id"] for u in self.api.pending_updates}
        for inject in injections:
            inject()
        new = [u for u in self.api.pending_updates if u["update_id"] not in before]
        for update in new:
            self.transcript.append(describe_update(update))
            chat_id = chat_of(update)
            if chat_id is not None:
                self.acted.add(chat_id)
            if "callback_query" in update:
                self.callback_ids.append(str(update["callback_query"]["id"]))
            message = update.get("message")
            if message is not None and chat_id is not None:
                self.user_messages.setdefault(chat_id, []).append(message["message_id"])
        sent_from, calls_from = len(self.api.sent), len(self.api.calls)
        await self.fuzzer.processed.wait([u["update_id"] for u in new], self.api)
        for sent in self.api.sent[sent_from:]:
            self.transcript.append(f"   <- {sent.describe()}")
            self.fuzzer.offered_data.extend(sent.button_data)
        for call in self.api.calls[calls_from:]:
            if call.status >= 400:
                self.transcript.append(f"   <- {call.describe()}")

    def message(self, chat: FakeChat | FakeUser, user: FakeUser | None, **fields: Any) -> JSONDict:
        """A new message from `user` (None: one without `from`) in `chat` (a user: their
        private chat), stored by the fake so it can be replied to and edited, but not queued."""
        message = self.api._user_message(self.api._chat(chat), user or self.api.bot_user, **fields)
        if user is None:
            del message["from"]
        return message

    def callback(self, user: FakeUser, message: JSONDict, data: str | None) -> None:
        """Queue a button press on any message dict (also an inaccessible one), with or
        without data; the fake accepts its answer as for press_button."""
        query_id = f"fuzz{next(_query_ids)}"
        self.api._open_callbacks[query_id] = time.monotonic()
        self.api.pressed_callbacks.append(query_id)
        if message.get("date") == 0:
            self.inaccessible.add((int(message["chat"]["id"]), int(message["message_id"])))
        query: JSONDict = {
            "id": query_id,
            "from": user.to_api(),
            "message": message,
            "chat_instance": str(abs(int(message["chat"]["id"])) % 10**12),
        }
        if data is not None:
            query["data"] = data
        self.api.inject_update({"callback_query": query})

    # -- reading --------------------------------------------------------------------------------
    def bot_messages(self, chat_id: int) -> list[JSONDict]:
        """The bot's messages in the chat as they are now (after edits), oldest first."""
        ids = sorted({m.message_id for m in self.api.messages_to(chat_id)})
        current = (self.api.current_message(chat_id, i) for i in ids)
        return [m for m in current if m is not None]

    def stale_data(self, chat_id: int) -> list[str]:
        """Data of every button ever shown in the chat, including replaced keyboards."""
        records = self.api.messages_to(chat_id, include_edits=True)
        return sorted({d for m in records for d in m.button_data})

    # -- the invariants ---------------------------------------------------------------------------
    def check(self) -> None:
        api = self.api
        problems: list[str] = []
        for record in self.fuzzer.errors.records[self._errors_from :]:
            problem = f"logged {record.levelname} from {record.name}: {record.getMessage()}"
            if record.exc_info and record.exc_info[1] is not None:
                error = record.exc_info[1]
                where = traceback.extract_tb(error.__traceback__)[-1]
                problem += f" -- {type(error).__name__}: {error} at {where.filename}:{where.lineno}"
            problems.append(problem)
        answered = {str(p.get("callback_query_id")) for p in api.answered_callbacks}
        problems += [f"button {q} never answered" for q in self.callback_ids if q not in answered]
        problems += [
            f"sent to chat {m.chat_id}, which did nothing: {m.describe()}"
            for m in api.sent[self._sent_from :]
            if m.chat_id not in self.acted
        ]
        problems += [
            f"refused by the Bot API: {c.describe()}"
            for c in api.calls[self._calls_from :]
            if c.status >= 400 and not self._expected_refusal(c.description or "", c.params)
        ]
        if problems:
            raise AssertionError("\n".join(problems))

    def _expected_refusal(self, description: str, params: JSONDict) -> bool:
        if description.startswith(NOT_MODIFIED):
            return True
        target = (int(params.get("chat_id") or 0), int(params.get("message_id") or 0))
        return description in GONE and target in self.inaccessible

    def report(self, problem: str) -> str:
        lines = "\n".join(f"  {line}" for line in self.transcript)
        return f"SESSION (FUZZ_SEED={self.fuzzer.seed}):\n{lines}\nPROBLEMS:\n{problem}"
