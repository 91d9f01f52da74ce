"""The fake Bot API behaves like Telegram for a real PTB Bot/Application over real HTTP."""

from __future__ import annotations

import asyncio
import datetime as dtm
import json
import re
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllGroupChats,
    ChatMemberUpdated,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    MenuButtonCommands,
    Message,
    Update,
)
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes
from telegram.request import HTTPXRequest

from tests.fakebotapi import (
    FakeBotAPI,
    FloodLimits,
    HtmlParseError,
    application_builder,
    parse_html,
    polling,
)

REPO = Path(__file__).resolve().parents[1]


def _message(update: Update) -> Message:
    assert update.message is not None
    return update.message


def _my_member(update: Update) -> ChatMemberUpdated:
    assert update.my_chat_member is not None
    return update.my_chat_member


@pytest.fixture(autouse=True)
def _ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    # PTB 22 warns when RetryAfter is built unless it may use timedelta; warnings are errors.
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


# -- the basics ---------------------------------------------------------------------------------


async def test_get_me_over_http(fake_api: FakeBotAPI, fake_bot: Bot) -> None:
    me = await fake_bot.get_me()
    assert me.is_bot
    assert me.username == "tipsbot_fake_bot"
    assert me.id == int(fake_api.token_for_tests.split(":")[0])
    assert [c.method for c in fake_api.calls] == ["getMe", "getMe"]  # initialize + ours


async def test_token_and_method_errors_use_real_envelopes() -> None:
    async with FakeBotAPI(token="42:" + "a" * 30) as api, aiohttp.ClientSession() as http:
        async with http.post(f"{api.base_url}42:{'b' * 30}/getMe") as response:
            assert response.status == 401
            assert await response.json() == {
                "ok": False,
                "error_code": 401,
                "description": "Unauthorized",
            }
        async with http.get(f"{api.base_url}not-a-token/getMe") as response:
            assert response.status == 404
        async with http.post(f"{api.base_url}{api.token_for_tests}/sendTelepathy") as response:
            assert response.status == 404
            assert (await response.json())["description"] == "Not Found"
        # Method names are case-insensitive; JSON bodies and query strings work too.
        url = f"{api.base_url}{api.token_for_tests}/SENDMESSAGE?chat_id=7"
        async with http.post(url, json={"text": "123", "reply_markup": '{"inline_keyboard":[]}'}):
            pass
        async with api.bot() as bot:
            with pytest.raises(EndPointNotFound):  # PTB's reading of a 404 for a method
                await bot.do_api_request("sendTelepathy")
        with pytest.raises(InvalidToken, match="rejected"):  # initialize() calls getMe
            async with Bot(f"42:{'b' * 30}", base_url=api.base_url):
                pass
    assert api.sent[0].text == "123"  # text stays a string, never JSON-decoded
    assert api.sent[0].chat_id == 7
    assert api.sent[0].reply_markup == {"inline_keyboard": []}


async def test_send_records_ground_truth(fake_api: FakeBotAPI, fake_bot: Bot) -> None:
    ana = fake_api.make_user("Ana")
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Next", callback_data="tip:2")]])
    first = await fake_bot.send_message(
        ana.id,
        "<b>Tip</b> 👶 <i>read</i> together",
        parse_mode="HTML",
        reply_markup=keyboard,
        link_preview_options=LinkPreviewOptions(is_disabled=True),
        allow_paid_broadcast=True,
    )
    second = await fake_bot.send_message(ana.id, "again")
    other = await fake_bot.send_message(-100, "group")

    assert (first.message_id, second.message_id, other.message_id) == (1, 2, 1)
    assert first.text == "Tip 👶 read together"
    # Offsets are UTF-16 code units: the emoji counts 2.
    assert [(e.type, e.offset, e.length) for e in first.entities] == [
        ("bold", 0, 3),
        ("italic", 7, 4),
    ]
    record = fake_api.sent[0]
    assert record.text == "<b>Tip</b> 👶 <i>read</i> together"
    assert record.parse_mode == "HTML"
    assert record.reply_markup == {
        "inline_keyboard": [[{"text": "Next", "callback_data": "tip:2"}]]
    }
    assert record.button_data == ["tip:2"]
    assert record.link_preview_options == {"is_disabled": True}
    assert record.allow_paid_broadcast is True
    assert fake_api.sent[1].allow_paid_broadcast is False
    assert record.wall_time == pytest.approx(time.time(), abs=5)
    assert [m.text for m in fake_api.messages_to(ana)] == [record.text, "again"]
    assert fake_api.chats[-100].type == "group"  # auto-created for a negative id


