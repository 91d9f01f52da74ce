"""The library and the families' year of tips, computed once for the whole suite."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest

from domain.cadence import Cadence
from domain.content.loader import load_library
from domain.content.model import Library, Tip
from domain.timeline import Step, timeline
from tests.personas.families import END, FAMILIES, START, Family
from tests.personas.near_duplicates import near_duplicate_pairs

CONTENT_DIR = Path(__file__).resolve().parents[2] / "content"
# Reviews are assumed renewed on time: a tip past its review_by stops being sent, which
# `content check` reports; the persona year tests who gets what, not the editors' diary.
RENEWED = date(2099, 12, 31)


def _renewed(library: Library) -> Library:
    tips = {
        tip_id: dataclasses.replace(
            tip,
            review_by=RENEWED,
            texts={
                lang: dataclasses.replace(text, review_by=text.review_by and RENEWED)
                for lang, text in tip.texts.items()
            },
        )
        for tip_id, tip in library.tips.items()
    }
    return dataclasses.replace(library, tips=tips)


@pytest.fixture(scope="session")
def library() -> Library:
    loaded = load_library(CONTENT_DIR, today=START)
    assert not loaded.errors, loaded.errors
    return _renewed(loaded)


def cadence_of(family: Family) -> Cadence:
    return Cadence.from_strings(
        days=family.days,
        send_time="10:00",
        timezone="Europe/London",
        quiet_start="21:00",
        quiet_end="08:00",
    )


def year_of(library: Library, family: Family) -> list[Step]:
    """The family's 52 weeks, through the same `timeline` as `tipsbot content timeline`."""
    cadence = cadence_of(family)
    return timeline(
        library,
        children=family.children,
        topics=frozenset(library.topics),
        region=family.region,
        cadence=cadence,
        start=datetime.combine(START, time(), cadence.timezone).astimezone(UTC),
        until=datetime.combine(END, time(), cadence.timezone).astimezone(UTC),
    )


@pytest.fixture(scope="session")
def years(library: Library) -> dict[str, list[Step]]:
    return {family.name: year_of(library, family) for family in FAMILIES}


@pytest.fixture(scope="session")
def near_duplicates(library: Library) -> list[tuple[Tip, Tip]]:
    return near_duplicate_pairs(library.tips.values())
