"""Which tip a family would get on each send day: the selection rules run forward in time.

Pure: no database, no clock. Used by `tipsbot content timeline` so editors can see what a
family at a given stage receives.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.cadence import Cadence, after_quiet_hours, next_slot
from domain.content.model import Library, Tip
from domain.selection import ChildStage, Profile, choose_next_tip, needs_catch_up


@dataclass(frozen=True)
class Step:
    at: datetime
    tip: Tip | None  # None: nothing eligible that day


def timeline(
    library: Library,
    *,
    child: ChildStage | None = None,
    children: tuple[ChildStage, ...] = (),
    topics: frozenset[str],
    region: str,
    cadence: Cadence,
    start: datetime,
    until: datetime,
) -> list[Step]:
    """The family's send days from `start` up to `until`, each with the tip chosen for it.

    A family has `child`, or several `children` (twins, siblings), or none (it skipped the
    question); the children share one budget, as in the bot.
    """
    family = (child, *children) if child is not None else children
    steps: list[Step] = []
    sent: list[str] = []
    tips = list(library.tips.values())
    moment = start
    while True:
        slot = next_slot(cadence, moment)
        if slot >= until:
            return steps
        at = after_quiet_hours(cadence, slot)
        profile = Profile(
            topics=topics,
            region=region,
            children=family,
            sent=frozenset(sent),
            recent_topics=tuple(library.tips[t].primary_topic for t in sent[-12:]),
        )
        tip = choose_next_tip(tips, profile, at.date(), catch_up=needs_catch_up(len(sent)))
        if tip is not None:
            sent.append(tip.id)
        steps.append(Step(at, tip))
        moment = slot
