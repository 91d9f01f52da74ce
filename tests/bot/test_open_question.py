"""The bot's open question (a date, a time, a time zone) ends: answered, cancelled (button or
/cancel), by any other command or button, or after 15 minutes; in a group only the asking
admin's reply to it answers it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from bot.handlers.children import numeric_date
from domain.dates import example_date
from tests.bot.harness import Harness, running_bot, seed_chat
from tests.fakebotapi import FakeChat, FakeUser, SentMessage


def gettext(bot: Harness, language: str) -> Callable[[str], str]:
    return bot.services.catalogs.for_language(language).gettext


async def ask_birth_date(bot: Harness, user: FakeUser, chat: FakeChat | None = None) -> SentMessage:
    """/children, then "Add a birth date": the question."""
    _ = gettext(bot, user.language_code or "en")
    listing = await bot.say(user, "/children", chat=chat)
    return await bot.tap(user, listing, _("👶 Add a birth date"))


async def children_of(bot: Harness, telegram_id: int) -> list[object]:
    profile = await bot.profile(telegram_id)
    assert profile is not None
    return [c.birth_date or c.due_date for c in profile.children]


@pytest.mark.parametrize("language", ["en", "pl"])
async def test_another_command_or_button_ends_the_question(
    migrated_url: str, language: str
) -> None:
    async with running_bot(migrated_url) as bot:
        _ = gettext(bot, language)
        ola = bot.api.make_user("Ola", language_code=language)
        await seed_chat(bot.services, ola.id, language=language)
        # Text that is no answer and no question (a greeting, a bare date) gets a hint.
        pointer = _(
            "Hello! Ask me anything about your child's health, your family's money or "
            "learning at home, in your own words, or send /help."
        )
        example = example_date("birth", bot.clock().date())
        unreadable = _("I couldn't read that date. Try for example %(example)s or %(numeric)s.") % {
            "example": bot.services.catalogs.for_language(language).example_date(example),
            "numeric": numeric_date(example),
        }

        question = await ask_birth_date(bot, ola)
        assert question.button_data == ["qa:cancel"]
        assert question.button_texts == [_("✖️ Cancel")]
        await bot.say(ola, "/help")
        # The question is closed: its Cancel button is gone, and text is not its answer.
        assert not (bot.api.current_message(ola, question.message_id) or {}).get("reply_markup")
        reply = await bot.say(ola, "hello")
        assert reply.text == pointer

        # The path: several commands, then a button of another menu.
        await ask_birth_date(bot, ola)
        await bot.say(ola, "/settings")
        await bot.say(ola, "/start")
        listing = await bot.say(ola, "/children")
        await bot.tap(ola, listing, "data=ch:done")
        reply = await bot.say(ola, "hello")
        assert reply.text == pointer
        assert unreadable not in {m.text for m in bot.api.messages_to(ola)}
        assert await children_of(bot, ola.id) == []

        # Still answered while open, even after a wrong try.
        question = await ask_birth_date(bot, ola)
        again = await bot.say(ola, "hello")
        assert again.text == unreadable
        assert again.button_data == ["qa:cancel"]
        # One Cancel button at a time: the first question's is retired by the second ask.
        assert not (bot.api.current_message(ola, question.message_id) or {}).get("reply_markup")
        listed = await bot.say(ola, "3/4/2025")
        assert "2025" in listed.plain_text
        assert len(await children_of(bot, ola.id)) == 1


@pytest.mark.parametrize("language", ["en", "ur"])
async def test_cancel_by_button_and_by_command(migrated_url: str, language: str) -> None:
    async with running_bot(migrated_url) as bot:
        _ = gettext(bot, language)
        ayaan = bot.api.make_user("Ayaan", language_code=language)
        await seed_chat(bot.services, ayaan.id, language=language)
        # Text that is no answer and no question (a greeting, a bare date) gets a hint.
        pointer = _(
            "Hello! Ask me anything about your child's health, your family's money or "
            "learning at home, in your own words, or send /help."
        )

        question = await ask_birth_date(bot, ayaan)
        cancelled = await bot.tap(ayaan, question, _("✖️ Cancel"))
        assert (cancelled.method, cancelled.message_id) == ("editMessageText", question.message_id)
        assert cancelled.text == _("Cancelled.")
        assert cancelled.button_data == []
        assert (await bot.say(ayaan, "3/4/2025")).text == pointer

        question = await ask_birth_date(bot, ayaan)
        reply = await bot.say(ayaan, "/cancel")
        assert reply.text == _("Cancelled.")
        assert not (bot.api.current_message(ayaan, question.message_id) or {}).get("reply_markup")
        assert (await bot.say(ayaan, "3/4/2025")).text == pointer
        reply = await bot.say(ayaan, "/cancel")
        assert reply.text == _("There is no open question to cancel.")
        assert await children_of(bot, ayaan.id) == []


async def test_a_stranger_can_cancel_without_getting_a_record(migrated_url: str) -> None:
    async with running_bot(migrated_url) as bot:
        _ = gettext(bot, "cy")
        cai = bot.api.make_user("Cai", language_code="cy")
        reply = await bot.say(cai, "/cancel")
        assert reply.text == _("There is no open question to cancel.")
        assert await bot.profile(cai.id) is None


@pytest.mark.parametrize("language", ["en", "pl"])
async def test_the_question_times_out_after_15_minutes(migrated_url: str, language: str) -> None:
    async with running_bot(migrated_url) as bot:
        _ = gettext(bot, language)
        ola = bot.api.make_user("Ola", language_code=language)
        await seed_chat(bot.services, ola.id, language=language)

        await ask_birth_date(bot, ola)
        bot.clock.advance(timedelta(minutes=14))
        listed = await bot.say(ola, "3/4/2025")  # in time: taken
        assert "2025" in listed.plain_text

        question = await ask_birth_date(bot, ola)
        bot.clock.advance(timedelta(minutes=16))
        reply = await bot.say(ola, "4/5/2024")
        assert reply.text == _(
            "Hello! Ask me anything about your child's health, your family's money or "
            "learning at home, in your own words, or send /help."
        )
        assert len(await children_of(bot, ola.id)) == 1
        # Its Cancel button, tapped late, says so and goes away.
        since = len(bot.api.sent)
        await bot.press(ola, question, _("✖️ Cancel"))
        assert bot.api.answered_callbacks[-1]["text"] == _("There is no open question to cancel.")
        await bot.api.wait_for(
            lambda m: m.method == "editMessageReplyMarkup" and m.message_id == question.message_id,
            since=since,
        )
        reply = await bot.say(ola, "/cancel")
        assert reply.text == _("There is no open question to cancel.")


@pytest.mark.parametrize("language", ["en", "cy"])
async def test_in_a_group_only_the_asking_admins_reply_answers(
    migrated_url: str, language: str
) -> None:
    async with running_bot(migrated_url) as bot:
        _ = gettext(bot, language)
        ada = bot.api.make_user("Ada", language_code=language)
        cai = bot.api.make_user("Cai", language_code=language)
        # The bot is an admin: it reads every message, so only the rules below keep chatter
        # from being taken for answers.
        group = bot.api.make_group("Parents", admins=[ada, cai], bot_status="administrator")
        await seed_chat(bot.services, group.id, kind="group", language=language)

        listing = await bot.say(ada, "/children", chat=group)
        question = await bot.tap(ada, listing, _("🤰 Add a due date"))
        assert question.reply_markup == {
            "force_reply": True,
            "selective": True,
            "input_field_placeholder": numeric_date(example_date("due", bot.clock().date())),
        }
        assert [e.get("url") for e in question.result.get("entities", [])] == [
            f"tg://user?id={ada.id}"
        ]
        assert _("Or send /cancel.") in question.plain_text

        since = len(bot.api.sent)
        bot.api.send_text(ada, "see you all tomorrow", chat=group)  # not a reply: chatter
        bot.api.send_text(cai, "20/5/2027", chat=group)  # another admin: not theirs
        bot.api.send_text(cai, "20/5/2027", chat=group, reply_to=question)
        bot.api.send_text(ada, "/start@some_other_bot", chat=group)  # not ours: still open
        # /help from another admin leaves Ada's question open.
        await bot.say(cai, "/help", chat=group)
        listed = await bot.say(ada, "20/5/2027", chat=group, reply_to=question)
        replies = [m for m in bot.api.sent[since:] if m.method == "sendMessage"]
        assert len(replies) == 2  # /help, then the list after Ada's answer
        assert "2027" in listed.plain_text
        assert len(await children_of(bot, group.id)) == 1

        # The time question too: ForceReply to the admin who asked; their /settings ends it.
        schedule = await bot.say(cai, "/schedule", chat=group)
        ask = await bot.tap(cai, schedule, _("Other time…"))
        assert (ask.reply_markup or {}).get("force_reply") is True
        assert [e.get("url") for e in ask.result.get("entities", [])] == [f"tg://user?id={cai.id}"]
        await bot.say(cai, "/settings", chat=group)
        since = len(bot.api.sent)
        bot.api.send_text(cai, "07:15", chat=group, reply_to=ask)
        await bot.say(cai, "/help", chat=group)  # everything before it is handled
        assert [m.method for m in bot.api.sent[since:]] == ["sendMessage"]  # /help only
        profile = await bot.profile(group.id)
        assert profile is not None and profile.schedule.send_time == "10:00"

        # /cancel by the admin who was asked.
        ask = await bot.tap(cai, schedule, "data=sc:ask:time")
        reply = await bot.say(cai, "/cancel", chat=group)
        assert reply.text == _("Cancelled.")
        since = len(bot.api.sent)
        bot.api.send_text(cai, "07:15", chat=group, reply_to=ask)
        await bot.say(cai, "/help", chat=group)
        assert [m.method for m in bot.api.sent[since:]] == ["sendMessage"]
