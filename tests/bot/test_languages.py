"""Typed answers and the five languages, through the real bot: times and time zones as parents
type them, date questions whose example is always valid, /mydata, dates inside sentences and
right-to-left buttons."""

from __future__ import annotations

import unicodedata
from datetime import date, timedelta

import pytest

from tests.bot.harness import START, Harness, button_labels, running_bot, seed_chat
from tests.fakebotapi._models import FakeUser, SentMessage

LANGUAGES = ("en", "cy", "pl", "uk", "ur")


async def make_chat(bot: Harness, name: str, language: str, **seed: object) -> FakeUser:
    user = bot.api.make_user(name, language_code=language)
    await seed_chat(bot.services, user.id, language=language, **seed)  # type: ignore[arg-type]
    return user


async def ask(bot: Harness, user: FakeUser, command: str, *data: str) -> SentMessage:
    """Send `command`, then press the buttons with callback `data` one after the other."""
    message = await bot.say(user, command)
    for each in data:
        message = await bot.tap(user, message, f"data={each}")
    return message


@pytest.mark.parametrize(
    ("language", "typed", "stored", "shown"),
    [
        ("en", "7pm", "19:00", "at 19:00"),
        ("en", "7:30 PM", "19:30", "at 19:30"),
        ("pl", "19.30", "19:30", "godz. 19:30"),
        ("uk", "٧:٣٠ pm", "19:30", "о 19:30"),
        ("ur", "۷:۳۰ PM", "19:30", "7:30 PM پر"),  # the form the Urdu screen itself shows
        ("ur", "۷ بعد دوپہر", "19:00", "7:00 PM پر"),
    ],
)
async def test_a_typed_time_is_taken_as_parents_write_it(
    migrated_url: str, language: str, typed: str, stored: str, shown: str
) -> None:
    async with running_bot(migrated_url) as bot:
        kay = await make_chat(bot, "Kay", language)
        question = await ask(bot, kay, "/schedule", "sc:ask:time")
        answer = await bot.say(kay, typed, reply_to=question)
        profile = await bot.profile(kay.id)
        assert profile is not None and profile.schedule.send_time == stored
        assert shown in answer.plain_text


@pytest.mark.parametrize(
    ("language", "typed", "zone"),
    [
        ("en", "Paris", "Europe/Paris"),
        ("en", "new york", "America/New_York"),
        ("en", "Warszawa", "Europe/Warsaw"),  # a place name in another UI language
        ("cy", "Caerdydd", "Europe/London"),
        ("pl", "Warszawa", "Europe/Warsaw"),
        ("uk", "Kiev", "Europe/Kyiv"),
        ("uk", "Київ", "Europe/Kyiv"),
        ("ur", "Karachi", "Asia/Karachi"),
        ("ur", "کراچی", "Asia/Karachi"),
    ],
)
async def test_a_time_zone_can_be_a_city(
    migrated_url: str, language: str, typed: str, zone: str
) -> None:
    async with running_bot(migrated_url) as bot:
        lee = await make_chat(bot, "Lee", language, timezone="Europe/London")
        question = await ask(bot, lee, "/schedule", "sc:zone", "sc:ask:timezone")
        answer = await bot.say(lee, typed, reply_to=question)
        profile = await bot.profile(lee.id)
        assert profile is not None and profile.chat.timezone == zone
        assert f"({zone})" in answer.plain_text


async def test_an_unknown_place_is_refused_with_a_hint(migrated_url: str) -> None:
    async with running_bot(migrated_url) as bot:
        _ = bot.services.catalogs.for_language("pl").gettext
        mo = await make_chat(bot, "Mo", "pl")
        question = await ask(bot, mo, "/schedule", "sc:zone", "sc:ask:timezone")
        answer = await bot.say(mo, "Atlantyda", reply_to=question)
        assert answer.plain_text == _(
            "I don't know that place or time zone. Try a big city near you, "
            "like London, or a name like Europe/London."
        )
        assert "Warszawa" in answer.plain_text
        profile = await bot.profile(mo.id)
        assert profile is not None and profile.chat.timezone == "Europe/London"


# The due-date question's example, twelve weeks after the day it is asked, as each language
# writes it; typed back (or in Eastern Arabic digits) it is taken.
DUE_EXAMPLES = {
    date(2026, 11, 26): {
        "en": "18 February 2027",
        "cy": "18 Chwefror 2027",
        "pl": "18 lutego 2027",
        "uk": "18 лютого 2027",
        "ur": "18 فروری 2027",
    },
    date(2028, 3, 1): {
        "en": "24 May 2028",
        "cy": "24 Mai 2028",
        "pl": "24 maja 2028",
        "uk": "24 травня 2028",
        "ur": "24 مئی 2028",
    },
}


