"""Once the due date has come, the bot asks in the family's send slot whether the baby has
arrived (and once more a week later); "born" takes the date in one tap or typed, and newborn
tips follow; "not yet" keeps the pregnancy tips; "our situation has changed" asks first. A
family that never answers gets no pregnancy-only tips from two weeks after the due date.
The clock is the harness's own: ticks at fixed times of day, nothing reads the wall clock."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from domain.buttons import parse
from domain.content.model import Tip
from domain.models import ChatStatus, ChildPrompt
from domain.selection import ASSUME_BORN_AFTER_DAYS
from scheduler.engine import DeliveryEngine
from tests.bot.harness import Harness, button_labels, delivering, running_bot, seed_chat, settle
from tests.fakebotapi._models import SentMessage

DUE = date(2026, 11, 30)  # a Monday, four days after the harness's Thursday start
NOON = 12  # ticks at noon UTC (London in winter): after the 10:00 slot, outside quiet hours


def tip_of(bot: Harness, message: SentMessage) -> Tip | None:
    """The tip a scheduled message carries (its thumbs name it), or None for other messages."""
    markup = message.reply_markup or {}
    for row in markup.get("inline_keyboard", []):
        for button in row:
            data = str(button.get("callback_data", ""))
            if data.startswith("fb:"):
                return bot.services.library.current.tips[data.split(":", 2)[2]]
    return None


def is_arrival_question(bot: Harness, message: SentMessage, language: str) -> bool:
    _ = bot.services.catalogs.for_language(language).gettext
    heading = _("<b>Has your baby arrived?</b>").removeprefix("<b>").removesuffix("</b>")
    return message.method == "sendMessage" and heading in message.plain_text


def is_question(message: SentMessage) -> bool:
    """The bot's open question: a ForceReply in a group, a Cancel button in a private chat."""
    markup = message.reply_markup or {}
    return "force_reply" in markup or message.button_data == ["qa:cancel"]


async def force_reply_after(bot: Harness, message: SentMessage) -> SentMessage:
    """The date question sent after `message` to its chat."""
    return await bot.api.wait_for(
        lambda m: m.chat_id == message.chat_id and is_question(m), since=message.index
    )


def pregnancy_only(tip: Tip) -> bool:
    return tip.pregnancy is not None and tip.child_age is None and tip.school_year is None


async def run_days(
    bot: Harness, engine: DeliveryEngine, chat_id: int, until: date, *, hour: int = NOON
) -> list[tuple[date, SentMessage]]:
    """Tick once a day at `hour` UTC up to and including `until`; what reached the chat."""
    got: list[tuple[date, SentMessage]] = []
    bot.clock.now = bot.clock.now.replace(hour=hour, minute=0)
    while bot.clock.now.date() <= until:
        seen = len(bot.api.sent)
        await engine.tick()
        await settle(engine)
        got += [(bot.clock.now.date(), m) for m in bot.api.sent[seen:] if m.chat_id == chat_id]
        bot.clock.advance(timedelta(days=1))
    return got


