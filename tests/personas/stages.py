"""Where a persona child stands on a day, and school years, worked out apart from the rules.

The suite checks the selection against these plain calculations rather than against the
selection's own helpers, so a slip in one shows up as a disagreement. School years follow the
definitions in content/README.md ("School years" and "deadlines"), written out again here.
"""

from __future__ import annotations

from datetime import date, timedelta

from domain.content.model import Tip
from domain.selection import ChildStage

# content/README.md ("When the due date passes"): a family that has not told the bot of the
# birth two weeks after the due date gets tips as for a baby born on the due date.
PRESUMED_BORN_AFTER = timedelta(days=14)

# By nation: the first birthday (month, day) of a school intake, and the month the school
# year starts (on the 1st). A child starts Reception / P1 in the school year after the one in
# which it turns 4 (England, Wales: born 1 Sep to 31 Aug; Northern Ireland: 2 July to 1 July);
# in Scotland children born March to February start P1 together in August, aged 4½ to 5½.
# Nobody is assumed to defer: the bot doesn't know who did.
_CUT_OFF = {
    "england": ((9, 1), 9),
    "wales": ((9, 1), 9),
    "northern-ireland": ((7, 2), 9),
    "scotland": ((3, 1), 8),
}


def school_start(birth: date, region: str) -> date:
    """The first September (August in Scotland) of Reception / Primary 1, without deferral."""
    (month, day), start_month = _CUT_OFF[region]
    before_cut_off = (birth.month, birth.day) < (month, day)
    return date(birth.year + (4 if before_cut_off else 5), start_month, 1)


def year_before_school(birth: date, region: str) -> tuple[date, date]:
    """The nursery / pre-school year: from its first day (inclusive) to school's (exclusive).

    A calendar year back from the first day of school, not 365 days: a school year with a
    29 February in it is 366 days long."""
    start = school_start(birth, region)
    return start.replace(year=start.year - 1), start


def school_year_began(day: date, region: str) -> int:
    """The calendar year in which the school year holding `day` began."""
    start_month = _CUT_OFF[region][1]
    return day.year if day.month >= start_month else day.year - 1


def school_place(birth: date, region: str, day: date) -> tuple[int, str]:
    """The child's school year on `day` (0 = Reception / P1, -1 the year before) and term.

    Terms as content/README.md has them: autumn from the school year's first day to
    31 December, spring January to March, summer April to the end of the school year."""
    number = school_year_began(day, region) - school_start(birth, region).year
    if day.month >= _CUT_OFF[region][1]:
        return number, "autumn"
    return number, "spring" if day.month <= 3 else "summer"


def in_school_year_window(tip: Tip, birth: date, region: str, day: date) -> bool:
    """The child is inside the tip's `school_year` window (UK nations only)."""
    window = tip.school_year
    if window is None or region not in _CUT_OFF:
        return False
    number, term = school_place(birth, region, day)
    return window.from_year <= number < window.until_year and term in window.terms


def fits(tip: Tip, child: ChildStage, day: date, region: str) -> bool:
    """True when `child` is inside one of the tip's audience windows on `day` (any of them:
    age, pregnancy week before the birth, school year in `region` once born)."""
    birth = child.birth_date
    if birth is None and child.due_date is not None and day >= child.due_date + PRESUMED_BORN_AFTER:
        birth = child.due_date
    if birth is not None and day >= birth:
        age = (day - birth).days
        window = tip.child_age
        in_age = window is not None and window.from_days <= age < window.until_days
        return in_age or in_school_year_window(tip, birth, region, day)
    if child.due_date is not None:
        week = (280 - (child.due_date - day).days) // 7
        span = tip.pregnancy
        return span is not None and span.from_week <= week < span.until_week
    return False


def fits_family(tip: Tip, children: tuple[ChildStage, ...], day: date, region: str) -> bool:
    """Everyone's tips fit every family; others need a child inside their window (any child)."""
    if tip.pregnancy is None and tip.child_age is None and tip.school_year is None:
        return True
    return any(fits(tip, child, day, region) for child in children)


def open_in(tip: Tip, region: str, day: date) -> bool:
    """The tip is for `region` on `day`: listed in its regions and, when it has a deadline
    there, inside that deadline's round (from the first day of the school year holding the
    deadline, to the deadline itself)."""
    if region not in tip.regions:
        return False
    deadline = tip.deadlines.get(region)
    if deadline is None:
        return True
    opens = date(school_year_began(deadline, region), _CUT_OFF[region][1], 1)
    return opens <= day <= deadline
