"""When a chat's tips are due: weekday slots at a local time, quiet hours, pauses.

Pure functions. Every datetime given or returned is aware; slots are computed in the chat's
own time zone and returned in UTC, so daylight-saving changes move the UTC instant, not the
local time the family chose. A local time that does not exist (the spring-forward gap) is
moved forward by the gap; an ambiguous one (autumn) takes its first occurrence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
FREQUENCY_PRESETS: dict[int, tuple[str, ...]] = {
    1: ("wed",),
    2: ("tue", "thu"),
    3: ("mon", "wed", "fri"),
    7: WEEKDAYS,
}


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
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


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