@pytest.mark.parametrize(("language", "typed"), [("en", None), ("pl", "29 listopada 2026")])
async def test_the_due_date_brings_the_question_and_born_brings_newborn_tips(
    migrated_url: str, language: str, typed: str | None
) -> None:
    async with running_bot(migrated_url, send_rate=200) as bot:
        _ = bot.services.catalogs.for_language(language).gettext
        t = bot.services.catalogs.for_language(language)
        mum = bot.api.make_user("Mia", language_code=language)
        await seed_chat(bot.services, mum.id, language=language, due=DUE)

        async with delivering(bot) as engine:
            before = await run_days(bot, engine, mum.id, DUE - timedelta(days=1))
            assert [m for _, m in before if is_arrival_question(bot, m, language)] == []
            assert before, "pregnancy tips come before the due date"

            on_due = await run_days(bot, engine, mum.id, DUE)
            questions = [m for _, m in on_due if is_arrival_question(bot, m, language)]
            assert len(questions) == 1, "asked once, in the Monday slot of the due date"
            question = questions[0]
            assert t.date(DUE) in question.plain_text
            assert button_labels(question) == [
                _("👶 Yes, our baby is born"),
                _("⏳ Not yet"),
                _("Our situation has changed"),
            ]

            when = await bot.tap(mum, question, _("👶 Yes, our baby is born"))
            asked = await force_reply_after(bot, when)
            assert when.method == "editMessageText"
            day_month = t.date(DUE, "d MMM")
            assert button_labels(when) == [_("📅 On the due date, %(date)s") % {"date": day_month}]
            assert asked.button_data == ["qa:cancel"]  # a private chat's question has a Cancel
            if typed is None:
                done = await bot.tap(mum, when, _("📅 On the due date"))
                born = DUE
            else:
                done = await bot.say(mum, typed, reply_to=asked)
                born = date(2026, 11, 29)
            assert _("Congratulations! 🎉 From now on the tips follow your baby's age.") in (
                done.text or ""
            )
            profile = await bot.profile(mum.id)
            assert profile is not None
            assert [(c.due_date, c.birth_date) for c in profile.children] == [(DUE, born)]
            assert profile.chat.child_prompt == ChildPrompt.NONE

            after = await run_days(bot, engine, mum.id, DUE + timedelta(days=10))
        tips = [tip for _, m in after if (tip := tip_of(bot, m)) is not None]
        assert [m for _, m in after if is_arrival_question(bot, m, language)] == []
        assert tips and [t.id for t in tips if pregnancy_only(t)] == []
        newborn = [t.id for t in tips if t.child_age is not None and t.child_age.from_days < 28]
        assert newborn, [t.id for t in tips]


@pytest.mark.parametrize("language", ["en", "ur"])
async def test_no_answer_is_asked_once_more_a_week_later_and_then_pregnancy_tips_stop(
    migrated_url: str, language: str
) -> None:
    async with running_bot(migrated_url, send_rate=200) as bot:
        _ = bot.services.catalogs.for_language(language).gettext
        mum = bot.api.make_user("Noor", language_code=language)
        await seed_chat(bot.services, mum.id, language=language, due=DUE)
        limit = DUE + timedelta(days=ASSUME_BORN_AFTER_DAYS)

        async with delivering(bot) as engine:
            got = await run_days(bot, engine, mum.id, limit + timedelta(days=12))
        asked_on = [day for day, m in got if is_arrival_question(bot, m, language)]
        assert asked_on == [DUE, DUE + timedelta(days=7)]
        overdue = [tip for day, m in got if day < limit and (tip := tip_of(bot, m)) is not None]
        late = [tip for day, m in got if day >= limit and (tip := tip_of(bot, m)) is not None]
        assert [t for t in overdue if t.pregnancy is not None], "pregnancy tips up to the limit"
        assert len(late) >= 4
        assert [t.id for t in late if pregnancy_only(t)] == []
        profile = await bot.profile(mum.id)
        assert profile is not None
        assert profile.chat.child_prompt == ChildPrompt.ARRIVAL_AGAIN


@pytest.mark.parametrize("language", ["en", "pl"])
async def test_not_yet_keeps_the_question_for_a_week_and_other_asks_before_stopping(
    migrated_url: str, language: str
) -> None:
    async with running_bot(migrated_url, send_rate=200) as bot:
        _ = bot.services.catalogs.for_language(language).gettext
        mum = bot.api.make_user("Ola", language_code=language)
        await seed_chat(bot.services, mum.id, language=language, due=DUE)
        bot.clock.now = datetime.combine(DUE, bot.clock.now.time(), bot.clock.now.tzinfo)

        async with delivering(bot) as engine:
            (first,) = [
                m
                for _, m in await run_days(bot, engine, mum.id, DUE)
                if is_arrival_question(bot, m, language)
            ]
            reply = await bot.tap(mum, first, _("⏳ Not yet"))
            assert reply.text == _(
                "Thank you for letting us know. All the best! We'll ask again in a week."
            )
            got = await run_days(bot, engine, mum.id, DUE + timedelta(days=7))
        (second,) = [m for _, m in got if is_arrival_question(bot, m, language)]

        confirm = await bot.tap(mum, second, _("Our situation has changed"))
        assert button_labels(confirm) == [_("Yes, stop them"), _("No, go back")]
        profile = await bot.profile(mum.id)
        assert profile is not None and profile.children[0].content_stopped_at is None
        stopped = await bot.tap(mum, confirm, _("Yes, stop them"))
        thanks = _(
            "Thank you for telling us. We have stopped tips about "
            "this pregnancy or child, starting now."
        )
        assert thanks in (stopped.text or "")
        profile = await bot.profile(mum.id)
        assert profile is not None and profile.children[0].content_stopped_at is not None
        assert profile.chat.child_prompt == ChildPrompt.NONE


