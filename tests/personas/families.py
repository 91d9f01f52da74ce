"""The persona families: who they are, where they live, which days they chose.

Every family starts on START (a Monday) and is followed for YEAR; nothing depends on today.
A pregnancy is written as a due date with the birth on that date: the family tells the bot
the day the baby arrives, and from then on gets tips for a newborn. Two families show the
other ways it goes: one answers the "has your baby arrived?" question nine days after the due
date, and one never tells the bot, which takes the baby as born on the due date once
ASSUME_BORN_AFTER_DAYS have passed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from domain.selection import DAYS_PER_WEEK, PREGNANCY_WEEKS, ChildStage

START = date(2027, 1, 4)
YEAR = timedelta(weeks=52)
END = START + YEAR


def pregnant(weeks: int) -> ChildStage:
    """A pregnancy `weeks` weeks along on START, born on its due date."""
    due = START + timedelta(days=(PREGNANCY_WEEKS - weeks) * DAYS_PER_WEEK)
    return ChildStage(due_date=due, birth_date=due)


def born_late(weeks: int, days_late: int) -> ChildStage:
    """A pregnancy `weeks` weeks along on START whose family says it was born `days_late`
    days after the due date."""
    due = START + timedelta(days=(PREGNANCY_WEEKS - weeks) * DAYS_PER_WEEK)
    return ChildStage(due_date=due, birth_date=due + timedelta(days=days_late))


def never_told(weeks: int) -> ChildStage:
    """A pregnancy `weeks` weeks along on START whose family never tells the bot of the birth."""
    return ChildStage(due_date=START + timedelta(days=(PREGNANCY_WEEKS - weeks) * DAYS_PER_WEEK))


def born(day: date) -> ChildStage:
    return ChildStage(birth_date=day)


@dataclass(frozen=True)
class Family:
    name: str
    children: tuple[ChildStage, ...]
    region: str = "england"
    language: str = "en"
    days: str = "mon,wed,fri"

    @property
    def per_week(self) -> int:
        return len(self.days.split(","))


FAMILIES: tuple[Family, ...] = (
    Family("pregnant-8-weeks", (pregnant(8),), days="tue,thu"),
    Family("pregnant-20-weeks", (pregnant(20),)),
    Family("pregnant-36-weeks", (pregnant(36),), region="scotland"),
    Family("answers-born-9-days-late", (born_late(34, 9),)),
    Family("never-tells-the-birth", (never_told(36),), days="tue,thu,sat"),
    Family("newborn", (born(date(2027, 1, 1)),)),
    Family("baby-8-months", (born(date(2026, 5, 4)),), region="northern-ireland"),
    Family("toddler-2-years", (born(date(2025, 1, 4)),), days="wed"),
    Family("three-england", (born(date(2024, 1, 4)),), region="england"),
    Family("three-wales", (born(date(2024, 1, 4)),), region="wales"),
    Family("three-scotland", (born(date(2024, 1, 4)),), region="scotland"),
    Family("three-northern-ireland", (born(date(2024, 1, 4)),), region="northern-ireland"),
    # 4 years 10 months on START: in Reception since September 2026.
    Family("reception-4y10m", (born(date(2022, 3, 4)),)),
    # Born in August 2023: applies by 15 January 2027, starts Reception in September 2027.
    Family("summer-born-england", (born(date(2023, 8, 20)),)),
    Family("twins", (born(date(2026, 10, 1)), born(date(2026, 10, 1))), days="mon,tue,wed,thu,fri"),
    Family("three-and-newborn", (born(date(2024, 1, 4)), born(date(2026, 12, 20)))),
    Family("welsh-speaking", (born(date(2026, 9, 1)),), region="wales", language="cy"),
    Family("polish-speaking", (pregnant(14),), language="pl"),
    Family("ukrainian-speaking", (born(date(2025, 6, 1)),), language="uk", days="tue,sat"),
    Family("urdu-speaking", (born(date(2026, 11, 15)),), language="ur"),
    Family("skipped-child-question", ()),
)

BY_NAME = {family.name: family for family in FAMILIES}
