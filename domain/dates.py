"""Reading the dates parents type ("3/4/2025", "3 April 2025", "2025-04-03"), checking them, and
a child's age as parents count it.

Pure functions. Numeric dates are read day first, as in the UK. Month names are accepted in
English and in the chat's own language (from Babel's locale data), full or abbreviated, and
so is the long form Babel writes in that language ("3 квітня 2026 р.", "3 اپریل، 2026").
Eastern Arabic digits are read like ASCII ones.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Literal

from babel import Locale
from babel.dates import get_month_names

from domain.typed_input import normalize_typed

MAX_DUE_WEEKS_AHEAD = 42
MAX_CHILD_AGE_YEARS = 6
LATE_DUE_DATE_DAYS = 28  # a due date up to four weeks ago is still a pregnancy (or just born)


class DateProblem(StrEnum):
    UNREADABLE = "unreadable"
    IMPOSSIBLE = "impossible"  # e.g. 31/2/2025
    BIRTH_IN_FUTURE = "birth-in-future"
    CHILD_TOO_OLD = "child-too-old"
    DUE_TOO_FAR = "due-too-far"
    DUE_PASSED = "due-passed"


class DateInputError(ValueError):
    """A typed date was not usable; `problem` says why, for a localized message."""

    def __init__(self, problem: DateProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


def _month_lookup(locale: Locale) -> dict[str, int]:
    names: dict[str, int] = {}
    for loc in {Locale.parse("en"), locale}:
        for width in ("wide", "abbreviated"):
            for context in ("format", "stand-alone"):
                for number, name in get_month_names(width, context, loc).items():
                    names[name.lower().rstrip(".")] = int(number)
    return names


_NUMERIC = re.compile(r"^([0-9]{1,2})[/.\-]([0-9]{1,2})[/.\-]([0-9]{2}|[0-9]{4})$")
_ISO = re.compile(r"^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})$")
_WORDS = re.compile(r"^([0-9]{1,2})(?:st|nd|rd|th)?\.?\s+([^\d\s,]+)\.?,?\s+([0-9]{4})$")
_WORDS_US = re.compile(r"^([^\d\s,]+)\.?\s+([0-9]{1,2})(?:st|nd|rd|th)?,?\s+([0-9]{4})$")
# "2026 р." (Ukrainian) and "2026 r." (Polish) say "year"; Urdu writes its comma as "،".
_YEAR_WORD = re.compile(r"(?<=[0-9])\s*(?:р|r|року|roku)\.?$")


def parse_user_date(text: str, locale: Locale) -> date:
    """A date from what a parent typed; DateInputError(UNREADABLE or IMPOSSIBLE) if not."""
    cleaned = _YEAR_WORD.sub("", normalize_typed(text).replace("،", ","))
    parts: tuple[int, int, int] | None = None
    if match := _ISO.match(cleaned):
        parts = (int(match[1]), int(match[2]), int(match[3]))
    elif match := _NUMERIC.match(cleaned):
        year = int(match[3])
        parts = (year + 2000 if year < 100 else year, int(match[2]), int(match[1]))
    elif (match := _WORDS.match(cleaned)) or (match := _WORDS_US.match(cleaned)):
        day_text, month_text = (match[1], match[2]) if match.re is _WORDS else (match[2], match[1])
        month = _month_lookup(locale).get(month_text.rstrip("."))
        if month is None:
            raise DateInputError(DateProblem.UNREADABLE)
        parts = (int(match[3]), month, int(day_text))
    if parts is None:
        raise DateInputError(DateProblem.UNREADABLE)
    try:
        return date(*parts)
    except ValueError:
        raise DateInputError(DateProblem.IMPOSSIBLE) from None


def example_date(kind: str, today: date) -> date:
    """A date to show as the example in the question for `kind` ('due', 'birth', or an edit of
    either), always one the checks below accept on `today`."""
    if kind == "due":
        return today + timedelta(weeks=12)
    if kind == "birth":
        return today - timedelta(days=365)
    return today


def check_birth_date(value: date, today: date) -> date:
    if value > today:
        raise DateInputError(DateProblem.BIRTH_IN_FUTURE)
    if value < today - timedelta(days=int(MAX_CHILD_AGE_YEARS * 365.25)):
        raise DateInputError(DateProblem.CHILD_TOO_OLD)
    return value


def check_due_date(value: date, today: date) -> date:
    if value > today + timedelta(weeks=MAX_DUE_WEEKS_AHEAD):
        raise DateInputError(DateProblem.DUE_TOO_FAR)
    if value < today - timedelta(days=LATE_DUE_DATE_DAYS):
        raise DateInputError(DateProblem.DUE_PASSED)
    return value


def whole_months(birth: date, today: date) -> int:
    """Whole calendar months from `birth` to `today`, as parents count them: a month is
    complete on the same day of a later month, or on that month's last day when it is shorter
    (born 31 January: one month old on 28 February, or 29 in a leap year; born 29 February:
    a year old on 28 February). Not 30.44-day months, which fall a day short on month-days."""
    months = (today.year - birth.year) * 12 + today.month - birth.month
    last_day = calendar.monthrange(today.year, today.month)[1]
    if today.day < min(birth.day, last_day):
        months -= 1
    return max(months, 0)


def whole_years(birth: date, today: date) -> int:
    """Completed years: the birthday itself counts (born 29 February: on 28 February)."""
    return whole_months(birth, today) // 12


AgeUnit = Literal["days", "weeks", "months", "years"]


@dataclass(frozen=True, slots=True)
class Age:
    """A child's age in the unit parents would say it in: days for the first two weeks,
    weeks up to eight, months up to two years, then years."""

    count: int
    unit: AgeUnit


def age_on(birth: date, today: date) -> Age:
    days = (today - birth).days
    if days < 14:
        return Age(max(days, 0), "days")
    if days < 8 * 7:
        return Age(days // 7, "weeks")
    months = whole_months(birth, today)
    if months < 24:
        return Age(months, "months")
    return Age(months // 12, "years")
