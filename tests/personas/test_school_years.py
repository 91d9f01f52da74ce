"""School-year promises: getting-ready and admissions tips follow the school year, not age.

In the UK the first school year is set by the birth date and the nation's cut-off (see
`stages.school_start`), so two children a few days apart in age can start a year apart. The
library targets these tips by school year (`audience: {school_year: ...}`) and nation
deadlines, and the selection places each child in its year group (issue 15).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from domain.timeline import Step
from tests.personas.families import BY_NAME, END, FAMILIES, START, Family
from tests.personas.stages import school_start, year_before_school

# Tips about getting ready for, applying to, or choosing when to start the first school year.
SCHOOL_READINESS = frozenset(
    {
        "h-check-vaccines-before-school",
        "l-england-school-applications-open",
        "l-england-school-deadline",
        "l-england-school-offer-day",
        "l-england-starting-school-later",
        "l-ni-primary-one-applications",
        "l-ni-primary-one-deferral",
        "l-ready-for-school-dressing",
        "l-ready-for-school-name-and-turns",
        "l-ready-for-school-talk-and-visit",
        "l-ready-for-school-toilet",
        "l-scotland-p1-deferral",
        "l-scotland-p1-enrolment",
        "l-summer-before-school",
        "l-wales-school-applications",
    }
)
SCHOOL_YEAR = timedelta(days=365)
# Families with a child whose first school year starts within a year of the persona year.
SCHOOL_FAMILIES = [
    family
    for family in FAMILIES
    if any(
        child.birth_date is not None
        and school_start(child.birth_date, family.region) < END + SCHOOL_YEAR
        for child in family.children
    )
]


@pytest.mark.parametrize("family", SCHOOL_FAMILIES, ids=lambda f: f.name)
def test_school_readiness_tips_only_in_the_year_before_school(
    family: Family, years: dict[str, list[Step]]
) -> None:
    years_before = [
        year_before_school(child.birth_date, family.region)
        for child in family.children
        if child.birth_date is not None
    ]
    wrong = [
        (step.at.date(), step.tip.id)
        for step in years[family.name]
        if step.tip is not None
        and step.tip.id in SCHOOL_READINESS
        and not any(first <= step.at.date() < start for first, start in years_before)
    ]
    assert wrong == []


def test_a_summer_born_child_hears_of_the_application_deadline_before_it_passes(
    years: dict[str, list[Step]],
) -> None:
    """England: apply by 15 January for a place in Reception the following September."""
    family = BY_NAME["summer-born-england"]
    (child,) = family.children
    assert child.birth_date is not None
    start = school_start(child.birth_date, family.region)
    assert start == date(2027, 9, 1)
    deadline = date(start.year, 1, 15)
    assert deadline > START
    sent = {step.tip.id: step.at.date() for step in years[family.name] if step.tip is not None}
    assert sent["l-england-school-deadline"] <= deadline
