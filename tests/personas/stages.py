"""Where a persona child stands on a day, and school years, worked out apart from the rules.

The suite checks the selection against these plain calculations rather than against the
selection's own helpers, so a slip in one shows up as a disagreement.
"""

from __future__ import annotations

from datetime import date

from domain.content.model import Tip
from domain.selection import ChildStage


def fits(tip: Tip, child: ChildStage, day: date) -> bool:
    """True when `child` is inside one of the tip's audience windows on `day`."""
    if child.birth_date is not None and day >= child.birth_date:
        age = (day - child.birth_date).days
        window = tip.child_age
        return window is not None and window.from_days <= age < window.until_days
    if child.due_date is not None:
        week = (280 - (child.due_date - day).days) // 7
        span = tip.pregnancy
        return span is not None and span.from_week <= week < span.until_week
    return False


def fits_family(tip: Tip, children: tuple[ChildStage, ...], day: date) -> bool:
    """Everyone's tips fit every family; others need a child inside their window (any child)."""
    if tip.pregnancy is None and tip.child_age is None:
        return True
    return any(fits(tip, child, day) for child in children)


# The first day of school by nation: cut-off (month, day) of the school year's birthdays, and
# the month school starts. A child starts in the school year after the one in which it turns 4
# (England, Wales, Northern Ireland); in Scotland children born March to February start P1
# together in August, aged 4½ to 5½.
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
