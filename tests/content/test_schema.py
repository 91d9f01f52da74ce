"""content/tip.schema.json and the loader agree: one list of examples, checked both ways.

The schema may be laxer than the loader (rules across fields, files or the calendar are the
loader's alone) but never stricter: an editor's tool must not flag a file the loader accepts.
"""

from __future__ import annotations

import copy
import hashlib
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator, FormatChecker

from domain.content.errors import Problem, Severity
from domain.content.schema import build_tip_schema
from domain.content.tipfile import LoadContext, TipFileName, parse_master, parse_translation
from domain.content.topics import load_topics
from tests.content.factories import TEST_LIBRARY

MASTER: dict[str, Any] = {
    "id": "water",
    "title": "Drink enough water",
    "topics": ["health"],
    "sources": [{"title": "NHS", "url": "https://www.nhs.uk/"}],
    "reviewed": "2026-01-10",
    "review_by": "2027-01-10",
}
TRANSLATION: dict[str, Any] = {"id": "water", "language": "cy", "title": "Yfwch ddŵr"}
DELETE = object()
FOLDER = "(folder)"  # not a field: the topic folder the file is put in, when not the first topic

# (name, "master" | "translation", changes, verdict): verdict is "valid", "invalid" (both
# refuse) or "loader-only" (the schema cannot see the rule; the loader refuses).
EXAMPLES: list[tuple[str, str, dict[str, Any], str]] = [
    ("minimal master", "master", {}, "valid"),
    (
        "every field",
        "master",
        {
            "topics": ["health", "learning"],
            "audience": {
                "pregnancy_weeks": {"from": 4, "until": 43},
                "child_age": {"from": "0 weeks", "until": "6 years"},
            },
            "regions": ["england", "wales", "scotland", "northern-ireland"],
            "dates": {"from": "2026-01-01", "until": "2026-12-31"},
            "season": [1, 12],
            "series": {"name": "first-weeks", "part": 2},
            "priority": 5,
            "urgent": True,
            "ignore_quiet_hours": True,
            "essential": True,
            "language": "en",
            "link_preview": True,
            "image": "images/star.png",
        },
        "valid",
    ),
    ("learning needs no sources", "master", {"topics": ["learning"], "sources": DELETE}, "valid"),
    ("open-ended windows", "master", {"audience": {"child_age": {"from": "1 year"}}}, "valid"),
    ("singular units", "master", {"audience": {"child_age": {"until": "1 month"}}}, "valid"),
    ("dates with one end", "master", {"dates": {"until": "2026-03-01"}}, "valid"),
    ("audience everyone", "master", {"audience": "everyone"}, "valid"),
    ("any child", "master", {"audience": {"child_age": "any"}}, "valid"),
    (
        "expecting or any child",
        "master",
        {"audience": {"pregnancy_weeks": "any", "child_age": "any"}},
        "valid",
    ),
    ("one school year", "master", {"audience": {"school_year": {"year": "p1"}}}, "valid"),
    (
        "school years and terms",
        "master",
        {"audience": {"school_year": {"from": "nursery", "until": "year-1", "term": ["autumn"]}}},
        "valid",
    ),
    (
        "one term",
        "master",
        {"audience": {"school_year": {"year": "nursery", "term": "summer"}}},
        "valid",
    ),
    (
        "deadlines per nation",
        "master",
        {"deadlines": {"england": "2027-01-15", "scotland": "2027-02-28"}},
        "valid",
    ),
    ("unknown audience word", "master", {"audience": "everybody"}, "invalid"),
    ("child_age some", "master", {"audience": {"child_age": "some"}}, "invalid"),
    ("unknown school year", "master", {"audience": {"school_year": {"year": "p7"}}}, "invalid"),
    (
        "unknown term",
        "master",
        {"audience": {"school_year": {"year": "p1", "term": "winter"}}},
        "invalid",
    ),
    (
        "school_year without a year",
        "master",
        {"audience": {"school_year": {"term": "autumn"}}},
        "invalid",
    ),
    (
        "school years backwards",
        "master",
        {"audience": {"school_year": {"from": "reception", "until": "nursery"}}},
        "loader-only",
    ),
    (
        "school year and from",
        "master",
        {"audience": {"school_year": {"year": "p1", "from": "nursery"}}},
        "loader-only",
    ),
    (
        "deadline in an unknown nation",
        "master",
        {"deadlines": {"wales-north": "2027-01-15"}},
        "invalid",
    ),
    ("deadline not a date", "master", {"deadlines": {"wales": "15 January"}}, "invalid"),
    (
        "deadlines and regions",
        "master",
        {"deadlines": {"wales": "2027-01-15"}, "regions": ["wales"]},
        "loader-only",
    ),
    ("missing id", "master", {"id": DELETE}, "invalid"),
    ("missing title", "master", {"title": DELETE}, "invalid"),
    ("missing topics", "master", {"topics": DELETE}, "invalid"),
    ("missing reviewed", "master", {"reviewed": DELETE}, "invalid"),
    ("missing review_by", "master", {"review_by": DELETE}, "invalid"),
    ("unknown field", "master", {"reveiw_by": "2027-01-01"}, "invalid"),
    ("translation field in master", "master", {"review_status": "reviewed"}, "invalid"),
    ("id with capitals", "master", {"id": "Water"}, "invalid"),
    ("id too short", "master", {"id": "wa"}, "invalid"),
    ("id with double hyphen", "master", {"id": "wa--ter"}, "invalid"),
    ("title too long", "master", {"title": "x" * 81}, "invalid"),
    ("title on two lines", "master", {"title": "one\ntwo"}, "invalid"),
    ("title blank", "master", {"title": "   "}, "invalid"),
    ("title a number", "master", {"title": 2026}, "invalid"),
    ("title a boolean", "master", {"title": False}, "invalid"),
    ("unknown topic", "master", {"topics": ["health", "helth"]}, "invalid"),
    ("topic twice", "master", {"topics": ["health", "health"]}, "invalid"),
    ("no topics", "master", {"topics": []}, "invalid"),
    ("topics not a list", "master", {"topics": "health"}, "invalid"),
    ("health without sources", "master", {"sources": DELETE}, "invalid"),
    ("empty sources", "master", {"sources": []}, "invalid"),
    ("http source", "master", {"sources": [{"title": "NHS", "url": "http://nhs.uk"}]}, "invalid"),
    ("source without url", "master", {"sources": [{"title": "NHS"}]}, "invalid"),
    (
        "source with extra field",
        "master",
        {"sources": [{"title": "NHS", "url": "https://nhs.uk", "note": "x"}]},
        "invalid",
    ),
    ("bad date format", "master", {"reviewed": "10/01/2026"}, "invalid"),
    ("impossible date", "master", {"reviewed": "2026-02-30"}, "invalid"),
    ("priority too high", "master", {"priority": 6}, "invalid"),
    ("priority text", "master", {"priority": "high"}, "invalid"),
    ("urgent as text", "master", {"urgent": "yes"}, "invalid"),
    ("quiet hours without urgent", "master", {"ignore_quiet_hours": True}, "invalid"),
    ("empty audience", "master", {"audience": {}}, "invalid"),
    ("unknown audience key", "master", {"audience": {"age": {"from": "1 year"}}}, "invalid"),
    (
        "pregnancy from too early",
        "master",
        {"audience": {"pregnancy_weeks": {"from": 3}}},
        "invalid",
    ),
    (
        "pregnancy until too late",
        "master",
        {"audience": {"pregnancy_weeks": {"until": 44}}},
        "invalid",
    ),
    ("empty window", "master", {"audience": {"pregnancy_weeks": {}}}, "invalid"),
    ("age without unit", "master", {"audience": {"child_age": {"from": "6"}}}, "invalid"),
    ("age as number", "master", {"audience": {"child_age": {"from": 0}}}, "invalid"),
    ("age in days", "master", {"audience": {"child_age": {"until": "10 days"}}}, "invalid"),
    ("unknown region", "master", {"regions": ["cornwall"]}, "invalid"),
    ("month 13", "master", {"season": [13]}, "invalid"),
    ("month twice", "master", {"season": [1, 1]}, "invalid"),
    ("series without part", "master", {"series": {"name": "x-y"}}, "invalid"),
    ("series part 0", "master", {"series": {"name": "xyz", "part": 0}}, "invalid"),
    (
        "series week follow-up asking",
        "master",
        {"series": {"name": "talk", "week": 2, "role": "follow-up", "ask_tried": True}},
        "valid",
    ),
    (
        "series week fact",
        "master",
        {"series": {"name": "talk", "week": 1, "role": "fact"}},
        "valid",
    ),
    (
        "series part and week",
        "master",
        {"series": {"name": "talk", "part": 1, "week": 1, "role": "fact"}},
        "invalid",
    ),
    ("series week without role", "master", {"series": {"name": "talk", "week": 1}}, "invalid"),
    ("series role without week", "master", {"series": {"name": "talk", "role": "try"}}, "invalid"),
    (
        "series unknown role",
        "master",
        {"series": {"name": "talk", "week": 1, "role": "quiz"}},
        "invalid",
    ),
    ("series week 0", "master", {"series": {"name": "talk", "week": 0, "role": "try"}}, "invalid"),
    (
        "series part asking",
        "master",
        {"series": {"name": "talk", "part": 1, "ask_tried": True}},
        "invalid",
    ),
    (
        "ask_tried on a fact",
        "master",
        {"series": {"name": "talk", "week": 1, "role": "fact", "ask_tried": True}},
        "loader-only",
    ),
    ("master in Welsh", "master", {"language": "cy"}, "invalid"),
    ("gif image", "master", {"image": "images/star.gif"}, "invalid"),
    ("image outside content", "master", {"image": "../secret.png"}, "invalid"),
    ("absolute image", "master", {"image": "/etc/star.png"}, "invalid"),
    ("null value", "master", {"priority": None}, "invalid"),
    # What only the loader can know.
    ("review_by before reviewed", "master", {"review_by": "2025-01-01"}, "loader-only"),
    (
        "dates backwards",
        "master",
        {"dates": {"from": "2026-05-01", "until": "2026-04-01"}},
        "loader-only",
    ),
    (
        "pregnancy window backwards",
        "master",
        {"audience": {"pregnancy_weeks": {"from": 20, "until": 12}}},
        "loader-only",
    ),
    (
        "child over 6 years",
        "master",
        {"audience": {"child_age": {"until": "7 years"}}},
        "loader-only",
    ),
    ("image not there", "master", {"image": "images/missing.png"}, "loader-only"),
    ("id not the file name", "master", {"id": "other-name"}, "loader-only"),
    (
        "primary topic not the folder",
        "master",
        {"topics": ["learning", "health"], FOLDER: "health"},
        "loader-only",
    ),
    ("whole-number float", "master", {"priority": 3.0}, "loader-only"),
    # Python's `$` also matches before a final line break, so python-jsonschema lets these pass;
    # ECMA-262 validators (editors' tools) refuse them, as the loader does.
    ("title ending in a line break", "master", {"title": "Drink water\n"}, "loader-only"),
    ("id ending in a line break", "master", {"id": "water\n"}, "loader-only"),
    # Translations.
    ("minimal translation", "translation", {}, "valid"),
    (
        "full translation",
        "translation",
        {
            "reviewed": "2026-02-01",
            "review_by": "2027-02-01",
            "review_status": "reviewed",
            "sources": [{"title": "GIG", "url": "https://111.wales.nhs.uk/"}],
        },
        "valid",
    ),
    ("translation without language", "translation", {"language": DELETE}, "invalid"),
    ("translation without title", "translation", {"title": DELETE}, "invalid"),
    (
        "translation sets audience",
        "translation",
        {"audience": {"pregnancy_weeks": {"from": 5}}},
        "invalid",
    ),
    ("translation sets topics", "translation", {"topics": ["health"]}, "invalid"),
    ("translation unknown language", "translation", {"language": "de"}, "invalid"),
    ("translation bad status", "translation", {"review_status": "done"}, "invalid"),
    (
        "translation http source",
        "translation",
        {"sources": [{"title": "x", "url": "http://a.b"}]},
        "invalid",
    ),
    ("translation language not the file's", "translation", {"language": "en"}, "invalid"),
]


