"""For e2e tests whose `tipsbot run` process reads the real clock (it has no clock to inject):
seed data so that the hour and the date the test runs at do not change what is sent.

- No quiet hours, so a broadcast goes out now at any hour.
- One send day three days from today, so no scheduled tip falls due during the test.
- A copy of the shipped content with review dates around today, so no tip is past its
  review date (and withheld) whenever the test runs.
"""

from __future__ import annotations

import re
import shutil
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.bot.harness import REPO

NO_QUIET_HOURS = ("00:00", "00:00")
LONDON = ZoneInfo("Europe/London")

_REVIEWED = re.compile(r"^reviewed: .*$", re.MULTILINE)
_REVIEW_BY = re.compile(r"^review_by: .*$", re.MULTILINE)


def send_day_far_from(now: datetime) -> str:
    """A weekday name ('thu') three days after `now` in London: the chat's only send day."""
    return (now.astimezone(LONDON) + timedelta(days=3)).strftime("%a").lower()


def content_reviewed_on(today: date, into: Path) -> Path:
    """Copy content/ to `into`, every tip reviewed a month before `today` and due for review
    a year after; returns the copy's folder."""
    shutil.copytree(REPO / "content", into)
    reviewed = f"reviewed: {today - timedelta(days=30)}"
    review_by = f"review_by: {today + timedelta(days=365)}"
    for path in (into / "tips").rglob("*.md"):
        text = path.read_text(encoding="utf-8")
        text = _REVIEW_BY.sub(review_by, _REVIEWED.sub(reviewed, text))
        path.write_text(text, encoding="utf-8")
    return into
