"""Dates inside sentences, lists, Urdu punctuation and direction, decimal commas: per language."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

import pytest
from babel.dates import get_day_names
from babel.messages.pofile import read_po

from domain.content.wording import decimal_point_numbers
from domain.i18n import LOCALES_DIR, Catalogs

CATALOGS = Catalogs("en")
THURSDAY = date(2026, 12, 3)


def _(language: str, message: str) -> str:
    return CATALOGS.for_language(language).gettext(message)


PAUSED = (
    "Tips are paused until %(date)s. They start again by themselves; /resume brings them "
    "back sooner."
)
NEXT = "Your next tip comes on %(date)s at %(time)s."


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Tips are paused until Thursday, 3 December 2026. They start again"),
        ("cy", "wedi'u hoedi tan y dyddiad hwn: Dydd Iau, 3 Rhagfyr 2026. Byddan"),
        ("pl", "Porady są wstrzymane do 3 grudnia 2026 (czwartek). Potem"),
        ("uk", "Поради призупинено до 3 грудня 2026 р. (четвер). Потім"),
        ("ur", "مشورے جمعرات، 3 دسمبر، 2026 تک رکے ہوئے ہیں۔"),
    ],
)
def test_the_pause_sentence_puts_the_date_in_the_case_its_language_needs(
    language: str, expected: str
) -> None:
    t = CATALOGS.for_language(language)
    sentence = t.gettext(PAUSED) % {"date": t.sentence_date(THURSDAY)}
    assert expected in sentence
    assert ".." not in sentence


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Your next tip comes on Thursday, 3 December 2026 at 10:00."),
        ("cy", "Eich awgrym nesaf: Dydd Iau, 3 Rhagfyr 2026 am 10:00."),
        ("pl", "Następna porada: 3 grudnia 2026 (czwartek), godz. 10:00."),
        ("uk", "Наступна порада надійде 3 грудня 2026 р. (четвер) о 10:00."),
        ("ur", "آپ کا اگلا مشورہ جمعرات، 3 دسمبر، 2026 کو 10:00 AM پر آئے گا۔"),
    ],
)
def test_the_next_tip_sentence_reads_naturally(language: str, expected: str) -> None:
    t = CATALOGS.for_language(language)
    time_text = "10:00 AM" if language == "ur" else "10:00"
    assert t.gettext(NEXT) % {"date": t.sentence_date(THURSDAY), "time": time_text} == expected


@pytest.mark.parametrize(
    ("language", "three", "two"),
    [
        ("en", "Mon, Wed and Fri", "Mon and Thu"),
        ("cy", "Llun, Mer, a Gwen", "Llun ac Iau"),
        ("pl", "pon., śr. i pt.", "pon. i czw."),
        ("uk", "пн, ср і пт", "пн і чт"),
        ("ur", "پیر، بدھ، اور جمعہ", "پیر اور جمعرات"),
    ],
)
def test_lists_use_each_languages_separators(language: str, three: str, two: str) -> None:
    t = CATALOGS.for_language(language)
    names = dict(enumerate(_day_names(language)))
    assert t.join([names[0], names[2], names[4]]) == three
    assert t.join([names[0], names[3]]) == two


def _day_names(language: str) -> list[str]:
    names = get_day_names("abbreviated", locale=CATALOGS.for_language(language).locale)
    return [names[d] for d in range(7)]


def test_lists_without_a_conjunction_and_clauses_use_urdu_punctuation_in_urdu() -> None:
    ur, en = CATALOGS.for_language("ur"), CATALOGS.for_language("en")
    assert ur.join(["صحت", "کھیل"], conjunction=False) == "صحت، کھیل"
    assert en.join(["Health", "Money and support"], conjunction=False) == (
        "Health, Money and support"
    )
    assert ur.join_clauses(["الف، ب", "ج"]) == "الف، ب؛ ج"
    assert en.join_clauses(["a, b", "c"]) == "a, b; c"


def _urdu_messages() -> list[tuple[str, str]]:
    with (LOCALES_DIR / "ur" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh)
    pairs = []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        pairs += [(str(ids[0]), str(text)) for text in strings]
    return pairs


_PLACEHOLDER_OR_TAG = re.compile(r"%\(\w+\)[sd]|<[^>]+>")


def _first_strong_direction(line: str) -> str | None:
    for char in _PLACEHOLDER_OR_TAG.sub("", line):
        direction = unicodedata.bidirectional(char)
        if direction in ("L", "R", "AL"):
            return "ltr" if direction == "L" else "rtl"
    return None


def test_urdu_lines_start_right_to_left() -> None:
    """Telegram lays a line out by its first strong letter: a line that opens with Latin text
    ("tipsbot", "/start") would run left to right."""
    wrong = [
        text
        for _id, text in _urdu_messages()
        for line in text.splitlines()
        if _first_strong_direction(line) == "ltr"
    ]
    assert wrong == []


def test_urdu_uses_urdu_commas_and_semicolons() -> None:
    wrong = [text for _id, text in _urdu_messages() if re.search(r"[,;]", text)]
    assert wrong == []


_ARROWS = {"⬅️": "➡️", "➡️": "⬅️", "↩️": "↪️", "↪️": "↩️"}


def test_urdu_arrows_point_the_way_right_to_left_reading_goes() -> None:
    """ "Next" points left and "Back" right in a right-to-left language: every arrow of an
    English label is mirrored in its Urdu translation."""
    mirrored = [
        (msgid, text)
        for msgid, text in _urdu_messages()
        for arrow, mirror in _ARROWS.items()
        if arrow in msgid and mirror not in text
    ]
    assert mirrored == []
    assert _("ur", "Next ➡️") == "اگلا ⬅️"
    assert _("ur", "⬅️ Back") == "➡️ واپس"


@pytest.mark.parametrize(
    ("language", "text", "found"),
    [
        ("pl", "12.5 godziny tygodniowo", ["12.5"]),
        ("uk", "£27.05 на тиждень", ["27.05"]),
        ("pl", "12,5 godziny, o 19.30, dnia 3.04.2026", []),
        ("cy", "12.5 awr yr wythnos", []),  # Welsh writes a decimal point
        ("ur", "12.5 گھنٹے", []),
    ],
)
def test_decimal_points_are_found_where_the_language_writes_a_comma(
    language: str, text: str, found: list[str]
) -> None:
    assert decimal_point_numbers(text, language) == found
