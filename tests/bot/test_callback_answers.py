"""Every button tap is answered exactly once: a second answerCallbackQuery (or a late one)
fails at Telegram, and a non-admin in a group must see the refusal as an alert."""

from __future__ import annotations

import asyncio

import pytest

from tests.bot.harness import Harness, running_bot, seed_chat
from tests.fakebotapi import FakeBotAPI, FakeChat, FakeUser, SentMessage

MENUS = (
    "/settings",
    "/start",
    "/topics",
    "/children",
    "/schedule",
    "/language",
    "/region",
    "/pause",
    "/stop",
    "/forget",
)
LAST = ("fg:yes",)  # pressed once everything else is done: it erases the chat
PRESSED: dict[str, str] = {}  # query id -> data, to name a button that failed


async def barrier(bot: Harness, user: FakeUser, chat: FakeChat | None) -> None:
    """Wait until every update sent so far in this chat is handled: they run one at a time
    per chat, so the answer to a /help sent now comes after them."""
    chat_id = chat.id if chat is not None else user.id
    since = len(bot.api.sent)
    bot.api.send_text(user, "/help", chat=chat)
    await bot.api.wait_for(
        lambda m: m.chat_id == chat_id and m.method == "sendMessage" and "/cancel" in m.plain_text,
        since=since,
        timeout=20,
    )


async def press_and_settle(
    bot: Harness, user: FakeUser, chat: FakeChat | None, message: SentMessage, data: str
) -> list[SentMessage]:
    """Press a button (the data as given, whatever the message shows now) and return what the
    bot sent or edited in the chat because of it."""
    since = len(bot.api.sent)
    bot.api.press_button(user, message, data, strict=False)
    PRESSED[bot.api.pressed_callbacks[-1]] = data
    await barrier(bot, user, chat)
    chat_id = message.chat_id
    return [m for m in bot.api.sent[since:] if m.chat_id == chat_id and m.reply_markup]


def assert_each_answered_once(api: FakeBotAPI) -> None:
    attempts = {q: api.callback_answer_attempts[q] for q in api.pressed_callbacks}
    assert api.pressed_callbacks, "no button was pressed"
    bad = {PRESSED.get(q, q): n for q, n in attempts.items() if n != 1}
    assert not bad, f"buttons not answered exactly once (data: attempts): {bad}"
    refused = [c for c in api.calls if c.method == "answerCallbackQuery" and c.status != 200]
    assert refused == []


async def crawl(
    bot: Harness,
    user: FakeUser,
    chat: FakeChat | None,
    *,
    limit: int = 400,
    menus: tuple[str, ...] = MENUS,
) -> set[str]:
    """Open every menu and press every button reachable from them once (by callback data);
    the data pressed."""
    frontier: list[tuple[SentMessage, str]] = []
    for command in menus:
        menu = await bot.say(user, command, chat=chat)
        frontier += [(menu, data) for data in menu.button_data]
    pressed: set[str] = set()
    last: list[tuple[SentMessage, str]] = []
    while frontier and len(pressed) < limit:
        message, data = frontier.pop(0)
        if data in pressed:
            continue
        if data in LAST:
            last.append((message, data))
            continue
        pressed.add(data)
        for shown in await press_and_settle(bot, user, chat, message, data):
            frontier += [(shown, d) for d in shown.button_data if d not in pressed]
    for message, data in last:
        pressed.add(data)
        await press_and_settle(bot, user, chat, message, data)
    return pressed


async def test_every_button_in_a_private_chat_is_answered_once(migrated_url: str) -> None:
    async with running_bot(migrated_url) as bot:
        ana = bot.api.make_user("Ana", language_code="en")
        await seed_chat(bot.services, ana.id, born=bot.clock.now.date().replace(year=2025))
        pressed = await crawl(bot, ana, None)
        # A subscriber's /start shows a summary: onboarding's own buttons need a newcomer.
        ben = bot.api.make_user("Ben", language_code="en")
        pressed |= await crawl(bot, ben, None, menus=("/start",))
        # The crawl reached every menu's own buttons, the open question's Cancel included.
        menus = {data.split(":")[0] for data in pressed}
        assert {"se", "ob", "tp", "ch", "sc", "lg", "rg", "pz", "st", "fg", "qa"} <= menus
        assert len(pressed) > 60
        assert_each_answered_once(bot.api)
        assert bot.api.unanswered_callbacks == []


@pytest.mark.parametrize("language", ["en", "pl"])
async def test_a_member_tapping_a_groups_settings_gets_the_alert_once(
    migrated_url: str, language: str
) -> None:
    async with running_bot(migrated_url) as bot:
        _ = bot.services.catalogs.for_language(language).gettext
        ada = bot.api.make_user("Ada", language_code=language)
        bo = bot.api.make_user("Bo", language_code=language)
        group = bot.api.make_group("Parents", admins=[ada], members=[bo])
        await seed_chat(
            bot.services, group.id, kind="group", language=language, born=bot.clock.now.date()
        )
        refusal = _("Only the group's admins can change these settings.")
        menus = [await bot.say(ada, command, chat=group) for command in MENUS]
        since = len(bot.api.answered_callbacks)
        taps = 0
        for menu in menus:
            for data in menu.button_data:
                bot.api.press_button(bo, menu, data, strict=False)
                taps += 1
        await barrier(bot, ada, group)
        answers = bot.api.answered_callbacks[since:]
        assert len(answers) == taps
        assert {(a.get("text"), a.get("show_alert")) for a in answers} == {(refusal, True)}
        assert_each_answered_once(bot.api)
        # Nothing was changed by the taps (among them "Remove" under the child).
        profile = await bot.profile(group.id)
        assert profile is not None and len(profile.children) == 1


async def test_the_fake_refuses_a_second_and_a_late_answer() -> None:
    from telegram.error import BadRequest

    async with FakeBotAPI(callback_timeout=0.2) as api, api.bot() as bot:
        ana = api.make_user("Ana")
        menu = await bot.send_message(ana.id, "Pick", reply_markup=None)
        stored = api.current_message(ana, menu.message_id)
        assert stored is not None
        api.press_button(ana, stored, "x", strict=False)
        query_id = api.pressed_callbacks[-1]
        assert await bot.answer_callback_query(query_id)
        with pytest.raises(BadRequest, match="too old"):
            await bot.answer_callback_query(query_id)
        assert api.callback_answer_attempts[query_id] == 2

        api.press_button(ana, stored, "y", strict=False)
        late = api.pressed_callbacks[-1]
        await asyncio.sleep(0.3)
        with pytest.raises(BadRequest, match="too old"):
            await bot.answer_callback_query(late)
        assert api.unanswered_callbacks == []  # refused, but answered: no spinner is left