async def test_unknown_chats_can_be_refused() -> None:
    async with FakeBotAPI(unknown_chats="not_found") as api, api.bot() as bot:
        with pytest.raises(BadRequest, match=r"(?i)chat not found"):
            await bot.send_message(999, "hello?")
        silent = api.make_user("Silent")
        with pytest.raises(Forbidden, match="can't initiate conversation"):
            await bot.send_message(silent.id, "hello?")
        api.send_text(silent, "/start")
        await bot.send_message(silent.id, "now we talk")
        await bot.send_message(api.make_user("Earlier", started=True).id, "welcome back")
    assert [m.text for m in api.sent] == ["now we talk", "welcome back"]


# -- updates and a real Application -------------------------------------------------------------


async def _start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_chat is not None
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("More", callback_data="more")]])
    name = update.effective_user.first_name if update.effective_user else "?"
    await context.bot.send_message(
        update.effective_chat.id,
        f"Welcome, <b>{name}</b>!",
        parse_mode="HTML",
        reply_markup=keyboard,
    )


async def _more(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer("Here you go")
    await query.edit_message_text(f"More for you ({query.data})")


async def test_command_and_button_through_a_polling_application(fake_api: FakeBotAPI) -> None:
    application = application_builder(fake_api).build()
    application.add_handler(CommandHandler("start", _start))
    application.add_handler(CallbackQueryHandler(_more))
    ana = fake_api.make_user("Ana", language_code="pl")

    async with polling(application):
        fake_api.send_text(ana, "/start")
        welcome = await fake_api.wait_for(lambda m: m.chat_id == ana.id)
        assert welcome.text == "Welcome, <b>Ana</b>!"
        assert welcome.plain_text == "Welcome, Ana!"
        assert welcome.button_data == ["more"]

        fake_api.press_button(ana, welcome, "more")
        edit = await fake_api.wait_for(lambda m: m.method == "editMessageText")
        answer = await fake_api.wait_for_call(lambda c: c.method == "answerCallbackQuery")

    assert answer.status == 200
    assert fake_api.answered_callbacks[0]["text"] == "Here you go"
    assert (edit.chat_id, edit.message_id) == (ana.id, welcome.message_id)
    assert edit.plain_text == "More for you (more)"
    current = fake_api.current_message(ana, welcome.message_id)
    assert current is not None
    assert current["text"] == "More for you (more)"
    assert "reply_markup" not in current  # editMessageText without markup drops the keyboard
    with pytest.raises(ValueError, match="no button"):
        fake_api.press_button(ana, welcome, "more")
    assert fake_api.pending_updates == []  # the shutdown poll confirmed everything


async def test_long_poll_returns_when_an_update_arrives(
    fake_api: FakeBotAPI, fake_bot: Bot
) -> None:
    ana = fake_api.make_user()
    started = time.monotonic()
    poll = asyncio.create_task(fake_bot.get_updates(timeout=10))
    await asyncio.sleep(0.2)
    update_id = fake_api.send_text(ana, "hello")
    assert update_id is not None
    updates = await asyncio.wait_for(poll, 3)
    assert time.monotonic() - started < 2
    assert [(u.update_id, _message(u).text) for u in updates] == [(update_id, "hello")]
    assert _message(updates[0]).entities == ()

    # Not confirmed yet: delivered again; confirmed by a higher offset.
    assert [u.update_id for u in await fake_bot.get_updates()] == [update_id]
    assert await fake_bot.get_updates(offset=update_id + 1) == ()
    assert fake_api.pending_updates == []


async def test_get_updates_honours_limit_and_allowed_updates(
    fake_api: FakeBotAPI, fake_bot: Bot
) -> None:
    ana = fake_api.make_user()
    message_ids = [fake_api.send_text(ana, f"m{i}") for i in range(3)]
    fake_api.inject_update({"chat_member": {"fake": True}})
    block_id = fake_api.block_bot(ana)

    assert [u.update_id for u in await fake_bot.get_updates(limit=2)] == message_ids[:2]
    only_members = await fake_bot.get_updates(allowed_updates=["my_chat_member"])
    assert [u.update_id for u in only_members] == [block_id]
    default = await fake_bot.get_updates(allowed_updates=[])  # chat_member is opt-in
    assert [u.update_id for u in default] == [*message_ids, block_id]
    member = _my_member(only_members[0])
    assert (member.old_chat_member.status, member.new_chat_member.status) == ("member", "kicked")


async def test_second_poller_terminates_the_first(fake_api: FakeBotAPI, fake_bot: Bot) -> None:
    first = asyncio.create_task(fake_bot.get_updates(timeout=5))
    await asyncio.sleep(0.2)
    async with fake_api.bot() as second_instance:
        await second_instance.get_updates(timeout=0)
    with pytest.raises(Conflict, match="terminated by other getUpdates"):
        await asyncio.wait_for(first, 3)
    await fake_bot.set_webhook("https://example.org/hook", secret_token="s3cret")
    with pytest.raises(Conflict, match="webhook is active"):
        await fake_bot.get_updates()
    info = await fake_bot.get_webhook_info()
    assert info.url == "https://example.org/hook"
    await fake_bot.delete_webhook()
    assert await fake_bot.get_updates() == ()


async def test_groups_privacy_membership_and_migration(fake_api: FakeBotAPI, fake_bot: Bot) -> None:
    ana, ben = fake_api.make_user("Ana"), fake_api.make_user("Ben")
    group = fake_api.make_group("Parents", admins=[ana], members=[ben], bot_status="left")
    with pytest.raises(Forbidden, match="not a member of the group chat"):
        await fake_bot.send_message(group.id, "hi")

    added = fake_api.add_bot_to_group(group, by=ana)
    assert fake_api.send_text(ben, "just chatting", chat=group) is None  # privacy mode
    command = fake_api.send_text(ben, "/start@tipsbot_fake_bot", chat=group)
    assert command is not None
    updates = await fake_bot.get_updates()
    assert [u.update_id for u in updates] == [added, added + 1, command]
    assert _my_member(updates[0]).new_chat_member.status == "member"
    assert _message(updates[1]).new_chat_members[0].is_bot
    assert _message(updates[2]).entities[0].type == "bot_command"

    admins = await fake_bot.get_chat_administrators(group.id)
    assert [(a.user.first_name, a.status) for a in admins] == [("Ana", "creator")]
    assert (await fake_bot.get_chat_member(group.id, ben.id)).status == "member"
    assert (await fake_bot.get_chat(group.id)).title == "Parents"

    new_id = fake_api.migrate_group(group)
    with pytest.raises(ChatMigrated) as migrated:
        await fake_bot.send_message(group.id, "hello")
    assert migrated.value.new_chat_id == new_id
    sent = await fake_bot.send_message(new_id, "hello supergroup")
    assert sent.chat.type == "supergroup"
    service = await fake_bot.get_updates(offset=command + 1)
    assert [_message(u).migrate_to_chat_id for u in service] == [new_id, None]
    assert [_message(u).migrate_from_chat_id for u in service] == [None, group.id]

    fake_api.remove_bot_from_group(new_id, by=ana, kicked=True)
    with pytest.raises(Forbidden, match="kicked from the supergroup chat"):
        await fake_bot.send_message(new_id, "still here?")


async def test_blocked_and_deactivated_users_refuse_sends(
    fake_api: FakeBotAPI, fake_bot: Bot
) -> None:
    ana, ben = fake_api.make_user("Ana"), fake_api.make_user("Ben")
    fake_api.send_text(ana, "/start")
    fake_api.block_bot(ana)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await fake_bot.send_message(ana.id, "tip")
    fake_api.unblock_bot(ana)
    await fake_bot.send_message(ana.id, "tip")
    fake_api.deactivate_user(ben)
    with pytest.raises(Forbidden, match="user is deactivated"):
        await fake_bot.send_message(ben.id, "tip")
    assert [m.chat_id for m in fake_api.sent] == [ana.id]


# -- faults ------------------------------------------------------------------------------------


async def test_429_fault_raises_retry_after(fake_api: FakeBotAPI, fake_bot: Bot) -> None:
    rule = fake_api.faults.add("429", method="sendMessage", count=1, retry_after=3)
    with pytest.raises(RetryAfter) as caught:
        await fake_bot.send_message(1, "tip")
    assert caught.value.retry_after == dtm.timedelta(seconds=3)
    await fake_bot.send_message(1, "tip")  # count=1: the next one goes through
    assert rule.fired == 1
    assert [m.text for m in fake_api.sent] == ["tip"]
    assert fake_api.calls[-2].status == 429


@pytest.mark.parametrize(
    ("kind", "error", "message"),
    [
        ("blocked", Forbidden, "bot was blocked by the user"),
        ("deactivated", Forbidden, "user is deactivated"),
        ("kicked", Forbidden, "bot was kicked from the group chat"),
        ("chat_not_found", BadRequest, "Chat not found"),
        ("5xx", NetworkError, "Bad Gateway"),
    ],
)
async def test_rejecting_faults_raise_ptb_exceptions(
    fake_api: FakeBotAPI, fake_bot: Bot, kind: Any, error: type[Exception], message: str
) -> None:
    fake_api.faults.add(kind, chat_id=5)
    await fake_bot.send_message(6, "another chat is unaffected")
    with pytest.raises(error, match=message) as caught:
        await fake_bot.send_message(5, "tip")
    if kind == "5xx":
        assert not isinstance(caught.value, BadRequest)
    assert [m.chat_id for m in fake_api.sent] == [6]


async def test_reset_before_processing_records_nothing(fake_api: FakeBotAPI, fake_bot: Bot) -> None:
    fake_api.faults.add("reset", method="sendMessage")
    with pytest.raises(NetworkError):
        await fake_bot.send_message(1, "tip")
    assert fake_api.sent == []
    assert (fake_api.calls[-1].status, fake_api.calls[-1].fault) == (0, "reset")
    await fake_bot.send_message(1, "tip")  # the client recovers on a new connection
    assert len(fake_api.sent) == 1


async def test_lost_response_is_ambiguous(fake_api: FakeBotAPI, fake_bot: Bot) -> None:
    fake_api.faults.add("lost", method="sendMessage")
    with pytest.raises(NetworkError) as caught:
        await fake_bot.send_message(1, "delivered, but you'll never know")
    assert not isinstance(caught.value, BadRequest)
    assert [m.text for m in fake_api.sent] == ["delivered, but you'll never know"]
    assert fake_api.calls[-1].fault == "lost"


async def test_hang_after_processing_times_out_the_client(fake_api: FakeBotAPI) -> None:
    fake_api.faults.add("hang", method="sendMessage", hang_seconds=30)
    request = HTTPXRequest(read_timeout=0.3)
    async with fake_api.bot(request=request) as bot:
        with pytest.raises(TimedOut):
            await bot.send_message(1, "slow")
    assert [m.text for m in fake_api.sent] == ["slow"]


async def test_probability_faults_are_seeded() -> None:
    def pattern(seed: int) -> list[bool]:
        api = FakeBotAPI(seed=seed)
        api.faults.add("5xx", probability=0.3)
        return [api.faults.pick("sendMessage", 1) is not None for _ in range(200)]

    assert pattern(1) == pattern(1)
    assert pattern(1) != pattern(2)
    assert 30 < sum(pattern(1)) < 90


async def test_latency_delays_answers() -> None:
    async with FakeBotAPI(latency=(0.2, 0.2)) as api, api.bot() as bot:
        started = time.monotonic()
        await bot.send_message(1, "slow")
        assert time.monotonic() - started >= 0.2


async def test_enforced_flood_limits() -> None:
    limits = FloodLimits(overall_per_second=3, group_per_minute=2)
    async with FakeBotAPI(enforce_limits=limits) as api, api.bot() as bot:
        await bot.send_message(1, "a")
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(1, "b")  # > 1/s in one private chat
        assert caught.value.retry_after == dtm.timedelta(seconds=1)
        await bot.send_message(2, "c")
        await bot.send_message(3, "d")
        with pytest.raises(RetryAfter):
            await bot.send_message(4, "e")  # > 3/s overall
        await bot.send_message(5, "paid", allow_paid_broadcast=True)  # paid limit is higher
        await asyncio.sleep(1.05)
        await bot.send_message(-7, "g1")
        await bot.send_message(-7, "g2")
        with pytest.raises(RetryAfter) as group:
            await bot.send_message(-7, "g3")  # > 2/min in a group
        assert group.value.retry_after == dtm.timedelta(seconds=60)
    assert [m.text for m in api.sent] == ["a", "c", "d", "paid", "g1", "g2"]
    assert [c.fault for c in api.calls if c.status == 429] == ["flood"] * 3


async def test_edits_count_against_the_one_limit_and_chat_actions_do_not() -> None:
    limits = FloodLimits(overall_per_second=2, per_chat=False)
    async with FakeBotAPI(enforce_limits=limits) as api, api.bot() as bot:
        first = await bot.send_message(1, "a")
        await bot.edit_message_text("a2", chat_id=1, message_id=first.message_id)
        await bot.send_chat_action(1, "typing")  # not a message: never counted
        with pytest.raises(RetryAfter):
            await bot.send_message(2, "b")  # the edit took the second slot
    assert [c.method for c in api.calls if c.status == 429] == ["sendMessage"]


async def test_each_flood_limit_has_its_switch() -> None:
    limits = FloodLimits(overall=False, per_chat=False, group_per_minute=1)
    async with FakeBotAPI(enforce_limits=limits) as api, api.bot() as bot:
        for n in range(40):  # over 30/s and over 1/s in one chat: both switched off
            await bot.send_message(1, f"m{n}")
        await bot.send_message(-5, "g1")
        with pytest.raises(RetryAfter):
            await bot.send_message(-5, "g2")  # the group limit is still on
    assert len(api.sent) == 41


async def test_flood_windows_count_arrival_after_latency() -> None:
    # "b" leaves first but is delayed 0.9 s; "c" leaves 0.3 s later and arrives at once. As
    # Telegram counts them (on arrival), "c" came first, and "b" is the one over the limit.
    api = FakeBotAPI(enforce_limits=FloodLimits(overall_per_second=1, per_chat=False))
    async with api, api.bot() as bot:
        api.latency = (0.9, 0.9)
        slow = asyncio.create_task(bot.send_message(2, "b"))
        await asyncio.sleep(0.3)
        api.latency = (0.0, 0.0)
        await bot.send_message(3, "c")
        with pytest.raises(RetryAfter):
            await slow
    sends = [c for c in api.calls if c.method == "sendMessage"]
    assert [(c.params["text"], c.status) for c in sends] == [("c", 200), ("b", 429)]


# -- validation --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"text": "<b>bold</i>", "parse_mode": "HTML"}, "Can't parse entities: unmatched end tag"),
        ({"text": "<h1>Title</h1>", "parse_mode": "HTML"}, 'unsupported start tag "h1"'),
        ({"text": "<b>open", "parse_mode": "HTML"}, "find end tag"),
        ({"text": "Tom & Jerry", "parse_mode": "HTML"}, 'Character "&" must be escaped'),
        ({"text": "1 < 2", "parse_mode": "HTML"}, 'unescaped "<"'),
        ({"text": '<b class="x">x</b>', "parse_mode": "HTML"}, 'unsupported attribute "class"'),
        ({"text": "x" * 4097}, "Message is too long"),
        ({"text": "<b>" + "x" * 4096 + "</b>", "parse_mode": "HTML"}, None),
        ({"text": "   "}, "Message text is empty"),
        ({"text": "hi", "parse_mode": "Shouting"}, "Unsupported parse_mode"),
        (
            {
                "text": "hi",
                "reply_markup": InlineKeyboardMarkup(
                    [[InlineKeyboardButton("x", callback_data="é" * 33)]]
                ),
            },
            "Button_data_invalid",
        ),
    ],
)
async def test_send_validation(
    fake_api: FakeBotAPI, fake_bot: Bot, kwargs: dict[str, Any], message: str | None
) -> None:
    if message is None:
        await fake_bot.send_message(1, **kwargs)  # 4096 after parsing is fine
        assert len(fake_api.sent[0].plain_text) == 4096
        return
    with pytest.raises(BadRequest, match=f"(?i){re.escape(message)}"):
        await fake_bot.send_message(1, **kwargs)
    assert fake_api.sent == []


