"""What parents type: times, time zones and dates in the forms the five UI languages use."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from babel import Locale
from babel.dates import format_time
from hypothesis import given
from hypothesis import strategies as st

from domain.cadence import parse_user_time
from domain.dates import (
    DateInputError,
    check_birth_date,
    check_due_date,
    example_date,
    parse_user_date,
)
from domain.i18n import Catalogs
from domain.timezones import ZoneInputError, parse_time_zone
from domain.typed_input import normalize_typed

EN, PL, UK, UR = (Locale.parse(code) for code in ("en_GB", "pl", "uk", "ur"))
UI_LOCALES = tuple(Locale.parse(code) for code in ("en_GB", "cy", "pl", "uk", "ur"))


def test_eastern_arabic_digits_and_direction_marks_become_plain_text() -> None:
    assert normalize_typed("\u200f۷:۳۰\u00a0PM") == "7:30 pm"
    assert normalize_typed("٠١٢٣٤٥٦٧٨٩ ۰۱۲۳۴۵۶۷۸۹") == "0123456789 0123456789"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("09:30", time(9, 30)),
        ("9:30", time(9, 30)),
        ("19.30", time(19, 30)),
        ("0930", time(9, 30)),
        ("19h", time(19, 0)),
        ("19h30", time(19, 30)),
        ("7pm", time(19, 0)),
        ("7 PM", time(19, 0)),
        ("7:30 PM", time(19, 30)),
        ("7.30 p.m.", time(19, 30)),
        ("7am", time(7, 0)),
        ("12am", time(0, 0)),
        ("12pm", time(12, 0)),
        ("12:15 AM", time(0, 15)),
        ("۱۹:۳۰", time(19, 30)),  # Extended Arabic-Indic digits (Urdu keyboards)
        ("١٩:٣٠", time(19, 30)),  # Arabic-Indic digits
        ("۷:۳۰ PM", time(19, 30)),
        ("۷:۳۰ بعد دوپہر", time(19, 30)),
        ("۷ قبل دوپہر", time(7, 0)),
    ],
)
def test_typed_times_are_read(typed: str, expected: time) -> None:
    assert parse_user_time(typed, UR) == expected
    assert parse_user_time(typed, EN) == expected


@pytest.mark.parametrize("at", [time(0, 5), time(7, 0), time(12, 30), time(19, 30), time(23, 59)])
@pytest.mark.parametrize("locale", UI_LOCALES, ids=str)
def test_the_time_the_ui_shows_is_read_back(at: time, locale: Locale) -> None:
    """Whatever Babel's short time format shows (Urdu: '7:30 PM') is a time a parent may type."""
    shown = format_time(at, format="short", locale=locale)
    assert parse_user_time(shown, locale) == at


@pytest.mark.parametrize("typed", ["7", "25:00", "9:75", "13pm", "0pm", "²²:²²", "noon", ""])
def test_what_is_no_time_is_refused(typed: str) -> None:
    with pytest.raises(ValueError, match=r"time|hour"):
        parse_user_time(typed, UR)


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        ("Europe/London", "Europe/London"),
        ("europe/london", "Europe/London"),
        ("Paris", "Europe/Paris"),
        ("new york", "America/New_York"),
        ("New-York", "America/New_York"),
        ("Karachi", "Asia/Karachi"),
        ("Kyiv", "Europe/Kyiv"),
        ("Kiev", "Europe/Kyiv"),
        ("Europe/Kiev", "Europe/Kyiv"),
        ("Warszawa", "Europe/Warsaw"),
        ("Krakow", "Europe/Warsaw"),
        ("Київ", "Europe/Kyiv"),
        ("Лондон", "Europe/London"),
        ("کراچی", "Asia/Karachi"),
        ("لاہور", "Asia/Karachi"),
        ("Llundain", "Europe/London"),
        ("Caerdydd", "Europe/London"),
        ("London", "Europe/London"),  # not Europe/Belfast, which Babel also calls London
    ],
)
def test_time_zones_are_read_from_iana_names_and_places(typed: str, zone: str) -> None:
    assert parse_time_zone(typed, UI_LOCALES) == zone


def test_place_names_of_a_language_not_given_are_not_guessed() -> None:
    assert parse_time_zone("Warszawa", (PL,)) == "Europe/Warsaw"
    with pytest.raises(ZoneInputError):
        parse_time_zone("Warszawa", (UK,))  # Babel's Ukrainian calls it Варшава


@pytest.mark.parametrize("typed", ["Atlantis", "Europe/Nowhere", "", "10:00"])
def test_unknown_places_are_refused(typed: str) -> None:
    with pytest.raises(ZoneInputError):
        parse_time_zone(typed, UI_LOCALES)


@pytest.mark.parametrize(
    ("typed", "locale"),
    [
        ("٣/٤/٢٠٢٦", UR),
        ("۳/۴/۲۰۲۶", UR),
        ("۳ اپریل ۲۰۲۶", UR),
        ("3 اپریل، 2026", UR),  # Babel's long Urdu date, with the Urdu comma
        ("3 квітня 2026 р.", UK),  # Babel's long Ukrainian date
        ("3 kwietnia 2026 r.", PL),
        ("3 April 2026", EN),
    ],
)
def test_typed_dates_in_each_script_are_read(typed: str, locale: Locale) -> None:
    assert parse_user_date(typed, locale) == date(2026, 4, 3)


@pytest.mark.parametrize("language", ["en", "cy", "pl", "uk", "ur"])
@given(today=st.dates(min_value=date(2024, 1, 1), max_value=date(2040, 12, 31)))
def test_the_example_in_a_date_question_is_always_accepted(language: str, today: date) -> None:
    """The example is computed from today and written in the chat's language; typed back,
    it passes the same checks the answer must pass."""
    t = CATALOGS.for_language(language)
    due = parse_user_date(t.example_date(example_date("due", today)), t.locale)
    assert check_due_date(due, today) == due
    born = parse_user_date(t.example_date(example_date("birth", today)), t.locale)
    assert check_birth_date(born, today) == born
    edited = example_date("edit:1", today)
    assert check_due_date(edited, today) == check_birth_date(edited, today)


def test_a_date_question_example_is_not_a_fixed_date() -> None:
    today = date(2027, 6, 1)
    assert example_date("due", today) == today + timedelta(weeks=12)
    with pytest.raises(DateInputError):
        check_due_date(date(2026, 4, 3), today)  # the example the question used to show


CATALOGS = Catalogs("en")
