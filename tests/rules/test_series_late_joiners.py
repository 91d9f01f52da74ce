"""A family that joins after a series' early parts can still get its later parts."""

from __future__ import annotations

from datetime import date, timedelta

from domain.content.index import TipIndex
from domain.schoolyear import SchoolYearWindow, Term
from domain.selection import ChildStage, Profile, choose_from_index, choose_next_tip
from tests.rules.factories import make_tip, months

TODAY = date(2027, 1, 4)
EIGHT_MONTHS = ChildStage(birth_date=TODAY - timedelta(days=months(8)))
SOLIDS = [
    make_tip("ready", series="solids", series_part=1, child_age=(months(5), months(7))),
    make_tip("allergens", series="solids", series_part=2, child_age=(months(6), months(7.5))),
    make_tip("choking", series="solids", series_part=3, child_age=(months(6), months(9))),
]


def family(child: ChildStage, sent: frozenset[str] = frozenset()) -> Profile:
    return Profile(topics=frozenset({"health"}), region="england", children=(child,), sent=sent)


def test_parts_the_family_has_grown_out_of_do_not_block_the_next() -> None:
    chosen = choose_next_tip(SOLIDS, family(EIGHT_MONTHS), TODAY)
    assert chosen is not None and chosen.id == "choking"
    indexed = choose_from_index(TipIndex(SOLIDS, TODAY), family(EIGHT_MONTHS))
    assert indexed is not None and indexed.id == "choking"


def test_a_part_still_ahead_keeps_the_order() -> None:
    six_and_a_half_months = ChildStage(birth_date=TODAY - timedelta(days=months(6.5)))
    assert choose_next_tip(SOLIDS, family(six_and_a_half_months), TODAY).id == "ready"  # type: ignore[union-attr]
    pregnant = ChildStage(due_date=TODAY + timedelta(weeks=10))
    assert choose_next_tip(SOLIDS, family(pregnant), TODAY) is None


def test_a_birth_date_still_ahead_leaves_a_pregnancy_until_then() -> None:
    due = TODAY + timedelta(weeks=2)
    child = ChildStage(due_date=due, birth_date=due)
    assert child.pregnancy_week(TODAY) == 38
    assert child.age_days(TODAY) is None
    assert child.pregnancy_week(due) is None
    assert child.age_days(due) == 0


# A series in the year before Reception (England: the year from 1 September 2026 for children
# born September 2022 to August 2023), parts by school year, none by age.
READY_FOR_SCHOOL = [
    make_tip("dressing", series="ready", series_part=1, school_year=SchoolYearWindow(-1, 0)),
    make_tip("toilet", series="ready", series_part=2, school_year=SchoolYearWindow(-1, 0)),
    make_tip(
        "autumn-only",
        series="ready",
        series_part=3,
        school_year=SchoolYearWindow(-1, 0, frozenset({Term.AUTUMN})),
    ),
]


def test_a_school_year_series_goes_on_while_the_child_is_in_its_school_year() -> None:
    """A part with only a school-year window isn't 'grown out of' by a child still before or
    inside that year: after part 1 comes part 2, on either path."""
    summer_born = ChildStage(birth_date=date(2023, 8, 20))  # Reception from September 2027
    after_part_1 = family(summer_born, sent=frozenset({"dressing"}))
    assert choose_next_tip(READY_FOR_SCHOOL, after_part_1, TODAY).id == "toilet"  # type: ignore[union-attr]
    indexed = choose_from_index(TipIndex(READY_FOR_SCHOOL, TODAY), after_part_1)
    assert indexed is not None and indexed.id == "toilet"
    # Born a year earlier: in Reception now, past the whole series, so nothing is due.
    in_reception = family(ChildStage(birth_date=date(2022, 8, 20)))
    assert choose_next_tip(READY_FOR_SCHOOL, in_reception, TODAY) is None


def test_a_school_year_part_whose_terms_have_passed_is_skipped() -> None:
    """In the spring term of the year before Reception the autumn-only part 3 has passed: it
    does not hold back a later part."""
    parts = [
        *READY_FOR_SCHOOL[2:],
        make_tip("later", series="ready", series_part=4, school_year=SchoolYearWindow(-1, 0)),
    ]
    child = family(ChildStage(birth_date=date(2023, 8, 20)))  # spring term on TODAY
    assert choose_next_tip(parts, child, TODAY).id == "later"  # type: ignore[union-attr]
    unborn = family(ChildStage(due_date=TODAY + timedelta(weeks=4)))
    assert choose_next_tip(parts, unborn, TODAY) is None