def _example(kind: str, changes: dict[str, Any]) -> dict[str, Any]:
    data = copy.deepcopy(MASTER if kind == "master" else TRANSLATION)
    for key, value in changes.items():
        if key == FOLDER:
            continue
        if value is DELETE:
            data.pop(key, None)
        else:
            data[key] = value
    return data


@pytest.fixture(scope="module")
def ctx() -> LoadContext:
    topics_file, problems = load_topics(TEST_LIBRARY / "topics.yaml")
    assert topics_file is not None, problems
    return LoadContext(TEST_LIBRARY, topics_file.languages, topics_file.topics, date(2026, 6, 1))


@pytest.fixture(scope="module")
def validator(ctx: LoadContext) -> Draft202012Validator:
    schema = build_tip_schema(ctx.topics, ctx.languages)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FormatChecker())


def _loader_errors(data: dict[str, Any], kind: str, folder: str, ctx: LoadContext) -> list[Problem]:
    text = "---\n" + yaml.safe_dump(data, sort_keys=False, allow_unicode=True) + "---\nText.\n"
    if kind == "master":
        path = TEST_LIBRARY / "tips" / folder / "water.md"
        name = TipFileName(path, folder, "water", None)
        parse = parse_master
    else:
        path = TEST_LIBRARY / "tips" / folder / "water.cy.md"
        name = TipFileName(path, folder, "water", "cy")
        parse = parse_translation
    sha = hashlib.sha256(text.encode()).hexdigest()
    _, problems = parse(name, text, sha, ctx)
    return [p for p in problems if p.severity is Severity.ERROR]


