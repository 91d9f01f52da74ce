"""A family that joins after a series' early parts can still get its later parts."""

from __future__ import annotations

from datetime import date, timedelta

from domain.content.index import TipIndex
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