async def test_the_question_waits_for_the_send_slot_and_never_comes_in_quiet_hours(
    migrated_url: str,
) -> None:
    async with running_bot(migrated_url, send_rate=200) as bot:
        mum = bot.api.make_user("Ann", language_code="en")
        # Quiet from 21:00 to 08:00: the 22:00 slot falls inside them, as a tip would.
        await seed_chat(bot.services, mum.id, due=DUE, send_time="22:00", days="mon,thu")
        bot.clock.now = datetime.combine(DUE, bot.clock.now.time(), bot.clock.now.tzinfo)
        async with delivering(bot) as engine:
            for hour in (9, 12, 21, 22, 23):  # before Monday's slot, then quiet hours
                got = await run_days(bot, engine, mum.id, DUE, hour=hour)
                assert [m for _, m in got if is_arrival_question(bot, m, "en")] == [], hour
                bot.clock.now -= timedelta(days=1)
            bot.clock.now += timedelta(days=1)
            got = await run_days(bot, engine, mum.id, DUE + timedelta(days=1), hour=7)
            assert [m for _, m in got if is_arrival_question(bot, m, "en")] == []
            bot.clock.now -= timedelta(days=1)
            got = await run_days(bot, engine, mum.id, DUE + timedelta(days=9), hour=8)
        asked_on = [day for day, m in got if is_arrival_question(bot, m, "en")]
        # When the quiet hours end after Monday's slot; again after the next Monday's.
        assert asked_on == [DUE + timedelta(days=1), DUE + timedelta(days=8)]


async def test_in_a_group_only_an_admin_answers_and_the_date_comes_by_force_reply(
    migrated_url: str,
) -> None:
    async with running_bot(migrated_url, send_rate=200) as bot:
        _ = bot.services.catalogs.for_language("pl").gettext
        admin = bot.api.make_user("Ada", language_code="pl")
        member = bot.api.make_user("Bo", language_code="pl")
        group = bot.api.make_group("Rodzice", admins=[admin], members=[member])
        await seed_chat(bot.services, group.id, kind="group", language="pl", due=DUE)
        bot.clock.now = datetime.combine(DUE, bot.clock.now.time(), bot.clock.now.tzinfo)
        async with delivering(bot) as engine:
            got = await run_days(bot, engine, group.id, DUE)
        (question,) = [m for _, m in got if is_arrival_question(bot, m, "pl")]

        refusal = _("Only the group's admins can change these settings.")
        since = len(bot.api.calls)
        born = next(d for d in _data(question) if parse(d) is not None and "born" in d)
        bot.api.press_button(member, question, born)
        await bot.api.wait_for_call(
            lambda c: c.method == "answerCallbackQuery" and c.params.get("text") == refusal,
            since=since,
        )
        profile = await bot.profile(group.id)
        assert profile is not None and profile.children[0].birth_date is None

        when = await bot.tap(admin, question, _("👶 Yes, our baby is born"))
        asked = await force_reply_after(bot, when)
        assert (asked.reply_markup or {}).get("force_reply") is True
        links = [e.get("url") for e in asked.result.get("entities", [])]
        assert links == [f"tg://user?id={admin.id}"]
        await bot.say(admin, "1.12.2026", chat=group, reply_to=asked)
        profile = await bot.profile(group.id)
        assert profile is not None
        assert profile.children[0].birth_date == date(2026, 12, 1)
        assert profile.chat.status == ChatStatus.ACTIVE


def _data(message: SentMessage) -> list[str]:
    markup = message.reply_markup or {}
    return [str(b["callback_data"]) for row in markup.get("inline_keyboard", []) for b in row]
