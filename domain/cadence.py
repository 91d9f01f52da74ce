"""When a chat's tips are due: weekday slots at a local time, quiet hours, pauses.

Pure functions. Every datetime given or returned is aware; slots are computed in the chat's
own time zone and returned in UTC, so daylight-saving changes move the UTC instant, not the
local time the family chose. A local time that does not exist (the spring-forward gap) is
moved forward by the gap; an ambiguous one (autumn) takes its first occurrence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from babel import Locale

from domain.typed_input import normalize_typed

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Tips a week -> the weekdays they go out on (0 = Monday), as the frequency buttons offer them.
FREQUENCY_PRESETS: dict[int, frozenset[int]] = {
    1: frozenset({2}),
    2: frozenset({1, 3}),
    3: frozenset({0, 2, 4}),
    7: frozenset(range(7)),
}


_HHMM = re.compile(r"([01]?[0-9]|2[0-3]):([0-5][0-9])")


class StoredSchedule(Protocol):
    """A schedule as it is stored: a `Schedule` row, or the planner's plain row of its columns."""

    @property
    def days(self) -> str: ...
    @property
    def send_time(self) -> str: ...
    @property
    def quiet_start(self) -> str: ...
    @property
    def quiet_end(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Cadence:
    """A chat's sending rhythm, as the family chose it."""

    days: frozenset[int]  # 0 = Monday ... 6 = Sunday
    send_time: time
    timezone: ZoneInfo
    quiet_start: time
    quiet_end: time

    @classmethod
    def from_strings(
        cls, *, days: str, send_time: str, timezone: str, quiet_start: str, quiet_end: str
    ) -> Cadence:
        return cls(
            days=parse_days(days),
            send_time=parse_hhmm(send_time),
            timezone=ZoneInfo(timezone),
            quiet_start=parse_hhmm(quiet_start),
            quiet_end=parse_hhmm(quiet_end),
        )

    @property
    def per_week(self) -> int:
        return len(self.days)


def cadence_for(schedule: StoredSchedule, timezone: str) -> Cadence:
    """The one way to turn a chat's stored schedule and time zone into a `Cadence`."""
    return Cadence.from_strings(
        days=schedule.days,
        send_time=schedule.send_time,
        timezone=timezone,
        quiet_start=schedule.quiet_start,
        quiet_end=schedule.quiet_end,
    )


def parse_days(value: str) -> frozenset[int]:
    """'mon,wed,fri' -> {0, 2, 4}. Unknown names raise ValueError."""
    names = [part.strip().lower()[:3] for part in value.split(",") if part.strip()]
    unknown = [n for n in names if n not in WEEKDAYS]
    if unknown or not names:
        raise ValueError(f"not weekdays: {value!r}")
    return frozenset(WEEKDAYS.index(n) for n in names)


def format_days(days: frozenset[int]) -> str:
    return ",".join(WEEKDAYS[d] for d in sorted(days))


def parse_hhmm(value: str) -> time:
    """'08:00' or '8:00' (24-hour clock) -> time(8, 0); anything else raises ValueError."""
    match = _HHMM.fullmatch(value.strip())
    if match is None:
        raise ValueError(f"not a time like 08:00 (24-hour clock): {value!r}")
    return time(int(match.group(1)), int(match.group(2)))


# AM/PM words besides the locale's own (Babel's Urdu shows Latin "AM"/"PM"; Urdu writers also
# use "قبل دوپہر" / "بعد دوپہر" and their abbreviations).
_AM_WORDS = ("am", "a.m.", "a.m", "قبل دوپہر", "ق د", "ق۔د")
_PM_WORDS = ("pm", "p.m.", "p.m", "بعد دوپہر", "ب د", "ب۔د")
_TYPED_TIME = re.compile(r"([0-9]{1,2})(?:\s*[:.h]\s*([0-9]{2}))?\s*h?")
_TYPED_COMPACT = re.compile(r"([0-9]{1,2})([0-9]{2})")


def _period_words(locale: Locale) -> dict[str, str]:
    """'am'/'pm' for every way `locale` (and English) writes them, lower-cased."""
    words = dict.fromkeys(_AM_WORDS, "am") | dict.fromkeys(_PM_WORDS, "pm")
    for width in ("abbreviated", "wide", "narrow"):
        periods = locale.day_periods.get("format", {}).get(width, {})
        for period in ("am", "pm"):
            if period in periods and len(periods[period]) > 1:
                words[normalize_typed(periods[period])] = period
    return words


def parse_user_time(text: str, locale: Locale) -> time:
    """A time of day as parents type it: '19:30', '9.30', '0930', '19h', '7pm', '7:30 PM',
    '۷:۳۰ بعد دوپہر'. A bare hour needs am/pm or 'h'. ValueError if it is not a time."""
    typed = normalize_typed(text)
    period = None
    for word, meaning in sorted(_period_words(locale).items(), key=lambda kv: -len(kv[0])):
        if typed.endswith(word) or typed.startswith(word):
            period = meaning
            typed = typed.removesuffix(word) if typed.endswith(word) else typed[len(word) :]
            typed = typed.strip()
            break
    if (compact := _TYPED_COMPACT.fullmatch(typed)) is not None:
        hour, minute = int(compact[1]), int(compact[2])
    elif (match := _TYPED_TIME.fullmatch(typed)) is not None:
        if match[2] is None and period is None and not typed.endswith("h"):
            raise ValueError(f"a bare hour is not a time without am/pm: {text!r}")
        hour, minute = int(match[1]), int(match[2] or 0)
    else:
        raise ValueError(f"not a time of day: {text!r}")
    if period is not None:
        if not 1 <= hour <= 12:
            raise ValueError(f"not an hour of a 12-hour clock: {text!r}")
        hour = hour % 12 + (12 if period == "pm" else 0)
    if hour > 23 or minute > 59:
        raise ValueError(f"not a time of day: {text!r}")
    return time(hour, minute)


def format_hhmm(at: time) -> str:
    """time(8, 0) -> '08:00', the form schedules are stored in."""
    return f"{at.hour:02d}:{at.minute:02d}"


def local_to_utc(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of wall-clock `at` on `day` in `zone`.

    PEP 495's fold=0 does what families expect at both DST changes: a time in the spring gap
    is read with the offset before the change (so 01:30 becomes 02:30 summer time), and an
    ambiguous autumn time is its first occurrence.
    """
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def next_slot(cadence: Cadence, after: datetime) -> datetime:
    """The first slot strictly after `after` (UTC result)."""
    local_day = after.astimezone(cadence.timezone).date()
    for offset in range(8):
        day = local_day + timedelta(days=offset)
        if day.weekday() not in cadence.days:
            continue
        slot = local_to_utc(day, cadence.send_time, cadence.timezone)
        if slot > after:
            return slot
    raise AssertionError("a cadence with at least one weekday always has a slot within 8 days")


def latest_slot_at_or_before(cadence: Cadence, moment: datetime) -> datetime | None:
    """The most recent slot at or before `moment`, within the last eight days."""
    local_day = moment.astimezone(cadence.timezone).date()
    for offset in range(8):
        day = local_day - timedelta(days=offset)
        if day.weekday() not in cadence.days:
            continue
        slot = local_to_utc(day, cadence.send_time, cadence.timezone)
        if slot <= moment:
            return slot
    return None


def in_quiet_hours(cadence: Cadence, moment: datetime) -> bool:
    local = moment.astimezone(cadence.timezone).time()
    start, end = cadence.quiet_start, cadence.quiet_end
    if start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end


def after_quiet_hours(cadence: Cadence, moment: datetime) -> datetime:
    """`moment` itself when it is outside quiet hours, else the end of this quiet period."""
    if not in_quiet_hours(cadence, moment):
        return moment
    local = moment.astimezone(cadence.timezone)
    day = local.date()
    if cadence.quiet_start > cadence.quiet_end and local.time() >= cadence.quiet_start:
        day += timedelta(days=1)
    return local_to_utc(day, cadence.quiet_end, cadence.timezone)


def first_send_at(cadence: Cadence, after: datetime, paused_until: datetime | None) -> datetime:
    """When the next tip goes out: the next slot after `after` and after any pause,
    pushed out of quiet hours."""
    start = max(after, paused_until) if paused_until is not None else after
    return after_quiet_hours(cadence, next_slot(cadence, start))
