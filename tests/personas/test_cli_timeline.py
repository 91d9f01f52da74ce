"""`tipsbot content timeline` shows what the persona suite checks: the same rules, the same days."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli.content import content
from domain.content.loader import load_library
from domain.timeline import timeline
from tests.personas.conftest import CONTENT_DIR, cadence_of
from tests.personas.families import BY_NAME, START

# Short enough that no tip's review_by falls inside: the CLI reads the library as it is.
WEEKS = 8


def test_the_cli_timeline_of_a_due_date_goes_on_past_the_birth(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env
    for name in ("QUIET_HOURS_START", "QUIET_HOURS_END"):
        monkeypatch.delenv(name, raising=False)
    family = BY_NAME["pregnant-36-weeks"]
    (child,) = family.children
    assert child.due_date is not None
    args = ["timeline", "--due-date", f"{child.due_date}", "--region", family.region]
    args += ["--days", family.days, "--time", "10:00", "--timezone", "Europe/London"]
    args += ["--start", f"{START}", "--weeks", f"{WEEKS}", "--content-dir", str(CONTENT_DIR)]
    result = CliRunner().invoke(content, args)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()[:-1]

    cadence = cadence_of(family)
    first = datetime.combine(START, time(), cadence.timezone)
    library = load_library(CONTENT_DIR, today=START)
    steps = timeline(
        library,
        children=family.children,
        topics=frozenset(library.topics),
        region=family.region,
        cadence=cadence,
        start=first.astimezone(UTC),
        until=(first + timedelta(weeks=WEEKS)).astimezone(UTC),
    )
    assert len(lines) == len(steps) == WEEKS * family.per_week
    for line, step in zip(lines, steps, strict=True):
        assert step.tip is not None and step.tip.id in line.split()
    assert "pregnant w39" in result.output and "age 0w" in result.output
