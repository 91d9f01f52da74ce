"""A child's age as parents count it: birthdays and month-days count in full, short months end
on their last day, and a newborn is counted in days."""

from __future__ import annotations

from datetime import date

import pytest

from domain.dates import Age, age_on, whole_months, whole_years


@pytest.mark.parametrize(
    ("birth", "today", "months"),
    [
        (date(2025, 12, 3), date(2026, 12, 3), 12),  # the first birthday
        (date(2025, 12, 3), date(2026, 12, 2), 11),  # the day before
        (date(2025, 2, 3), date(2026, 12, 3), 22),  # a month-day
        (date(2025, 2, 3), date(2026, 12, 2), 21),
        (date(2026, 1, 31), date(2026, 2, 28), 1),  # a short month ends on its last day
        (date(2026, 1, 31), date(2026, 2, 27), 0),
        (date(2027, 1, 31), date(2028, 2, 29), 13),  # leap February: the 29th
        (date(2027, 1, 31), date(2028, 2, 28), 12),
        (date(2026, 1, 31), date(2026, 3, 30), 1),  # March has a 31st: not there yet
        (date(2026, 1, 31), date(2026, 3, 31), 2),
        (date(2026, 3, 31), date(2026, 4, 30), 1),
        (date(2026, 5, 15), date(2026, 5, 15), 0),
        (date(2026, 5, 15), date(2026, 5, 14), 0),  # never negative
    ],
)
def test_whole_months_count_the_month_day_in_full(birth: date, today: date, months: int) -> None:
    assert whole_months(birth, today) == months


@pytest.mark.parametrize(
    ("birth", "today", "years"),
    [
        (date(2024, 2, 29), date(2025, 2, 28), 1),  # a leap-day child's birthday in other years
        (date(2024, 2, 29), date(2025, 2, 27), 0),
        (date(2024, 2, 29), date(2028, 2, 28), 3),  # in a leap year the 29th comes
        (date(2024, 2, 29), date(2028, 2, 29), 4),
        (date(2022, 3, 4), date(2026, 3, 4), 4),
        (date(2022, 3, 4), date(2026, 3, 3), 3),
    ],
)
def test_whole_years_count_the_birthday(birth: date, today: date, years: int) -> None:
    assert whole_years(birth, today) == years


@pytest.mark.parametrize(
    ("birth", "today", "age"),
    [
        (date(2026, 12, 3), date(2026, 12, 3), Age(0, "days")),  # born today, not "0 weeks"
        (date(2026, 12, 1), date(2026, 12, 3), Age(2, "days")),
        (date(2026, 11, 20), date(2026, 12, 3), Age(13, "days")),
        (date(2026, 11, 19), date(2026, 12, 3), Age(2, "weeks")),
        (date(2026, 10, 9), date(2026, 12, 3), Age(7, "weeks")),
        (date(2026, 10, 8), date(2026, 12, 3), Age(1, "months")),  # 8 weeks
        (date(2025, 12, 3), date(2026, 12, 3), Age(12, "months")),
        (date(2025, 2, 3), date(2026, 12, 3), Age(22, "months")),
        (date(2024, 12, 3), date(2026, 12, 3), Age(2, "years")),  # the second birthday
        (date(2024, 12, 4), date(2026, 12, 3), Age(23, "months")),
    ],
)
def test_the_age_is_said_in_days_weeks_months_then_years(
    birth: date, today: date, age: Age
) -> None:
    assert age_on(birth, today) == age
