"""A chat's subscription state holds together: it keeps at least one topic, /stop's undo and
/resume never subscribe a chat half set up, /start brings back a chat that blocked the bot (with
everything it chose) and shows a subscriber what it gets instead of the walk-through."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from domain.models import ChatStatus
from scheduler.housekeeping import resume_ended_pauses
from tests.bot.harness import Harness, button_labels, count_rows_for_chat, running_bot, seed_chat
from tests.fakebotapi._models import FakeUser, SentMessage


def step(bot: Harness, language: str, n: int) -> str:
    _ = bot.services.catalogs.for_language(language).gettext
    return _("Step %(n)d of %(total)d") % {"n": n, "total": 5}


async def answered(bot: Harness, user: FakeUser, message: SentMessage, data: str) -> str | None:
    """Press a button and return the text its callback was answered with."""
    since = len(bot.api.calls)
    bot.api.press_button(user, message, data)
    call = await bot.api.wait_for_call(lambda c: c.method == "answerCallbackQuery", since=since)
    text = call.params.get("text")
    return None if text is None else str(text)


async def until_status(bot: Harness, telegram_id: int, status: ChatStatus) -> None:
    for _ in range(100):
        profile = await bot.profile(telegram_id)
        if profile is not None and profile.chat.status == status:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"chat {telegram_id} never became {status}")


@pytest.mark.parametrize("language", ["en", "pl"])
async def test_topics_keeps_at_least_one(migrated_url: str, language: str) -> None:
    async with running_bot(migrated_url) as bot:
        _ = bot.services.catalogs.for_language(language).gettext
        keep_one = _("Keep at least one topic. To stop all tips, send /stop.")
        await seed_chat(bot.services, 601, language=language)
        ana = bot.api.make_user("Ana", language_code=language, user_id=601)
        menu = await bot.say(ana, "/topics")
        menu = await bot.tap(ana, menu, "data=tp:t:health")
        menu = await bot.tap(ana, menu, "data=tp:t:welfare")
        assert await answered(bot, ana, menu, "tp:t:learning") == keep_one
        profile = await bot.profile(ana.id)
        assert profile is not None and profile.topics == {"learning"}
        current = bot.api.current_message(ana.id, menu.message_id) or {}
        buttons = [b["text"] for row in current["reply_markup"]["inline_keyboard"] for b in row]
        assert sum("✅" in label for label in buttons) == 1
        done = await bot.tap(ana, menu, "data=tp:done")
        assert _("Your topics are saved. Change them any time with /topics.") == done.plain_text

        # A chat left with none (from before this rule) is told so, not that it is saved.
        await seed_chat(bot.services, 602, language=language, topics=frozenset())
        bo = bot.api.make_user("Bo", language_code=language, user_id=602)
        empty = await bot.say(bo, "/topics")
        since = len(bot.api.sent)
        assert await answered(bot, bo, empty, "tp:done") == keep_one
        later = await bot.say(bo, "/topics")  # anything Done sent would have come before this
        assert [m.index for m in bot.api.sent[since:] if m.chat_id == bo.id] == [later.index]


@pytest.mark.parametrize("language", ["en", "ur"])
async def test_stop_undo_and_resume_send_a_chat_half_set_up_back_to_its_step(
    migrated_url: str, language: str
) -> None:
    async with running_bot(migrated_url) as bot:
        _ = bot.services.catalogs.for_language(language).gettext
        carry_on = _("You haven't finished setting up yet, so no tips come. Let's carry on:")
        cat = bot.api.make_user("Cat", language_code=language)
        await bot.say(cat, "/start")

        stopped = await bot.say(cat, "/stop")
        back = await bot.tap(cat, stopped, _("↩️ Undo"))
        assert carry_on in back.plain_text
        assert step(bot, language, 1) in back.plain_text
        profile = await bot.profile(cat.id)
        assert profile is not None
        assert profile.chat.status == ChatStatus.ONBOARDING

        nation = await bot.tap(cat, back, "data=ob:done")
        children = await bot.tap(cat, nation, "data=ob:rg:wales")
        assert step(bot, language, 3) in children.plain_text
        await bot.say(cat, "/stop")
        resumed = await bot.say(cat, "/resume")
        assert carry_on in resumed.plain_text and step(bot, language, 3) in resumed.plain_text
        assert "ob:freq" in str(resumed.reply_markup)
        profile = await bot.profile(cat.id)
        assert profile is not None and profile.chat.status == ChatStatus.ONBOARDING

        # From where it was sent back to, the walk-through finishes and subscribes.
        often = await bot.tap(cat, resumed, "data=ob:freq")
        when = await bot.tap(cat, often, "data=ob:time")
        await bot.tap(cat, when, "data=ob:confirm")
        profile = await bot.profile(cat.id)
        assert profile is not None and profile.chat.status == ChatStatus.ACTIVE
        assert profile.chat.region == "wales" and profile.chat.setup_step is None


@pytest.mark.parametrize("language", ["en", "pl"])
async def test_resume_when_tips_are_on_says_so(migrated_url: str, language: str) -> None:
    async with running_bot(migrated_url) as bot:
        _ = bot.services.catalogs.for_language(language).gettext
        chat_id = await seed_chat(bot.services, 603, language=language)
        dee = bot.api.make_user("Dee", language_code=language, user_id=603)
        before = await count_rows_for_chat(bot.services, chat_id)
        reply = await bot.say(dee, "/resume")
        assert reply.plain_text.startswith(_("Tips are already on."))
        assert _("Welcome back! Tips are on again.") not in reply.plain_text
        assert await count_rows_for_chat(bot.services, chat_id) == before  # no event logged

        paused = await bot.say(dee, "/pause")
        await bot.tap(dee, paused, "data=pz:on")
        back = await bot.say(dee, "/resume")
        assert back.plain_text.startswith(_("Welcome back! Tips are on again."))


@pytest.mark.parametrize("language", ["en", "pl"])
async def test_start_after_block_and_unblock_subscribes_again_with_everything_kept(
    migrated_url: str, language: str
) -> None:
    async with running_bot(migrated_url) as bot:
        _ = bot.services.catalogs.for_language(language).gettext
        await seed_chat(
            bot.services,
            604,
            language=language,
            region="scotland",
            topics=frozenset({"learning"}),
            days="tue,thu",
            send_time="19:00",
        )
        eve = bot.api.make_user("Eve", language_code=language, user_id=604)
        bot.api.block_bot(eve)
        await until_status(bot, eve.id, ChatStatus.BLOCKED)
        bot.api.unblock_bot(eve)

        reply = await bot.say(eve, "/start")
        assert reply.plain_text.startswith(_("Welcome back! Tips are on again."))
        assert step(bot, language, 1) not in reply.plain_text  # not the walk-through again
        assert _("📚 Topics") in button_labels(reply)
        profile = await bot.profile(eve.id)
        assert profile is not None
        assert profile.chat.status == ChatStatus.ACTIVE
        assert profile.chat.region == "scotland"
        assert profile.topics == {"learning"}
        assert (profile.schedule.days, profile.schedule.send_time) == ("tue,thu", "19:00")
        assert profile.schedule.next_slot_at is not None


@pytest.mark.parametrize("language", ["en", "ur"])
async def test_start_shows_a_subscriber_what_it_gets_and_a_half_set_up_chat_its_step(
    migrated_url: str, language: str
) -> None:
    async with running_bot(migrated_url) as bot:
        _ = bot.services.catalogs.for_language(language).gettext
        await seed_chat(bot.services, 605, language=language, region="wales")
        fay = bot.api.make_user("Fay", language_code=language, user_id=605)
        summary = await bot.say(fay, "/start")
        heading = _("<b>You're subscribed.</b>").replace("<b>", "").replace("</b>", "")
        assert summary.plain_text.startswith(heading)
        assert _("Nation: %(nation)s") % {"nation": _("Wales")} in summary.plain_text
        assert step(bot, language, 1) not in summary.plain_text
        assert button_labels(summary) == [
            _("📚 Topics"),
            _("👶 Children"),
            _("🗓 Days and time"),
            _("📍 Nation"),
        ]
        topics = await bot.tap(fay, summary, _("📚 Topics"))
        assert "tp:done" in str(topics.reply_markup)
        profile = await bot.profile(fay.id)
        assert profile is not None and profile.chat.status == ChatStatus.ACTIVE

        gus = bot.api.make_user("Gus", language_code=language)
        first = await bot.say(gus, "/start")
        await bot.tap(gus, first, "data=ob:done")
        again = await bot.say(gus, "/start")
        assert step(bot, language, 2) in again.plain_text
        assert "ob:rg:england" in str(again.reply_markup)


@pytest.mark.parametrize("language", ["en", "pl"])
async def test_any_message_after_unblocking_brings_the_chat_back_as_it_was(
    migrated_url: str, language: str
) -> None:
    async with running_bot(migrated_url) as bot:
        _ = bot.services.catalogs.for_language(language).gettext
        await seed_chat(bot.services, 606, language=language, days="sat", send_time="08:00")
        await seed_chat(bot.services, 607, language=language, status=ChatStatus.STOPPED)
        hal = bot.api.make_user("Hal", language_code=language, user_id=606)
        ivy = bot.api.make_user("Ivy", language_code=language, user_id=607)
        for user in (hal, ivy):
            bot.api.block_bot(user)
            await until_status(bot, user.id, ChatStatus.BLOCKED)
            bot.api.unblock_bot(user)
            await bot.say(user, "/schedule")

        hal_now = await bot.profile(hal.id)
        assert hal_now is not None and hal_now.chat.status == ChatStatus.ACTIVE
        assert (hal_now.schedule.days, hal_now.schedule.send_time) == ("sat", "08:00")
        assert hal_now.schedule.next_slot_at is not None
        # A chat that had stopped before it blocked the bot is not subscribed by a message.
        ivy_now = await bot.profile(ivy.id)
        assert ivy_now is not None and ivy_now.chat.status == ChatStatus.STOPPED


async def test_a_pause_taken_during_set_up_ends_back_in_set_up(migrated_url: str) -> None:
    async with running_bot(migrated_url) as bot:
        jo = bot.api.make_user("Jo", language_code="en")
        await bot.say(jo, "/start")
        menu = await bot.say(jo, "/pause")
        await bot.tap(jo, menu, "1 week")
        bot.clock.advance(timedelta(days=7, minutes=1))
        assert await resume_ended_pauses(bot.services.sessions, bot.clock) == []  # not told
        profile = await bot.profile(jo.id)
        assert profile is not None and profile.chat.status == ChatStatus.ONBOARDING
