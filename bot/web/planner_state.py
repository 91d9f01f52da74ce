"""Whether the planner is on time, from its lease's last heartbeat: one rule for the Health page
and /healthz."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

# A tick recorded this far ahead of our clock is a skewed clock or a CLI run with a future
# --at, not a tick that happened: never "on time".
AHEAD_TOLERANCE_SECONDS = 10.0
LATE_AFTER_INTERVALS = 3
MIN_LATE_AFTER_SECONDS = 120.0


class Verdict(StrEnum):
    ON_TIME = "on-time"
    LATE = "late"
    AHEAD = "ahead"
    NEVER = "never"


@dataclass(frozen=True)
class PlannerState:
    verdict: Verdict
    age_seconds: float | None  # negative when the tick is ahead of now
    late_after_seconds: float

    @property
    def ok(self) -> bool:
        return self.verdict is Verdict.ON_TIME


def late_after(interval_seconds: float) -> float:
    return max(LATE_AFTER_INTERVALS * interval_seconds, MIN_LATE_AFTER_SECONDS)


def planner_state(
    last_tick: datetime | None, *, now: datetime, interval_seconds: float
) -> PlannerState:
    limit = late_after(interval_seconds)
    if last_tick is None:
        return PlannerState(Verdict.NEVER, None, limit)
    age = (now - last_tick).total_seconds()
    if age < -AHEAD_TOLERANCE_SECONDS:
        return PlannerState(Verdict.AHEAD, age, limit)
    if age > limit:
        return PlannerState(Verdict.LATE, age, limit)
    return PlannerState(Verdict.ON_TIME, max(age, 0.0), limit)
