"""Life stages used for coverage reports and the catch-up of late joiners.

A tip belongs to every stage its audience window overlaps; a tip for everyone belongs to all.
Ages convert to days as the contract says: a week is 7 days, a month 30.44, a year 365.25,
rounded down, so "12 months" and "1 year" are both 365 days.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from domain.content.model import Tip

DAYS_PER_UNIT: dict[str, float] = {"week": 7, "month": 30.44, "year": 365.25}
MAX_CHILD_AGE_DAYS = 2191  # 6 years
MIN_PREGNANCY_WEEK = 4
MAX_PREGNANCY_WEEK = 43  # exclusive: week 42 is the last one


def age_in_days(amount: int, unit: str) -> int:
    """Days in `amount` weeks, months or years (`unit` singular), rounded down."""
    return math.floor(amount * DAYS_PER_UNIT[unit])


class StageKind(enum.StrEnum):
    PREGNANCY = "pregnancy"  # bounds in weeks of pregnancy
    CHILD = "child"  # bounds in days of the child's age


@dataclass(frozen=True, slots=True)
class Stage:
    """A stage, `start` inclusive and `end` exclusive, in weeks (pregnancy) or days (child)."""

    id: str
    kind: StageKind
    start: int
    end: int

    def overlaps(self, start: int, end: int) -> bool:
        return start < self.end and self.start < end


def _child(stage_id: str, start: tuple[int, str], end: tuple[int, str]) -> Stage:
    return Stage(stage_id, StageKind.CHILD, age_in_days(*start), age_in_days(*end))


STAGES: tuple[Stage, ...] = (
    Stage("pregnancy-t1", StageKind.PREGNANCY, 0, 13),
    Stage("pregnancy-t2", StageKind.PREGNANCY, 13, 27),
    Stage("pregnancy-t3", StageKind.PREGNANCY, 27, MAX_PREGNANCY_WEEK),
    _child("0-3m", (0, "month"), (3, "month")),
    _child("3-6m", (3, "month"), (6, "month")),
    _child("6-12m", (6, "month"), (12, "month")),
    _child("1-2y", (1, "year"), (2, "year")),
    _child("2-3y", (2, "year"), (3, "year")),
    _child("3-4y", (3, "year"), (4, "year")),
    _child("4-5y", (4, "year"), (5, "year")),
    _child("5-6y", (5, "year"), (6, "year")),
)


def stages_of(tip: Tip) -> tuple[Stage, ...]:
    """The stages the tip's audience overlaps, in life order; all of them for everyone."""
    if tip.pregnancy is None and tip.child_age is None:
        return STAGES
    found: list[Stage] = []
    for stage in STAGES:
        if stage.kind is StageKind.PREGNANCY and tip.pregnancy is not None:
            window: tuple[int, int] | None = (tip.pregnancy.from_week, tip.pregnancy.until_week)
        elif stage.kind is StageKind.CHILD and tip.child_age is not None:
            window = (tip.child_age.from_days, tip.child_age.until_days)
        else:
            window = None
        if window is not None and stage.overlaps(*window):
            found.append(stage)
    return tuple(found)
