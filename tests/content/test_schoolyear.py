"""School years from birth date, nation and day: each nation's cut-off, terms and deferral."""

from __future__ import annotations

from datetime import date

import pytest

from domain.schoolyear import (
    SchoolPlace,
    SchoolYearWindow,
    Term,
    age_span_days,
    first_school_year,
    may_defer,
    school_place,
)


@pytest.mark.parametrize(
    ("nation", "last_of_older_intake", "first_of_younger_intake"),
    [
        # England and Wales: 31 August / 1 September.
        ("england", date(2022, 8, 31), date(2022, 9, 1)),
        ("wales", date(2022, 8, 31), date(2022, 9, 1)),
        # Scotland: the end of February / 1 March (a leap year's 29th included).
        ("scotland", date(2024, 2, 29), date(2024, 3, 1)),
        # Northern Ireland: 4 on or before 1 July.
        ("northern-ireland", date(2022, 7, 1), date(2022, 7, 2)),
    ],
)
def test_the_cut_off_splits_two_intakes(
    nation: str, last_of_older_intake: date, first_of_younger_intake: date
) -> None:
    older = first_school_year(last_of_older_intake, nation)
    assert first_school_year(first_of_younger_intake, nation) == older + 1


def test_first_school_year_per_nation() -> None:
    assert first_school_year(date(2022, 8, 31), "england") == 2026  # starts at 4 years 1 day
    assert first_school_year(date(2022, 9, 1), "wales") == 2027
    assert first_school_year(date(2021, 3, 1), "scotland") == 2026  # the oldest P1s, 5½
    assert first_school_year(date(2022, 2, 28), "scotland") == 2026  # the youngest, 4½
    assert first_school_year(date(2022, 7, 1), "northern-ireland") == 2026
    assert first_school_year(date(2021, 7, 2), "northern-ireland") == 2026


def test_born_15_january_2022_is_in_reception_from_september_2026() -> None:
    birth = date(2022, 1, 15)
    assert school_place(birth, "england", date(2026, 8, 31)) == SchoolPlace(-1, Term.SUMMER)
    assert school_place(birth, "england", date(2026, 9, 1)) == SchoolPlace(0, Term.AUTUMN)
    assert school_place(birth, "england", date(2026, 12, 6)) == SchoolPlace(0, Term.AUTUMN)
    assert school_place(birth, "england", date(2027, 1, 4)) == SchoolPlace(0, Term.SPRING)
    assert school_place(birth, "england", date(2027, 4, 20)) == SchoolPlace(0, Term.SUMMER)
    assert school_place(birth, "england", date(2027, 9, 1)) == SchoolPlace(1, Term.AUTUMN)
    # Scotland's school year (and P1) starts in August; NI's in September.
    assert school_place(birth, "scotland", date(2026, 8, 1)) == SchoolPlace(0, Term.AUTUMN)
    assert school_place(birth, "scotland", date(2026, 7, 31)) == SchoolPlace(-1, Term.SUMMER)
    assert school_place(birth, "northern-ireland", date(2026, 9, 1)).year == 0


def test_summer_born_in_england_may_start_a_year_later() -> None:
    assert may_defer(date(2022, 4, 1), "england")
    assert may_defer(date(2022, 8, 31), "england")
    assert not may_defer(date(2022, 3, 31), "england")
    assert not may_defer(date(2022, 9, 1), "england")
    summer_born = date(2022, 8, 31)
    assert first_school_year(summer_born, "england", deferred=True) == 2027
    assert school_place(summer_born, "england", date(2026, 9, 1), deferred=True).year == -1


def test_scottish_deferral_eligibility_runs_from_september_to_february() -> None:
    assert may_defer(date(2021, 9, 1), "scotland")
    assert may_defer(date(2021, 12, 31), "scotland")
    assert may_defer(date(2022, 1, 1), "scotland")
    assert may_defer(date(2024, 2, 29), "scotland")
    assert not may_defer(date(2022, 3, 1), "scotland")
    assert not may_defer(date(2021, 8, 1), "scotland")
    # Eligible children are in the P1 cohort unless they defer.
    jan = date(2022, 1, 20)
    assert school_place(jan, "scotland", date(2026, 8, 20)).year == 0
    assert school_place(jan, "scotland", date(2026, 8, 20), deferred=True).year == -1


def test_northern_ireland_deferral_is_for_april_to_1_july_births() -> None:
    assert may_defer(date(2022, 4, 1), "northern-ireland")
    assert may_defer(date(2022, 7, 1), "northern-ireland")
    assert not may_defer(date(2022, 7, 2), "northern-ireland")
    assert not may_defer(date(2022, 3, 31), "northern-ireland")
    assert not may_defer(date(2022, 6, 1), "wales")


def test_a_window_with_terms_and_the_days_left_in_it() -> None:
    autumn_of_reception = SchoolYearWindow(0, 1, frozenset({Term.AUTUMN}))
    birth = date(2022, 1, 15)
    assert autumn_of_reception.contains(school_place(birth, "england", date(2026, 10, 1)))
    assert not autumn_of_reception.contains(school_place(birth, "england", date(2027, 1, 1)))
    assert autumn_of_reception.days_left(birth, "england", date(2026, 12, 1)) == 31
    assert autumn_of_reception.days_left(birth, "england", date(2026, 8, 1)) is None
    year_before = SchoolYearWindow(-1, 0)
    assert year_before.days_left(birth, "england", date(2026, 8, 1)) == 31
    assert year_before.days_left(birth, "scotland", date(2026, 7, 1)) == 31


def test_ages_in_reception() -> None:
    youngest, oldest = age_span_days(0, "england")
    assert 4 * 365 < youngest < 4 * 365 + 3  # born 31 August, starting the next day
    assert 6 * 365 - 2 < oldest <= 6 * 366
