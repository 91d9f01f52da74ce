"""A fake Telegram Bot API server for tests and benchmarks: real HTTP on loopback, real envelopes.

A real PTB ``Bot``/``Application`` talks to it over HTTP, so PTB raises its real exceptions
(RetryAfter, Forbidden, BadRequest, ChatMigrated, NetworkError, TimedOut). What the server
accepted is recorded and is the ground truth tests assert on.

In a test (same event loop)::

    from tests.fakebotapi import FakeBotAPI, application_builder, polling

    async with FakeBotAPI() as api:            # latency=(0.05, 0.15), seed=..., token=...
        app = application_builder(api).build()  # token/base_url/base_file_url preset
        app.add_handler(CommandHandler("start", start))
        async with polling(app):                # initialize, start, poll; clean stop
            ana = api.make_user("Ana", language_code="pl")
            api.send_text(ana, "/start")        # a message update with a bot_command entity
            reply = await api.wait_for(lambda m: m.chat_id == ana.id)
            assert "Welcome" in reply.plain_text
            api.press_button(ana, reply, "next")  # callback_query on a bot message
            await api.wait_for_call(lambda c: c.method == "answerCallbackQuery")

Or just a Bot: ``async with api.bot() as bot: await bot.send_message(...)``. Fixtures
``fake_api`` and ``fake_bot`` live in ``tests.fakebotapi.pytest_plugin``.

The world:
    ``make_user(first_name, *, last_name, username, language_code, user_id, started) ->
    FakeUser``;
    ``make_group(title, *, admins, members, kind="group"|"supergroup", bot_status) ->
    FakeChat`` (first admin is the creator; ``bot_status="left"`` to add the bot later).
    Sends to an unknown id are accepted and create a private chat (positive id) or a group
    (negative id); ``FakeBotAPI(unknown_chats="not_found")`` answers 400 "chat not found"
    instead (or 403 "bot can't initiate conversation" for a known user who never wrote and
    was not made with ``started=True``).
    Groups obey privacy mode: non-command messages are not delivered unless the bot is admin.

Injecting updates (each returns the update id; long polls return at once):
    ``send_text(user, text, chat=None, *, reply_to=None)``, ``press_button(user, message,
    data, *, strict=True)``, ``inject_update(raw)``, ``add_bot_to_group(group, by, *,
    as_admin=False)``, ``remove_bot_from_group(group, by, *, kicked=True)``, ``block_bot(user)``,
    ``unblock_bot(user)``, ``deactivate_user(user)``, ``migrate_group(group, by=None) -> new id``.
    Blocked users, kicked bots, deactivated users and migrated groups then refuse sends the way
    Telegram does (403 / 400 with ``migrate_to_chat_id``).

Records:
    ``api.sent``: list of :class:`SentMessage` (sends and edits: method, chat_id, message_id,
    text/caption as sent, parse_mode, reply_markup (decoded), link_preview_options,
    allow_paid_broadcast, params, monotonic/wall_time of arrival, and ``result``, the Message
    returned; ``plain_text`` and ``button_data`` for assertions). ``api.calls``: every request
    (:class:`CallRecord`: method, params, status, description, fault). ``messages_to(chat)``,
    ``last_message(chat)``, ``current_message(chat, id)``, ``get_commands(scope, lang)``,
    ``descriptions``, ``short_descriptions``, ``menu_buttons``, ``answered_callbacks``,
    ``pressed_callbacks``, ``callback_answer_attempts`` (per query id, refused ones too),
    ``unanswered_callbacks``, ``deleted``, ``call_counts``. ``await wait_for(pred, timeout=5)`` /
    ``await wait_for_call(pred)`` fail with a dump of what was sent and what failed.

Validation like Telegram's: empty text, > 4096 characters after parsing ("message is too
long"), caption > 1024, HTML outside Telegram's tag set or unbalanced or with a bare ``&``/``<``
("can't parse entities: ..."; stricter than Telegram for a bare ``&``), callback_data > 64
bytes (BUTTON_DATA_INVALID), a second answerCallbackQuery for one query or one more than
``FakeBotAPI(callback_timeout=15.0)`` seconds after the press (400 "query is too old ..."),
edits that change nothing ("message is not modified"), command names and descriptions in
setMyCommands. MarkdownV2 is not validated.

Faults (``api.faults``; see :meth:`Faults.add`)::

    api.faults.add("429", method="sendMessage", retry_after=2)       # once
    api.faults.add("blocked", chat_id=ana.id)                        # 403 once for Ana
    api.faults.add("5xx", method="sendMessage", probability=0.1)     # 10 %, forever
    api.faults.add("lost", method="sendMessage")  # processed + recorded, answer never arrives
    api.faults.add("hang", method="sendMessage", hang_seconds=5)     # -> client TimedOut
    api.faults.clear()

Kinds: 429, blocked, deactivated, kicked, chat_not_found, 5xx (502), reset (connection closed
before processing, nothing recorded in ``sent``), lost (processed and recorded, connection
closed instead of the answer), hang (same, after ``hang_seconds``), error (any ``status``,
``description``, ``parameters``). A rule without ``method`` never hits getUpdates.
``latency=(min, max)`` delays every request before it arrives (seeded RNG).
``enforce_limits=True`` (or a :class:`FloodLimits`, each limit with its switch) answers 429
above 30 messages/s overall, sends and edits together (1000/s with allow_paid_broadcast), 1/s
per private chat, 20/min per group, counted on arrival.

Standalone (benchmarks)::

    python -m tests.fakebotapi --port 8081 --latency 0.05,0.15 \\
        --fault-rate 429=0.02,5xx=0.02,reset=0.02,lost=0.02 --enforce-limits

with a JSON control API under ``/_control/`` (see ``_control.py`` and README.md).

PTB note: constructing ``RetryAfter`` warns (PTBDeprecationWarning) unless the environment has
``PTB_TIMEDELTA=true``; with warnings as errors, set it in tests that provoke 429s.
"""

from ._faults import FaultKind, FaultRule, Faults, FloodLimits
from ._html import FormattedText, HtmlParseError, parse_html
from ._models import ApiError, CallRecord, FakeChat, FakeUser, SentMessage, UploadedFile
from .ptb import application_builder, polling
from .server import FakeBotAPI

__all__ = [
    "ApiError",
    "CallRecord",
    "FakeBotAPI",
    "FakeChat",
    "FakeUser",
    "FaultKind",
    "FaultRule",
    "Faults",
    "FloodLimits",
    "FormattedText",
    "HtmlParseError",
    "SentMessage",
    "UploadedFile",
    "application_builder",
    "parse_html",
    "polling",
]
