"""The dispatcher's transport (scheduler.transport) against the fake Bot API over loopback:
the same answers, the same PTB exceptions and the same verdicts as PTB's own transport."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TimedOut

from scheduler.outcomes import Verdict, classify
from scheduler.transport import AiohttpRequest, encoded, request_for
from tests.fakebotapi import FakeBotAPI

KEYBOARD = InlineKeyboardMarkup([[InlineKeyboardButton("👍", callback_data="fb:u:x")]])


def fields(text: str = "<b>Tip</b> — “quotes” &amp; ünïcode") -> dict[str, object]:
    return {
        "text": text,
        "parse_mode": "HTML",
        "reply_markup": KEYBOARD.to_dict(),
        "link_preview_options": {"is_disabled": True},
        "allow_paid_broadcast": True,
    }


async def post(bot: Bot, chat_id: int, text: str = "<b>Tip</b> — “quotes” &amp; ünïcode") -> object:
    return await bot.request.post(
        f"{bot.base_url}/sendMessage", request_for(chat_id, encoded(fields(text)))
    )


def test_encoded_fields_are_json_text_and_skip_none() -> None:
    params = encoded({"text": "hi", "reply_markup": {"a": [1]}, "flag": True, "none": None})
    assert [(p.name, p.json_value, p.input_files) for p in params] == [
        ("text", "hi", None),
        ("reply_markup", '{"a": [1]}', None),
        ("flag", "true", None),
    ]
    data = request_for(-100123, params)
    assert data.json_parameters["chat_id"] == "-100123"
    assert not data.contains_files


async def test_prepared_send_arrives_exactly_as_ptb_would_send_it(fake_api: FakeBotAPI) -> None:
    async with fake_api.bot(request=AiohttpRequest(connection_pool_size=4)) as lean:
        result = await post(lean, 42)
    async with fake_api.bot() as ptb:
        await ptb.send_message(
            43,
            "<b>Tip</b> — “quotes” &amp; ünïcode",
            parse_mode="HTML",
            reply_markup=KEYBOARD,
            link_preview_options={"is_disabled": True},  # type: ignore[arg-type]
            allow_paid_broadcast=True,
        )
    assert isinstance(result, dict)
    ours, theirs = fake_api.sent
    assert result["message_id"] == ours.message_id
    assert (ours.chat_id, theirs.chat_id) == (42, 43)
    for attribute in ("text", "parse_mode", "reply_markup", "link_preview_options"):
        assert getattr(ours, attribute) == getattr(theirs, attribute), attribute
    assert ours.allow_paid_broadcast and theirs.allow_paid_broadcast
    assert ours.result["text"] == "Tip — “quotes” & ünïcode"


async def test_photos_go_as_multipart(fake_api: FakeBotAPI, tmp_path: Path) -> None:
    image = tmp_path / "dot.png"
    image.write_bytes(
        bytes.fromhex(
            "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
            "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
        )
    )
    async with fake_api.bot(request=AiohttpRequest(connection_pool_size=2)) as bot:
        with image.open("rb") as photo:
            sent = await bot.send_photo(7, photo, caption="<i>caption</i>", parse_mode="HTML")
    assert sent.caption == "caption"
    assert fake_api.sent[-1].method == "sendPhoto"


@pytest.mark.parametrize(
    ("kind", "error", "verdict"),
    [
        ("429", RetryAfter, Verdict.RATE_LIMITED),
        ("blocked", Forbidden, Verdict.UNREACHABLE),
        ("chat_not_found", BadRequest, Verdict.UNREACHABLE),
        ("5xx", NetworkError, Verdict.RETRY),
    ],
)
async def test_error_answers_become_ptb_exceptions(
    fake_api: FakeBotAPI, kind: str, error: type[Exception], verdict: Verdict
) -> None:
    fake_api.faults.add(kind, chat_id=5)  # type: ignore[arg-type]
    async with fake_api.bot(request=AiohttpRequest(connection_pool_size=2)) as bot:
        with pytest.raises(error) as caught:
            await post(bot, 5)
        assert isinstance(await post(bot, 6), dict)  # other chats are unaffected
    assert classify(caught.value).verdict is verdict
    assert [m.chat_id for m in fake_api.sent] == [6]


async def test_migration_and_bad_markup(fake_api: FakeBotAPI) -> None:
    ana = fake_api.make_user("Ana")
    group = fake_api.make_group("Parents", admins=[ana], members=[])
    fake_api.add_bot_to_group(group, by=ana)
    new_id = fake_api.migrate_group(group)
    async with fake_api.bot(request=AiohttpRequest(connection_pool_size=2)) as bot:
        with pytest.raises(ChatMigrated) as migrated:
            await post(bot, group.id)
        with pytest.raises(BadRequest) as refused:
            await post(bot, 1, "<b>never closed")
        await post(bot, new_id)
    assert migrated.value.new_chat_id == new_id
    assert classify(migrated.value).verdict is Verdict.MIGRATED
    assert classify(refused.value).verdict is Verdict.CONTENT
    assert [m.chat_id for m in fake_api.sent] == [new_id]


async def test_reset_and_lost_answers_are_ambiguous(fake_api: FakeBotAPI) -> None:
    async with fake_api.bot(request=AiohttpRequest(connection_pool_size=2)) as bot:
        fake_api.faults.add("reset", method="sendMessage", count=1)
        with pytest.raises(NetworkError) as reset:
            await post(bot, 1, "never processed")
        fake_api.faults.add("lost", method="sendMessage", count=1)
        with pytest.raises(NetworkError) as lost:
            await post(bot, 1, "processed, answer lost")
        await post(bot, 1, "the pool recovers")
    assert classify(reset.value).verdict is Verdict.AMBIGUOUS
    assert classify(lost.value).verdict is Verdict.AMBIGUOUS
    assert [m.text for m in fake_api.sent] == ["processed, answer lost", "the pool recovers"]


async def test_hang_times_out_and_is_ambiguous(fake_api: FakeBotAPI) -> None:
    fake_api.faults.add("hang", method="sendMessage", hang_seconds=30)
    request = AiohttpRequest(connection_pool_size=2, read_timeout=0.3)
    async with fake_api.bot(request=request) as bot:
        with pytest.raises(TimedOut) as caught:
            await post(bot, 1, "slow")
    assert classify(caught.value).verdict is Verdict.AMBIGUOUS
    assert [m.text for m in fake_api.sent] == ["slow"]


async def test_refused_connection_certainly_did_not_send() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    bot = Bot("1:x", base_url=f"http://127.0.0.1:{port}/bot", request=AiohttpRequest())
    await bot.request.initialize()
    try:
        with pytest.raises(NetworkError) as caught:
            await post(bot, 1)
    finally:
        await bot.request.shutdown()
    assert not isinstance(caught.value, TimedOut)
    assert classify(caught.value).verdict is Verdict.RETRY


async def test_transport_opens_its_session_when_first_used(fake_api: FakeBotAPI) -> None:
    request = AiohttpRequest(connection_pool_size=1)
    bot = fake_api.bot(request=request)  # not initialised: the first send opens the session
    try:
        assert isinstance(await post(bot, 1), dict)
    finally:
        await request.shutdown()
    assert len(fake_api.sent) == 1
