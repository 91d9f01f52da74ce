"""A child's school year in each UK nation, worked out from the birth date and a day.

Pure date arithmetic, no clock. School years are numbered from the first year of school:
0 is Reception (England, Wales) or Primary 1 (Scotland, Northern Ireland), -1 the year before
it (nursery / pre-school year), 1 the next (Year 1 / P2). The cut-offs, with their official
sources, are in content/README.md ("School years"):

- England and Wales: one year group runs from 1 September to 31 August; a child starts
  Reception in the September after their 4th birthday. England: children born 1 April to
  31 August ("summer-born") may ask to start Reception a year later.
- Scotland: one P1 intake runs from 1 March to the end of February; P1 starts in August. A
  child still 4 on the first day of P1 may defer a year. We count children born 1 September
  to the end of February as eligible (those born in late August may be too: councils set the
  first day of term). Unless told they deferred, children are placed in their P1 cohort.
- Northern Ireland: children who are 4 on or before 1 July start P1 that September (cut-off
  2 July). Children born 1 April to 1 July may defer a year (School Age Act (NI) 2022).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date

NATIONS: tuple[str, ...] = ("england", "wales", "scotland", "northern-ireland")


class Term(enum.StrEnum):
    """Terms as month ranges, the same in every nation (terms' exact days vary by council)."""

    AUTUMN = "autumn"  # from the start of the school year to 31 December
    SPRING = "spring"  # 1 January to 31 March
    SUMMER = "summer"  # 1 April to the end of the school year, summer holidays included


ALL_TERMS: frozenset[Term] = frozenset(Term)


@dataclass(frozen=True, slots=True)
class Cutoff:
    """A nation's rule: the first birthday (month, day) of an intake, when its school year
    starts, and which birthdays may defer (inclusive (month, day) ranges)."""

    intake_starts: tuple[int, int]
    year_starts_month: int  # the school year (and its autumn term) starts on the 1st
    may_defer: tuple[tuple[int, int], tuple[int, int]] | None


CUTOFFS: dict[str, Cutoff] = {
    "england": Cutoff((9, 1), 9, ((4, 1), (8, 31))),
    "wales": Cutoff((9, 1), 9, None),
    "scotland": Cutoff((3, 1), 8, ((9, 1), (2, 29))),
    "northern-ireland": Cutoff((7, 2), 9, ((4, 1), (7, 1))),
}


@dataclass(frozen=True, slots=True)
class SchoolPlace:
    """Where a child stands on a day: the school year (0 = Reception / P1) and the term."""

    year: int
    term: Term


def first_school_year(birth: date, nation: str, *, deferred: bool = False) -> int:
    """The calendar year in which the child starts Reception / P1 (its autumn term)."""
    cutoff = CUTOFFS[nation]
    # An intake born from its first birthday in year B starts school in year B + 5; children
    # born earlier in year B belong to the intake of B - 1.
    starts = birth.year + (5 if (birth.month, birth.day) >= cutoff.intake_starts else 4)
    return starts + (1 if deferred else 0)


def may_defer(birth: date, nation: str) -> bool:
    """True when the family may choose to start Reception / P1 a year later (see the module
    docstring; in England this is the summer-born request, decided by the admission authority)."""
    window = CUTOFFS[nation].may_defer
    if window is None:
        return False
    start, end = window
    day = (birth.month, birth.day)
    if start <= end:
        return start <= day <= end
    return day >= start or day <= end  # the window runs over New Year (Scotland)


def school_year_of(day: date, nation: str) -> int:
    """The calendar year in which the school year holding `day` began."""
    return day.year if day.month >= CUTOFFS[nation].year_starts_month else day.year - 1


def term_of(day: date, nation: str) -> Term:
    if day.month >= CUTOFFS[nation].year_starts_month:
        return Term.AUTUMN
    if day.month <= 3:
        return Term.SPRING
    return Term.SUMMER


def school_place(birth: date, nation: str, day: date, *, deferred: bool = False) -> SchoolPlace:
    """The child's school year on `day` (negative before Reception / P1) and the term."""
    year = school_year_of(day, nation) - first_school_year(birth, nation, deferred=deferred)
    return SchoolPlace(year, term_of(day, nation))


def term_start(school_year: int, term: Term, nation: str) -> date:
    """The first day of `term` in the school year that began in calendar year `school_year`."""
    if term is Term.AUTUMN:
        return date(school_year, CUTOFFS[nation].year_starts_month, 1)
    return date(school_year + 1, 1 if term is Term.SPRING else 4, 1)


TERM_ORDER: tuple[Term, ...] = (Term.AUTUMN, Term.SPRING, Term.SUMMER)


def next_term_start(day: date, nation: str) -> date:
    """The first day of the term after the one holding `day`."""
    year = school_year_of(day, nation)
    index = TERM_ORDER.index(term_of(day, nation))
    if index + 1 < len(TERM_ORDER):
        return term_start(year, TERM_ORDER[index + 1], nation)
    return term_start(year + 1, Term.AUTUMN, nation)


# The names editors use for school years (see content/README.md), England's and Wales's first,
# then Scotland's and Northern Ireland's for the same year.
YEAR_NAMES: dict[str, int] = {
    "year-before-nursery": -2,
    "nursery": -1,
    "pre-school": -1,
    "reception": 0,
    "p1": 0,
    "year-1": 1,
    "p2": 1,
    "year-2": 2,
    "p3": 2,
    "year-3": 3,
    "p4": 3,
}
FIRST_YEAR = min(YEAR_NAMES.values())
LAST_YEAR = max(YEAR_NAMES.values())  # as an `until` only: the window ends before it


def year_name(year: int) -> str:
    """The first name of school year `year` ('reception' for 0)."""
    return next(name for name, number in YEAR_NAMES.items() if number == year)


@dataclass(frozen=True, slots=True)
class SchoolYearWindow:
    """School years `from_year` (inclusive) to `until_year` (exclusive), in the given terms."""

    from_year: int
    until_year: int
    terms: frozenset[Term] = ALL_TERMS

    def contains(self, place: SchoolPlace) -> bool:
        return self.from_year <= place.year < self.until_year and place.term in self.terms

    def days_left(self, birth: date, nation: str, day: date) -> int | None:
        """Days until a child born on `birth` leaves the window; None when not inside it."""
        if not self.contains(school_place(birth, nation, day)):
            return None
        moment = day
        while self.contains(school_place(birth, nation, moment)):
            moment = next_term_start(moment, nation)
        return (moment - day).days


def age_span_days(year: int, nation: str) -> tuple[int, int]:
    """The ages (days, `from` inclusive, `until` exclusive) children can have during school
    year `year` in `nation`, without deferral: for reports that compare ages and school years."""
    start = 2030  # any year: the span is the same every year, give or take a leap day
    cutoff = CUTOFFS[nation]
    oldest = date(start - 5 - year, *cutoff.intake_starts)
    youngest_intake_end = date(start - 4 - year, *cutoff.intake_starts)
    first_day = term_start(start, Term.AUTUMN, nation)
    last_day = term_start(start + 1, Term.AUTUMN, nation)
    return (first_day - youngest_intake_end).days + 1, (last_day - oldest).days
