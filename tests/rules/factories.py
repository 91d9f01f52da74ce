"""Build domain objects for rule tests without files."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from domain.content.model import (
    ALL_MONTHS,
    REGIONS,
    AgeWindow,
    PregnancyWindow,
    ReviewStatus,
    SeriesRole,
    Source,
    Tip,
    TipText,
    week_part,
)

MONTH = 30.44
YEAR = 365.25


def months(n: float) -> int:
    return int(n * MONTH)


def years(n: float) -> int:
    return int(n * YEAR)


def make_tip(tip_id: str, **overrides: Any) -> Tip:
    path = Path(f"content/tips/{overrides.get('topics', ('health',))[0]}/{tip_id}.md")
    text = TipText(
        language="en",
        title=f"Title of {tip_id}",
        body_markdown=f"Body of {tip_id}.",
        review_status=ReviewStatus.REVIEWED,
        path=path,
        line=10,
        sources=(Source("NHS", "https://www.nhs.uk/"),),
    )
    fields: dict[str, Any] = {
        "id": tip_id,
        "title": text.title,
        "topics": ("health",),
        "pregnancy": None,
        "child_age": None,
        "regions": frozenset(REGIONS),
        "date_from": None,
        "date_until": None,
        "months": ALL_MONTHS,
        "series": None,
        "series_part": None,
        "priority": 3,
        "urgent": False,
        "ignore_quiet_hours": False,
        "essential": False,
        "sources": text.sources,
        "reviewed": date(2026, 1, 1),
        "review_by": date(2030, 1, 1),
        "link_preview": False,
        "image": None,
        "language": "en",
        "texts": {"en": text},
        "path": path,
    }
    fields.update(overrides)
    if isinstance(fields["child_age"], tuple):
        fields["child_age"] = AgeWindow(*fields["child_age"])
    if isinstance(fields["pregnancy"], tuple):
        fields["pregnancy"] = PregnancyWindow(*fields["pregnancy"])
    return Tip(**fields)


def week_tip(tip_id: str, series: str, week: int, role: SeriesRole, **overrides: Any) -> Tip:
    """A tip of a series written as weeks, as the loader reads `series: {name, week, role}`."""
    return make_tip(
        tip_id,
        series=series,
        series_part=week_part(week, role),
        series_week=week,
        series_role=role,
        asks_tried=role is SeriesRole.FOLLOW_UP,
        **overrides,
    )
