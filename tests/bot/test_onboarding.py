"""A parent starts the bot: the walk-through with defaults and with choices, and deep links."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial

from domain.models import ChatStatus
from tests.bot.harness import button_labels, count_rows_for_chat, running_bot
from tests.fakebotapi._models import SentMessage


async def test_onboarding_with_the_defaults_takes_five_taps(migrated_url: str) -> None:
    async with running_bot(migrated_url) as bot:
        ana = bot.api.make_user("Ana", language_code="en")
        first = await bot.say(ana, "/start")
        assert "Hello! I'm tipsbot" in first.plain_text
        assert "Step 1 of 5" in first.plain_text
        assert (
            sum("✅" in label for label in button_labels(first)) == 3
        )  # every topic chosen to begin with
        assert not any("Back" in label for label in button_labels(first))

        nation = await bot.tap(ana, first, "Next")
        assert nation.is_edit and nation.message_id == first.message_id
        assert "Step 2 of 5" in nation.plain_text
        assert "Where in the UK do you live?" in nation.plain_text
        assert [label for label in button_labels(nation) if "✅" in label] == ["✅ England"]
        children = await bot.tap(ana, nation, "England")
        assert "Step 3 of 5" in children.plain_text
        often = await bot.tap(ana, children, "Skip")
        assert "Step 4 of 5" in often.plain_text
        assert "How often?" in often.plain_text
        assert "3 tips a week: Mon, Wed and Fri at 10:00" in often.plain_text
        when = await bot.tap(ana, often, "Next")
        assert "Step 5 of 5" in when.plain_text
        assert "What time?" in when.plain_text
        for screen in (nation, children, often, when):
            assert "⬅️ Back" in button_labels(screen)
        done = await bot.tap(ana, when, "Confirm")

        assert "All set!" in done.plain_text
        assert "Nation: England" in done.plain_text
        assert "3 tips a week: Mon, Wed and Fri at 10:00 (Europe/London)" in done.plain_text
        # Thursday noon -> the first tip is Friday at 10:00 London time.
        assert "Your next tip comes on Friday, 27 November 2026 at 10:00" in done.plain_text

        profile = await bot.profile(ana.id)
        assert profile is not None
        assert profile.chat.status == ChatStatus.ACTIVE
        assert profile.chat.region == "england"
        assert profile.chat.setup_step is None
        assert profile.topics == {"health", "welfare", "learning"}
        assert profile.schedule.days == "mon,wed,fri"
        assert profile.schedule.next_slot_at == datetime(2026, 11, 27, 10, tzinfo=UTC)


async def test_onboarding_with_choices_in_polish(migrated_url: str) -> None:
    async with running_bot(migrated_url) as bot:
        _ = bot.services.catalogs.for_language("pl").gettext
        ola = bot.api.make_user("Ola", language_code="pl")
        first = await bot.say(ola, "/start")
        assert "tipsbot" in first.plain_text
        assert "Hello!" not in first.plain_text  # answered in Polish, not English
        assert _("Step %(n)d of %(total)d") % {"n": 1, "total": 5} in first.plain_text

        fewer = await bot.tap(ola, first, "💷")  # untick welfare
        assert sum("✅" in label for label in button_labels(fewer)) == 2
        nation = await bot.tap(ola, fewer, "➡️")
        assert _("Step %(n)d of %(total)d") % {"n": 2, "total": 5} in nation.plain_text
        children = await bot.tap(ola, nation, _("Scotland"))
        question = await bot.tap(ola, children, "👶")
        assert question.button_data == ["qa:cancel"]

        listed = await bot.say(ola, "3/4/2025", reply_to=question)
        assert "2025" in listed.plain_text
        # Still step 3 after adding a child, and Back leads to the nation, ticked as chosen.
        assert _("Step %(n)d of %(total)d") % {"n": 3, "total": 5} in listed.plain_text
        back = await bot.tap(ola, listed, _("⬅️ Back"))
        assert "✅ " + _("Scotland") in button_labels(back)
        listed = await bot.tap(ola, back, _("Scotland"))
        often = await bot.tap(ola, listed, "➡️")
        # One a week: the day it comes on is said and ticked, and a tap moves it.
        once = await bot.tap(ola, often, _("1 a week"))
        assert _("Step %(n)d of %(total)d") % {"n": 4, "total": 5} in once.plain_text
        assert "1 porada tygodniowo: śr." in once.plain_text
        assert [label for label in button_labels(once) if label.startswith("✅")] == [
            "✅ " + _("1 a week"),
            "✅śr.",
        ]
        both = await bot.tap(ola, once, "data=ob:d:0")  # Monday too
        monday = await bot.tap(ola, both, "data=ob:d:2")  # and not Wednesday
        assert "pon." in monday.plain_text and "śr." not in monday.plain_text
        when = await bot.tap(ola, monday, "➡️")
        later = await bot.tap(ola, when, "08:00")
        done = await bot.tap(ola, later, "data=ob:confirm")

        profile = await bot.profile(ola.id)
        assert profile is not None
        assert profile.chat.language == "pl"
        assert profile.chat.region == "scotland"
        assert profile.topics == {"health", "learning"}
        assert profile.schedule.days == "mon"
        assert profile.schedule.send_time == "08:00"
        assert [c.birth_date.isoformat() for c in profile.children if c.birth_date] == [
            "2025-04-03"
        ]
        assert profile.chat.status == ChatStatus.ACTIVE
        assert "08:00" in done.plain_text


async def test_a_deep_link_subscribes_straight_to_its_topic(migrated_url: str) -> None:
    async with running_bot(migrated_url) as bot:
        ben = bot.api.make_user("Ben", language_code="en")
        reply = await bot.say(ben, "/start learning")
        assert "You're subscribed to 🧸 Play and learning" in reply.plain_text
        assert "Your next tip comes on" in reply.plain_text
        profile = await bot.profile(ben.id)
        assert profile is not None
        assert profile.topics == {"learning"}
        assert profile.chat.status == ChatStatus.ACTIVE


async def test_an_unknown_deep_link_falls_back_to_onboarding(migrated_url: str) -> None:
    async with running_bot(migrated_url) as bot:
        cat = bot.api.make_user("Cat", language_code="en")
        reply = await bot.say(cat, "/start no-such-topic")
        assert "Step 1 of 5" in reply.plain_text
        profile = await bot.profile(cat.id)
        assert profile is not None and profile.chat.status == ChatStatus.ONBOARDING


async def test_a_burst_of_new_users_each_get_their_own_chat(migrated_url: str) -> None:
    """Many /start at once (new chats are stored together, bot.intake): each user is answered
    once, in their language, and has a chat of their own with the defaults; a known chat in
    the same burst keeps what it chose."""
    async with running_bot(migrated_url) as bot:
        known = bot.api.make_user("Known", language_code="en")
        await bot.say(known, "/start learning")
        users = [
            bot.api.make_user(f"Parent {i}", language_code="pl" if i % 2 else "en")
            for i in range(30)
        ]
        since = len(bot.api.sent)
        for user in (*users, known):
            bot.api.send_text(user, "/start")
        for user in (*users, known):
            reply = await bot.api.wait_for(partial(_to, user.id), since=since)
            if user is known:  # subscribed already: what it gets, not the walk-through again
                assert "You're subscribed." in reply.plain_text
                continue
            assert "tipsbot" in reply.plain_text
            assert ("Hello! I'm tipsbot" in reply.plain_text) == (user.language_code == "en")
        assert sorted(m.chat_id for m in bot.api.sent[since:]) == sorted(
            u.id for u in (*users, known)
        )
        for user in users:
            profile = await bot.profile(user.id)
            assert profile is not None
            assert profile.chat.status == ChatStatus.ONBOARDING
            assert profile.chat.language == ("pl" if user.language_code == "pl" else "en")
            assert profile.topics == {"health", "welfare", "learning"}
            assert profile.schedule.days == "mon,wed,fri"
            rows = await count_rows_for_chat(bot.services, profile.chat.id or 0)
            assert rows["chat_event"] == 1
        again = await bot.profile(known.id)
        assert again is not None and again.topics == {"learning"}
        assert again.chat.status == ChatStatus.ACTIVE


def _to(chat_id: int, message: SentMessage) -> bool:
    return message.chat_id == chat_id
