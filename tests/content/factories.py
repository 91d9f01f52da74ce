"""Small builders of content objects and files for the content tests."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import Any

from domain.content.model import (
    ALL_MONTHS,
    REGIONS,
    ReviewStatus,
    Source,
    Tip,
    TipText,
    Topic,
)

TEST_LIBRARY = Path(__file__).parent / "library"


def make_topic(**changes: Any) -> Topic:
    topic = Topic(
        id="health",
        emoji="🩺",
        order=1,
        sources_required=True,
        names=MappingProxyType({"en": "Health", "cy": "Iechyd"}),
        descriptions=MappingProxyType({"en": "Staying well.", "cy": "Cadw'n iach."}),
    )
    return replace(topic, **changes)


def make_text(body: str = "Drink water.", **changes: Any) -> TipText:
    text = TipText(
        language="en",
        title="Stay hydrated",
        body_markdown=body,
        review_status=ReviewStatus.REVIEWED,
        path=Path("tips/health/water.md"),
        line=10,
        sources=(Source("NHS", "https://www.nhs.uk/"),),
    )
    return replace(text, **changes)


def make_tip(body: str = "Drink water.", *texts: TipText, **changes: Any) -> Tip:
    master = make_text(body)
    tip = Tip(
        id="water",
        title=master.title,
        topics=("health",),
        pregnancy=None,
        child_age=None,
        regions=frozenset(REGIONS),
        date_from=None,
        date_until=None,
        months=ALL_MONTHS,
        series=None,
        series_part=None,
        priority=3,
        urgent=False,
        ignore_quiet_hours=False,
        essential=False,
        sources=master.sources,
        reviewed=date(2026, 1, 1),
        review_by=date(2027, 1, 1),
        link_preview=False,
        image=None,
        language="en",
        texts=MappingProxyType({"en": master, **{t.language: t for t in texts}}),
        path=master.path,
    )
    return replace(tip, **changes)


def copy_library(target: Path) -> Path:
    """A fresh copy of the small valid test library under `target`."""
    shutil.copytree(TEST_LIBRARY, target, dirs_exist_ok=True)
    return target


def tip_file(
    tip_id: str,
    *,
    topics: str = "[health]",
    extra: str = "",
    body: str = "Drink water.\n",
    title: str = "A tip",
) -> str:
    """The text of a valid master file, with `extra` front matter lines."""
    return (
        f"---\nid: {tip_id}\ntitle: {title}\ntopics: {topics}\n{extra}"
        "sources:\n  - title: NHS\n    url: https://www.nhs.uk/\n"
        "reviewed: 2026-01-10\nreview_by: 2027-01-10\n---\n"
        f"{body}"
    )