@pytest.mark.parametrize(
    ("kind", "changes", "verdict"),
    [example[1:] for example in EXAMPLES],
    ids=[example[0] for example in EXAMPLES],
)
def test_schema_and_loader_agree(
    kind: str,
    changes: dict[str, Any],
    verdict: str,
    ctx: LoadContext,
    validator: Draft202012Validator,
) -> None:
    data = _example(kind, changes)
    schema_errors = [e.message for e in validator.iter_errors(data)]
    topics = data.get("topics")
    first = topics[0] if isinstance(topics, list) and topics else None
    folder = str(changes.get(FOLDER) or (first if first in ctx.topics else "health"))
    loader_errors = _loader_errors(data, kind, folder, ctx)
    assert (not schema_errors) == (verdict != "invalid"), schema_errors
    assert (not loader_errors) == (verdict == "valid"), loader_errors


def test_examples_cover_every_field() -> None:
    from domain.content.rules import MASTER_FIELDS, TRANSLATION_FIELDS

    touched = (
        {key for _, _, changes, _ in EXAMPLES for key in changes} | set(MASTER) | set(TRANSLATION)
    )
    assert set(MASTER_FIELDS) | set(TRANSLATION_FIELDS) <= touched


def test_committed_test_schema_is_current(ctx: LoadContext) -> None:
    from domain.content.schema import SCHEMA_FILE, schema_text

    committed = (TEST_LIBRARY / SCHEMA_FILE).read_text(encoding="utf-8")
    assert committed == schema_text(build_tip_schema(ctx.topics, ctx.languages))


def test_test_library_image_exists() -> None:
    assert Path(TEST_LIBRARY / "images" / "star.png").is_file()
