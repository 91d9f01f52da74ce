"""The deep-link welcome asks about a child in one tap; a family that skips is asked once more
after a few tips, and never again; in a group only admins answer, the date by ForceReply."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from domain.child_prompt import (
    ASK_AGAIN_AFTER_TIPS,
    arrival_question_due,
    claim_arrival_questions,
    claim_chats_to_ask_again,
    note_asked,
)
from domain.models import (
    Chat,
    ChatStatus,
    Child,
    ChildPrompt,
    Delivery,
    DeliveryLane,
    DeliveryStatus,
)
from tests.bot.harness import (
    Harness,
    button_labels,
    delivering,
    running_bot,
    seed_chat,
    settle,
)
from tests.fakebotapi._models import SentMessage

DUE = {"en": "20 May 2027", "pl": "20 maja 2027", "ur": "20 مئی 2027"}
# The question's example: twelve weeks after the harness's today (26 November 2026).
DUE_EXAMPLE = {"en": "18 February 2027", "pl": "18 lutego 2027"}


def is_tip(message: SentMessage) -> bool:
    """A scheduled tip carries the thumbs under it."""
    markup = message.reply_markup or {}
    return any(
        str(b.get("callback_data", "")).startswith("fb:")
        for row in markup.get("inline_keyboard", [])
        for b in row
    )


def asks_once_more(bot: Harness, message: SentMessage, language: str) -> bool:
    _ = bot.services.catalogs.for_language(language).gettext
    return message.method == "sendMessage" and _("One quick question, if you like.") in (
        message.plain_text
    )


@pytest.mark.parametrize("language", ["en", "pl"])
async def test_a_deep_link_asks_expecting_and_takes_the_due_date(
    migrated_url: str, language: str
) -> None:
    async with running_bot(migrated_url) as bot:
        _ = bot.services.catalogs.for_language(language).gettext
        dana = bot.api.make_user("Dana", language_code=language)

        welcome = await bot.say(dana, "/start learning")
        question = _("<b>Are you expecting, or do you have a baby or child?</b>")
        assert question.removeprefix("<b>").removesuffix("</b>") in welcome.plain_text
        assert button_labels(welcome)[:3] == [  # then the nations (tests/bot/test_nation.py)
            _("🤰 Expecting"),
            _("👶 Have a baby or child"),
            _("Skip ➡️"),
        ]
        profile = await bot.profile(dana.id)
        assert profile is not None
        assert profile.chat.status == ChatStatus.ACTIVE  # tips flow while the question waits
        assert profile.chat.child_prompt == ChildPrompt.ASKED

        ask = await bot.tap(dana, welcome, _("🤰 Expecting"))
        assert ask.text == _("When is the baby due? Send the date, for example %(example)s.") % {
            "example": DUE_EXAMPLE[language]
        }
        assert ask.button_data == ["qa:cancel"]  # in a private chat: a Cancel, no ForceReply

        listed = await bot.say(dana, DUE[language], reply_to=ask)
        assert (
            _("<b>Your children</b> (tips follow each one's stage):")
            .replace("<b>", "")
            .replace("</b>", "")
            in listed.plain_text
        )
        profile = await bot.profile(dana.id)
        assert profile is not None
        assert [c.due_date for c in profile.children] == [date(2027, 5, 20)]
        assert profile.chat.status == ChatStatus.ACTIVE
        # The welcome's buttons are gone once answered: no second child from an old tap.
        current = bot.api.current_message(dana.id, welcome.message_id) or {}
        assert not current.get("reply_markup")


async def test_a_deep_link_into_a_chat_with_a_child_does_not_ask(migrated_url: str) -> None:
    async with running_bot(migrated_url) as bot:
        eli = bot.api.make_user("Eli", language_code="en")
        welcome = await bot.say(eli, "/start learning")
        ask = await bot.tap(eli, welcome, "Have a baby or child")
        assert ask.text == "When was your child born? Send the date, for example 26 November 2025."
        await bot.say(eli, "3/4/2025", reply_to=ask)

        again = await bot.say(eli, "/start health")
        assert "You're subscribed to" in again.plain_text
        assert "expecting" not in again.plain_text
        assert button_labels(again) == []


@pytest.mark.parametrize("language", ["en", "ur"])
async def test_a_family_that_skips_is_asked_once_more_after_a_few_tips_and_never_again(
    migrated_url: str, language: str
) -> None:
    async with running_bot(migrated_url, send_rate=200) as bot:
        _ = bot.services.catalogs.for_language(language).gettext
        fay = bot.api.make_user("Fay", language_code=language)
        welcome = await bot.say(fay, "/start welfare")  # a topic with tips for every family
        skipped = await bot.tap(fay, welcome, _("Skip ➡️"))
        assert (
            _(
                "No problem: you'll get tips for every family. "
                "You can add a due date or a birth date any time with /children."
            )
            in skipped.plain_text
        )

        # Mon/Wed/Fri at 10:00 from Thursday: twelve days hold five tips.
        order: list[str] = []
        async with delivering(bot) as engine:
            end = bot.clock.now + timedelta(days=12)
            seen = len(bot.api.sent)
            while bot.clock.now < end:
                await engine.tick()
                await settle(engine)
                for message in bot.api.sent[seen:]:
                    if message.chat_id != fay.id:
                        continue
                    if is_tip(message):
                        order.append("tip")
                    elif asks_once_more(bot, message, language):
                        order.append("asked")
                        assert button_labels(message) == [
                            _("🤰 Expecting"),
                            _("👶 Have a baby or child"),
                            _("Skip ➡️"),
                        ]
                        again = await bot.tap(fay, message, _("Skip ➡️"))
                        assert "/children" in again.plain_text
                seen = len(bot.api.sent)
                bot.clock.advance(timedelta(hours=2))

        assert order == ["tip"] * ASK_AGAIN_AFTER_TIPS + ["asked"] + ["tip"] * 2
        profile = await bot.profile(fay.id)
        assert profile is not None
        assert profile.children == ()
        assert profile.chat.child_prompt == ChildPrompt.REASKED


async def test_in_a_group_only_an_admin_answers_and_the_date_comes_by_force_reply(
    migrated_url: str,
) -> None:
    async with running_bot(migrated_url) as bot:
        _ = bot.services.catalogs.for_language("cy").gettext
        admin = bot.api.make_user("Ada", language_code="cy")
        other_admin = bot.api.make_user("Cai", language_code="cy")
        member = bot.api.make_user("Bo", language_code="cy")
        group = bot.api.make_group(
            "Rhieni", admins=[admin, other_admin], members=[member], bot_status="left"
        )
        since = len(bot.api.sent)
        bot.api.add_bot_to_group(group, by=admin)  # a startgroup link adds the bot, then /start
        await bot.api.wait_for(lambda m: m.chat_id == group.id, since=since)

        welcome = await bot.say(admin, "/start learning", chat=group)
        assert _("🤰 Expecting") in button_labels(welcome)

        refusal = _("Only the group's admins can change these settings.")
        since = len(bot.api.calls)
        bot.api.press_button(member, welcome, "ob:kid:due")
        await bot.api.wait_for_call(
            lambda c: c.method == "answerCallbackQuery" and c.params.get("text") == refusal,
            since=since,
        )
        profile = await bot.profile(group.id)
        assert profile is not None and profile.children == ()

        ask = await bot.tap(admin, welcome, _("👶 Have a baby or child"))
        assert (ask.reply_markup or {}).get("force_reply") is True
        assert (ask.reply_markup or {}).get("selective") is True
        # The admin who asked is named, so the selective reply box opens for them.
        links = [e.get("url") for e in ask.result.get("entities", [])]
        assert links == [f"tg://user?id={admin.id}"]
        assert ask.plain_text.startswith("Ada ")

        # Under privacy mode a plain message never reaches the bot; a reply to it does.
        assert bot.api.send_text(admin, "3/4/2025", chat=group) is None
        # Another admin's reply is not taken for the answer the question waits for.
        since = len(bot.api.sent)
        bot.api.send_text(other_admin, "5/6/2024", chat=group, reply_to=ask)
        listed = await bot.say(admin, "3/4/2025", chat=group, reply_to=ask)
        answers = [m for m in bot.api.sent[since:] if m.method == "sendMessage"]
        assert [m.index for m in answers] == [listed.index]
        profile = await bot.profile(group.id)
        assert profile is not None
        assert [c.birth_date for c in profile.children] == [date(2025, 4, 3)]


async def sent_tips(bot: Harness, chat_id: int, count: int) -> None:
    """`count` tips recorded as sent to the chat, as the dispatcher leaves them."""
    now = bot.clock.now
    async with bot.services.sessions() as session:
        for n in range(count):
            session.add(
                Delivery(
                    chat_id=chat_id,
                    tip_id=f"tip-{n}",
                    language="en",
                    lane=DeliveryLane.SCHEDULED.value,
                    status=DeliveryStatus.SENT.value,
                    slot_at=now,
                    planned_at=now,
                    not_before=now,
                    sent_at=now,
                )
            )
        await session.commit()


async def test_who_is_asked_once_more(migrated_url: str) -> None:
    """Only chats asked in the welcome, still without a child, active, after enough tips; and
    each of them once."""
    async with running_bot(migrated_url) as bot:
        today = bot.clock.now.date()
        chats = {
            "skipped": await seed_chat(bot.services, 501),
            "too few tips": await seed_chat(bot.services, 502),
            "has a child": await seed_chat(bot.services, 503, born=today - timedelta(days=90)),
            "stopped": await seed_chat(bot.services, 504, status=ChatStatus.STOPPED),
            "never asked": await seed_chat(bot.services, 505),
        }
        async with bot.services.sessions() as session:
            for name, chat_id in chats.items():
                chat = await session.get(Chat, chat_id)
                assert chat is not None
                if name != "never asked":
                    note_asked(chat)
            await session.commit()
        for name, chat_id in chats.items():
            await sent_tips(bot, chat_id, 2 if name == "too few tips" else ASK_AGAIN_AFTER_TIPS)

        night = bot.clock.now.replace(hour=22, minute=30)  # quiet hours in London: not now
        async with bot.services.sessions() as session:
            assert await claim_chats_to_ask_again(session, now=night, limit=10) == []
            await session.commit()
        async with bot.services.sessions() as session:
            claimed = await claim_chats_to_ask_again(session, now=bot.clock.now, limit=10)
            await session.commit()
        assert [c.id for c in claimed] == [chats["skipped"]]
        async with bot.services.sessions() as session:
            assert await claim_chats_to_ask_again(session, now=bot.clock.now, limit=10) == []
            chat = await session.get(Chat, chats["skipped"])
            assert chat is not None and chat.child_prompt == ChildPrompt.REASKED
            note_asked(chat)  # a later deep link does not open the question again
            assert chat.child_prompt == ChildPrompt.REASKED


@pytest.mark.parametrize(
    ("prompt", "today", "expected"),
    [
        (ChildPrompt.NONE, date(2026, 11, 29), None),  # before the due date
        (ChildPrompt.NONE, date(2026, 11, 30), (ChildPrompt.ARRIVAL, date(2026, 11, 30))),
        (ChildPrompt.REASKED, date(2026, 12, 3), (ChildPrompt.ARRIVAL, date(2026, 11, 30))),
        (ChildPrompt.ARRIVAL, date(2026, 12, 6), None),  # asked; the week is not over
        (ChildPrompt.ARRIVAL, date(2026, 12, 7), (ChildPrompt.ARRIVAL_AGAIN, date(2026, 12, 7))),
        (ChildPrompt.ARRIVAL_AGAIN, date(2026, 12, 9), None),  # asked twice: not again
        (ChildPrompt.NONE, date(2026, 12, 14), None),  # two weeks on: taken as born
        (ChildPrompt.ARRIVAL, date(2026, 12, 14), None),
    ],
)
def test_when_the_arrival_question_is_due(
    prompt: ChildPrompt, today: date, expected: tuple[ChildPrompt, date] | None
) -> None:
    assert arrival_question_due(prompt, date(2026, 11, 30), today) == expected


async def test_who_is_asked_whether_the_baby_has_arrived(migrated_url: str) -> None:
    """Active chats with a pregnancy due by today, in their send slot, once; twins once; not a
    born child, a stopped one, a paused chat, nor a due date over two weeks ago."""
    async with running_bot(migrated_url) as bot:
        monday = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)  # after the 10:00 slot
        bot.clock.now = monday
        due = monday.date()
        chats = {
            "due today": await seed_chat(bot.services, 601, due=due),
            "due next week": await seed_chat(bot.services, 602, due=due + timedelta(days=7)),
            "born": await seed_chat(bot.services, 603, born=due - timedelta(days=2)),
            "paused": await seed_chat(bot.services, 604, due=due, status=ChatStatus.PAUSED),
            "long overdue": await seed_chat(bot.services, 605, due=due - timedelta(days=15)),
            "twins": await seed_chat(bot.services, 606, due=due - timedelta(days=1)),
            "stopped child": await seed_chat(bot.services, 607, due=due),
            "not a send day": await seed_chat(bot.services, 608, due=due, days="tue"),
        }
        async with bot.services.sessions() as session:
            session.add(Child(chat_id=chats["twins"], due_date=due - timedelta(days=1)))
            stopped = (
                await session.exec(select(Child).where(Child.chat_id == chats["stopped child"]))
            ).one()
            stopped.content_stopped_at = monday
            await session.commit()

        morning = monday.replace(hour=9)  # before the slot
        async with bot.services.sessions() as session:
            assert await claim_arrival_questions(session, now=morning, limit=10) == []
            await session.commit()
        async with bot.services.sessions() as session:
            claimed = await claim_arrival_questions(session, now=monday, limit=10)
            await session.commit()
        assert sorted(q.child.chat_id for q in claimed) == [chats["due today"], chats["twins"]]
        async with bot.services.sessions() as session:
            assert await claim_arrival_questions(session, now=monday, limit=10) == []
            chat = await session.get(Chat, chats["twins"])
            assert chat is not None and chat.child_prompt == ChildPrompt.ARRIVAL