async def test_edit_validation_and_photo_captions(fake_api: FakeBotAPI, fake_bot: Bot) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("a", callback_data="a")]])
    message = await fake_bot.send_message(1, "same", reply_markup=keyboard)
    with pytest.raises(BadRequest, match="Message is not modified"):
        await fake_bot.edit_message_text("same", 1, message.message_id, reply_markup=keyboard)
    await fake_bot.edit_message_reply_markup(1, message.message_id, reply_markup=None)
    with pytest.raises(BadRequest, match="Message is not modified"):
        await fake_bot.edit_message_reply_markup(1, message.message_id)
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await fake_bot.edit_message_text("x", 1, 999)
    assert await fake_bot.delete_message(1, message.message_id)
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await fake_bot.delete_message(1, message.message_id)

    with pytest.raises(BadRequest, match="Message caption is too long"):
        await fake_bot.send_photo(1, b"\x89PNG fake", caption="c" * 1025)
    photo = await fake_bot.send_photo(1, b"\x89PNG fake", caption="<i>look</i>", parse_mode="HTML")
    assert photo.caption == "look"
    record = fake_api.sent[-1]
    assert record.params["photo"]["size"] == len(b"\x89PNG fake")
    file = await fake_bot.get_file(photo.photo[-1].file_id)
    assert bytes(await file.download_as_bytearray()) == b"\x89PNG fake"
    assert [m.method for m in fake_api.sent] == [
        "sendMessage",
        "editMessageReplyMarkup",
        "sendPhoto",
    ]


