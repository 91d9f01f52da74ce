"""When a planned tip may go out: the one rule shared by the planner and broadcasts."""

from __future__ import annotations

from datetime import datetime

from domain.cadence import Cadence, after_quiet_hours
from domain.content.model import Tip


def breaks_quiet_hours(tip: Tip) -> bool:
    """Only an urgent tip marked `ignore_quiet_hours` may go out during a chat's quiet hours
    (docs/content-format.md: the flag is only for urgent tips)."""
    return tip.urgent and tip.ignore_quiet_hours


def earliest_send(tip: Tip, cadence: Cadence, moment: datetime) -> datetime:
    """The earliest time `tip`, due at `moment`, may be sent to a chat with `cadence`."""
    return moment if breaks_quiet_hours(tip) else after_quiet_hours(cadence, moment)