@pytest.mark.parametrize("today", sorted(DUE_EXAMPLES), ids=str)
@pytest.mark.parametrize("language", LANGUAGES)
async def test_the_due_date_question_shows_an_example_it_accepts(
    migrated_url: str, language: str, today: date
) -> None:
    async with running_bot(migrated_url) as bot:
        bot.clock.advance(today - START.date())
        _ = bot.services.catalogs.for_language(language).gettext
        nia = await make_chat(bot, "Nia", language)
        question = await ask(bot, nia, "/children", "ch:add:due:ch")
        example = DUE_EXAMPLES[today][language]
        assert question.plain_text == _(
            "When is the baby due? Send the date, for example %(example)s."
        ) % {"example": example}
        await bot.say(nia, example, reply_to=question)
        profile = await bot.profile(nia.id)
        assert profile is not None
        assert [c.due_date for c in profile.children] == [today + timedelta(weeks=12)]


async def test_an_urdu_date_in_urdu_digits_is_taken(migrated_url: str) -> None:
    async with running_bot(migrated_url) as bot:
        omar = await make_chat(bot, "Omar", "ur")
        question = await ask(bot, omar, "/children", "ch:add:due:ch")
        await bot.say(omar, "۲۰/۵/۲۰۲۷", reply_to=question)
        other = await ask(bot, omar, "/children", "ch:add:birth:ch")
        await bot.say(omar, "٣ اپریل، ٢٠٢٦", reply_to=other)
        profile = await bot.profile(omar.id)
        assert profile is not None
        assert sorted(str(c.due_date or c.birth_date) for c in profile.children) == [
            "2026-04-03",
            "2027-05-20",
        ]


# /mydata: the chat kind and status as words of the chat's language.
KIND_AND_STATUS = {
    "en": ("(private chat)", "Status: receiving tips"),
    "cy": ("(sgwrs breifat)", "Statws: yn cael awgrymiadau"),
    "pl": ("(czat prywatny)", "Status: aktywny (porady przychodzą)"),
    "uk": ("(особистий чат)", "Статус: активний (поради надходять)"),
    "ur": ("(نجی چیٹ)", "صورتحال: فعال (مشورے آ رہے ہیں)"),
}


def first_strong_direction(line: str) -> str:
    for char in line:
        if (direction := unicodedata.bidirectional(char)) in ("L", "R", "AL"):
            return "ltr" if direction == "L" else "rtl"
    return "none"


@pytest.mark.parametrize("language", LANGUAGES)
async def test_mydata_speaks_the_chats_language(migrated_url: str, language: str) -> None:
    async with running_bot(migrated_url) as bot:
        pat = await make_chat(bot, "Pat", language, born=date(2025, 5, 1))
        await bot.say(pat, "/children")
        question = await ask(bot, pat, "/children", "ch:add:due:ch")
        await bot.say(pat, "20/5/2027", reply_to=question)
        mine = await bot.say(pat, "/mydata")
        kind, status = KIND_AND_STATUS[language]
        assert f"{pat.id} {kind}" in mine.plain_text
        assert status in mine.plain_text
        lines = mine.plain_text.splitlines()
        if language != "en":
            assert "private" not in mine.plain_text and "active" not in mine.plain_text
        if language == "ur":
            assert [line for line in lines if first_strong_direction(line) == "ltr"] == []
            assert lines[0].startswith("اس چیٹ")
            children = next(line for line in lines if line.startswith("بچے:"))
            assert "؛ " in children and ";" not in children and "," not in children


PAUSED_UNTIL = {
    "en": "Tips are paused until Thursday, 3 December 2026. They start again",
    "pl": "Porady są wstrzymane do 3 grudnia 2026 (czwartek). Potem wrócą same",
    "uk": "Поради призупинено до 3 грудня 2026 р. (четвер). Потім вони",
}
NEXT_TIP = {
    "en": "Your next tip comes on Friday, 27 November 2026 at 10:00.",
    "pl": "Następna porada: 27 listopada 2026 (piątek), godz. 10:00.",
    "uk": "Наступна порада надійде 27 листопада 2026 р. (пʼятниця) о 10:00.",
}


@pytest.mark.parametrize("language", sorted(PAUSED_UNTIL))
async def test_dates_inside_sentences_take_their_languages_case(
    migrated_url: str, language: str
) -> None:
    async with running_bot(migrated_url) as bot:
        quinn = await make_chat(bot, "Quinn", language)
        paused = await ask(bot, quinn, "/pause", "pz:1w")
        assert PAUSED_UNTIL[language] in paused.plain_text
        back = await bot.say(quinn, "/resume")
        assert NEXT_TIP[language] in back.plain_text


async def test_urdu_buttons_point_the_right_to_left_way(migrated_url: str) -> None:
    async with running_bot(migrated_url) as bot:
        ruth = bot.api.make_user("Ruth", language_code="ur")
        first = await bot.say(ruth, "/start")
        assert "اگلا ⬅️" in button_labels(first)
        nation = await bot.tap(ruth, first, "اگلا")
        assert "➡️ واپس" in button_labels(nation)  # back points right in a right-to-left chat
        children = await bot.tap(ruth, nation, "✅ انگلینڈ")
        assert "چھوڑیں ⬅️" in button_labels(children)
        assert [label for label in button_labels(children) if "➡️" in label] == ["➡️ واپس"]
        zones = await ask(bot, ruth, "/schedule", "sc:zone")
        assert "➡️ واپس" in button_labels(zones)