def test_html_parser_entities_and_errors() -> None:
    parsed = parse_html(
        '<b>b</b><a href="https://t.me">l</a><span class="tg-spoiler">s</span>'
        '<pre><code class="language-python">p</code></pre><blockquote expandable>q</blockquote>'
        "&lt;&#33;&quot;"
    )
    assert parsed.text == 'blspq<!"'
    assert [(e["type"], e["offset"]) for e in parsed.entities] == [
        ("bold", 0),
        ("text_link", 1),
        ("spoiler", 2),
        ("pre", 3),
        ("expandable_blockquote", 4),
    ]
    assert parsed.entities[1]["url"] == "https://t.me"
    assert parsed.entities[3]["language"] == "python"
    for bad in ("<br>", "<b/>", "<span>x</span>", "&nbsp;", "<!-- c -->", "x</b>", "a &amp b"):
        with pytest.raises(HtmlParseError):
            parse_html(bad)
    with pytest.raises(HtmlParseError, match="byte offset 6"):
        parse_html("é<b>x<div>")  # offsets are in UTF-8 bytes, like Telegram's


async def test_bot_settings_are_stored(fake_api: FakeBotAPI, fake_bot: Bot) -> None:
    commands = [BotCommand("start", "Start"), BotCommand("help", "Help")]
    await fake_bot.set_my_commands(commands, language_code="pl")
    await fake_bot.set_my_commands(commands[:1], scope=BotCommandScopeAllGroupChats())
    assert await fake_bot.get_my_commands(language_code="pl") == tuple(commands)
    assert fake_api.get_commands({"type": "all_group_chats"}) == [
        {"command": "start", "description": "Start"}
    ]
    await fake_bot.delete_my_commands(language_code="pl")
    assert await fake_bot.get_my_commands(language_code="pl") == ()
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await fake_bot.set_my_commands([BotCommand("Start!", "x")])

    await fake_bot.set_my_description("Tips for parents", language_code="en")
    await fake_bot.set_my_short_description("Tips")
    await fake_bot.set_chat_menu_button(menu_button=MenuButtonCommands())
    assert fake_api.descriptions == {"en": "Tips for parents"}
    assert (await fake_bot.get_my_short_description()).short_description == "Tips"
    assert fake_api.menu_buttons == {None: {"type": "commands"}}
    assert await fake_bot.log_out()
    assert await fake_bot.close()


