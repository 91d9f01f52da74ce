"""Slots, daylight saving, quiet hours and pauses."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.cadence import (
    Cadence,
    after_quiet_hours,
    cadence_for,
    first_send_at,
    format_hhmm,
    in_quiet_hours,
    latest_slot_at_or_before,
    local_to_utc,
    next_slot,
    parse_days,
    parse_hhmm,
)
from domain.models import Schedule
from domain.settings import load_settings

LONDON = ZoneInfo("Europe/London")


def cadence(days: str = "mon,wed,fri", at: str = "10:00", tz: str = "Europe/London") -> Cadence:
    return Cadence.from_strings(
        days=days, send_time=at, timezone=tz, quiet_start="21:00", quiet_end="08:00"
    )


def test_default_cadence_is_monday_wednesday_friday_at_ten_local() -> None:
    thursday_noon = datetime(2026, 11, 26, 12, tzinfo=UTC)
    slot = next_slot(cadence(), thursday_noon)
    assert slot == datetime(2026, 11, 27, 10, tzinfo=UTC)  # Friday, GMT
    assert next_slot(cadence(), slot) == datetime(2026, 11, 30, 10, tzinfo=UTC)  # Monday


def test_ten_o_clock_stays_ten_o_clock_across_both_dst_changes() -> None:
    c = cadence(days="mon,tue,wed,thu,fri,sat,sun")
    moment = datetime(2026, 3, 27, 12, tzinfo=UTC)
    slots = []
    for _ in range(4):
        moment = next_slot(c, moment)
        slots.append(moment)
    # 28 March GMT, 29 March the clocks go forward: 10:00 BST is 09:00 UTC.
    assert [s.astimezone(LONDON).time() for s in slots] == [time(10)] * 4
    assert slots[0] == datetime(2026, 3, 28, 10, tzinfo=UTC)
    assert slots[1] == datetime(2026, 3, 29, 9, tzinfo=UTC)
    autumn = next_slot(c, datetime(2026, 10, 24, 12, tzinfo=UTC))
    assert autumn == datetime(2026, 10, 25, 10, tzinfo=UTC)  # back on GMT


def test_times_in_the_spring_gap_move_forward_and_autumn_repeats_take_the_first() -> None:
    assert local_to_utc(date(2026, 3, 29), time(1, 30), LONDON) == datetime(
        2026, 3, 29, 1, 30, tzinfo=UTC
    )  # 02:30 BST
    assert local_to_utc(date(2026, 10, 25), time(1, 30), LONDON) == datetime(
        2026, 10, 25, 0, 30, tzinfo=UTC
    )  # first 01:30, still BST


def test_quiet_hours_push_a_night_time_send_to_the_morning() -> None:
    c = cadence()
    late = datetime(2026, 11, 26, 22, 30, tzinfo=UTC)
    early = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)
    assert in_quiet_hours(c, late) and in_quiet_hours(c, early)
    assert after_quiet_hours(c, late) == datetime(2026, 11, 27, 8, tzinfo=UTC)
    assert after_quiet_hours(c, early) == datetime(2026, 11, 27, 8, tzinfo=UTC)
    noon = datetime(2026, 11, 27, 12, tzinfo=UTC)
    assert after_quiet_hours(c, noon) == noon


def test_a_slot_chosen_inside_quiet_hours_waits_for_the_morning() -> None:
    c = cadence(at="23:00")
    when = first_send_at(c, datetime(2026, 11, 26, 12, tzinfo=UTC), None)
    assert when == datetime(2026, 11, 28, 8, tzinfo=UTC)  # Friday 23:00 -> Saturday 08:00


def test_a_pause_moves_the_first_send_past_its_end() -> None:
    c = cadence()
    now = datetime(2026, 11, 26, 12, tzinfo=UTC)
    paused_until = now + timedelta(weeks=1)
    assert first_send_at(c, now, paused_until) == datetime(2026, 12, 4, 10, tzinfo=UTC)


def test_other_time_zones_use_their_own_wall_clock() -> None:
    c = cadence(days="mon", tz="Asia/Karachi")
    slot = next_slot(c, datetime(2026, 11, 26, 12, tzinfo=UTC))
    assert slot == datetime(2026, 11, 30, 5, tzinfo=UTC)  # 10:00 PKT = UTC+5


def test_latest_missed_slot() -> None:
    c = cadence()
    assert latest_slot_at_or_before(c, datetime(2026, 11, 26, 12, tzinfo=UTC)) == datetime(
        2026, 11, 25, 10, tzinfo=UTC
    )


def test_cadence_for_reads_a_stored_schedule_in_the_chat_zone() -> None:
    schedule = Schedule(
        chat_id=1, days="fri,mon", send_time="7:05", quiet_start="22:30", quiet_end="06:00"
    )
    assert cadence_for(schedule, "Asia/Karachi") == Cadence(
        frozenset({0, 4}), time(7, 5), ZoneInfo("Asia/Karachi"), time(22, 30), time(6)
    )


@pytest.mark.parametrize("good", ["08:00", "8:00", " 23:59 ", "0:00"])
def test_parse_hhmm_reads_the_24_hour_clock(good: str) -> None:
    at = parse_hhmm(good)
    assert format_hhmm(at) == f"{int(good.split(':')[0]):02d}:{good.strip()[-2:]}"


@pytest.mark.parametrize("bad", ["24:00", "12:60", "8", "08:0", "08:00:00", "²²:²²", "٠٨:٠٠", ""])
def test_parse_hhmm_refuses_what_is_not_a_time(bad: str) -> None:
    with pytest.raises(ValueError, match="24-hour clock"):
        parse_hhmm(bad)


def test_settings_read_days_and_times_with_the_same_rules() -> None:
    settings = load_settings(
        default_days="Fri, mon,fri", default_send_time="7:30", quiet_hours_start="23:15"
    )
    assert settings.default_days == ("mon", "fri")
    assert settings.default_send_time == time(7, 30)
    assert settings.quiet_hours_start == time(23, 15)


def test_parse_days_refuses_nonsense() -> None:
    assert parse_days("Mon, FRI") == frozenset({0, 4})
    for bad in ("", "moonday", "mon,xyz"):
        try:
            parse_days(bad)
        except ValueError:
            continue
        raise AssertionError(f"{bad!r} accepted")


zones = st.sampled_from(["Europe/London", "America/New_York", "Asia/Karachi", "Europe/Kyiv"])


@given(
    start=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31)),
    days=st.frozensets(st.integers(0, 6), min_size=1),
    hour=st.integers(0, 23),
    minute=st.sampled_from([0, 15, 30, 45]),
    zone=zones,
)
def test_next_slot_is_later_on_a_chosen_day_at_the_chosen_local_time(
    start: datetime, days: frozenset[int], hour: int, minute: int, zone: str
) -> None:
    c = Cadence(days, time(hour, minute), ZoneInfo(zone), time(21), time(8))
    after = start.replace(tzinfo=UTC)
    slot = next_slot(c, after)
    local = slot.astimezone(c.timezone)
    assert slot > after
    assert slot - after <= timedelta(days=8)
    assert local.weekday() in days
    # Equal to the chosen time except in a spring gap, where it moves forward by the gap.
    chosen = datetime.combine(local.date(), time(hour, minute))
    assert timedelta(0) <= local.replace(tzinfo=None) - chosen <= timedelta(hours=1)
    send = after_quiet_hours(c, slot)
    assert not in_quiet_hours(c, send)
    assert send >= slot