async def test_wait_for_timeout_explains_what_was_sent(fake_api: FakeBotAPI, fake_bot: Bot) -> None:
    await fake_bot.send_message(1, "something else")
    fake_api.faults.add("blocked", chat_id=2)
    with pytest.raises(Forbidden):
        await fake_bot.send_message(2, "x")
    with pytest.raises(AssertionError) as caught:
        await fake_api.wait_for(lambda m: m.text == "expected", timeout=0.2)
    report = str(caught.value)
    assert "'something else'" in report
    assert "403 'Forbidden: bot was blocked by the user' fault=blocked" in report


# -- standalone process with the control API ---------------------------------------------------


@pytest.fixture
async def standalone() -> AsyncIterator[str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.fakebotapi",
        "--port",
        "0",
        "--latency",
        "0.01,0.02",
        cwd=REPO,
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    try:
        line = (await asyncio.wait_for(process.stdout.readline(), 20)).decode()
        match = re.search(r"listening on (http://\S+)", line)
        assert match, line
        yield match.group(1)
    finally:
        if process.returncode is None:
            process.terminate()
        assert await asyncio.wait_for(process.wait(), 10) == 0


async def test_standalone_control_api(standalone: str) -> None:
    async with aiohttp.ClientSession(base_url=standalone) as http:

        async def control(path: str, body: dict[str, Any] | None = None) -> Any:
            async with http.post(f"/_control/{path}", json=body or {}) as response:
                payload = await response.json()
                assert response.status == 200, payload
                return payload["result"]

        async def read(path: str) -> Any:
            async with http.get(f"/_control/{path}") as response:
                return (await response.json())["result"]

        health = await read("health")
        user = await control("users", {"first_name": "Ana", "language_code": "pl"})
        update = await control("send_text", {"user_id": user["id"], "text": "/start"})

        async with Bot(health["token"], base_url=health["base_url"]) as bot:
            updates = await bot.get_updates(timeout=5)
            assert [u.update_id for u in updates] == [update["update_id"]]
            keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Dalej", callback_data="n")]])
            sent = await bot.send_message(user["id"], "Witaj!", reply_markup=keyboard)
            press = await control(
                "press_button",
                {
                    "user_id": user["id"],
                    "chat_id": user["id"],
                    "message_id": sent.message_id,
                    "data": "n",
                },
            )
            updates = await bot.get_updates(offset=update["update_id"] + 1, timeout=5)
            assert [(u.update_id, u.callback_query.data) for u in updates if u.callback_query] == [
                (press["update_id"], "n")
            ]
            await control("faults", {"kind": "429", "method": "sendMessage", "retry_after": 1})
            with pytest.raises(RetryAfter):
                await bot.send_message(user["id"], "again")

        page = await read("sent?since=0")
        assert [(m["chat_id"], m["message_id"], m["text"]) for m in page["items"]] == [
            (user["id"], sent.message_id, "Witaj!")
        ]
        assert page["next"] == 1
        assert (await read("sent?since=1"))["items"] == []
        stats = await read("stats")
        assert stats["by_method"]["sendMessage"] == {"200": 1, "429": 1}
        assert stats["faults_fired"] == {"429": 1}
        async with http.delete("/_control/faults") as response:
            assert response.status == 200
        assert await read("faults") == []
        async with http.post("/_control/send_text", json={"text": "no user"}) as response:
            assert response.status == 400
            assert "user_id" in (await response.json())["error"]
        await control("reset")
        assert (await read("stats"))["sent"] == 0
        assert json.dumps(await read("calls?since=0"))  # serialisable
