"""The JSON Schema (draft 2020-12) of tip front matter, masters and translations alike.

Built from the same rules as the loader (`domain.content.rules`) plus the library's topics and
languages, and committed as content/tip.schema.json for editors' tools. The schema is a subset
of the loader's checks: whatever the loader accepts, the schema accepts; rules across fields or
files (dates in order, id equals file name, the image exists, ...) are the loader's alone.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from domain.content.errors import Problem, warning
from domain.content.model import REGIONS, Topic
from domain.content.rules import (
    AGE_PATTERN,
    AUDIENCE_ANY,
    AUDIENCE_EVERYONE,
    DATE_PATTERN,
    HTTPS_URL_PATTERN,
    ID_MAX_LENGTH,
    ID_MIN_LENGTH,
    ID_PATTERN,
    IMAGE_PATTERN,
    MASTER_REQUIRED,
    MONTH_RANGE,
    ONE_LINE_TEXT_PATTERN,
    PREGNANCY_FROM_RANGE,
    PREGNANCY_UNTIL_RANGE,
    PRIORITY_RANGE,
    REVIEW_STATUSES,
    SERIES_PART_MIN,
    SERIES_ROLES,
    SERIES_WEEK_MIN,
    SLUG_PATTERN,
    TITLE_MAX_LENGTH,
    TRANSLATION_REQUIRED,
)
from domain.schoolyear import YEAR_NAMES, Term

SCHEMA_FILE = "tip.schema.json"
DIALECT = "https://json-schema.org/draft/2020-12/schema"
REGENERATE = "uv run tipsbot content schema --write"

JSON = dict[str, Any]


def _ref(name: str) -> JSON:
    return {"$ref": f"#/$defs/{name}"}


def _integer(low: int, high: int | None = None) -> JSON:
    schema: JSON = {"type": "integer", "minimum": low}
    if high is not None:
        schema["maximum"] = high
    return schema


def _object(properties: JSON, *, required: tuple[str, ...] = (), min_properties: int = 0) -> JSON:
    schema: JSON = {"type": "object", "additionalProperties": False, "properties": properties}
    if required:
        schema["required"] = list(required)
    if min_properties:
        schema["minProperties"] = min_properties
    return schema


def _any_required(*names: str) -> list[JSON]:
    return [{"required": [name]} for name in names]


def _unique_list(items: JSON) -> JSON:
    return {"type": "array", "minItems": 1, "uniqueItems": True, "items": items}


def build_tip_schema(topics: Mapping[str, Topic], languages: tuple[str, ...]) -> JSON:
    """The schema for this library's topics and languages (the first language is the default)."""
    default, translated = languages[0], list(languages[1:])
    needing_sources = [topic.id for topic in topics.values() if topic.sources_required]
    defs: JSON = {
        "id": {
            "type": "string",
            "pattern": ID_PATTERN,
            "minLength": ID_MIN_LENGTH,
            "maxLength": ID_MAX_LENGTH,
            "description": "Stable identity, equal to the file name; never change it once sent.",
        },
        "title": {
            "type": "string",
            "pattern": ONE_LINE_TEXT_PATTERN,
            "maxLength": TITLE_MAX_LENGTH,
            "description": "Shown in bold at the top of the message.",
        },
        "date": {
            "type": "string",
            "pattern": DATE_PATTERN,
            "format": "date",
            "description": "A date written YYYY-MM-DD.",
        },
        "source": _object(
            {
                "title": {"type": "string", "pattern": ONE_LINE_TEXT_PATTERN},
                "url": {"type": "string", "pattern": HTTPS_URL_PATTERN},
            },
            required=("title", "url"),
        ),
        "sources": {
            "type": "array",
            "minItems": 1,
            "items": _ref("source"),
            "description": "Evidence, shown as a sources line under the text.",
        },
        "school_year": {
            "enum": list(YEAR_NAMES),
            "description": "A school year: reception (= p1), nursery (= pre-school), year-1, ...",
        },
        "term": {"enum": [term.value for term in Term]},
        "age": {
            "type": "string",
            "pattern": AGE_PATTERN,
            "description": "An age like '0 weeks', '6 months' or '2 years' (at most 6 years).",
        },
    }
    master_properties: JSON = {
        "id": _ref("id"),
        "title": _ref("title"),
        "topics": {**_unique_list({"enum": list(topics)}), "description": "First is primary."},
        "audience": {
            "oneOf": [
                {"const": AUDIENCE_EVERYONE},
                _object(
                    {
                        "pregnancy_weeks": {
                            "oneOf": [
                                {"const": AUDIENCE_ANY},
                                _object(
                                    {
                                        "from": _integer(*PREGNANCY_FROM_RANGE),
                                        "until": _integer(*PREGNANCY_UNTIL_RANGE),
                                    },
                                    min_properties=1,
                                ),
                            ]
                        },
                        "child_age": {
                            "oneOf": [
                                {"const": AUDIENCE_ANY},
                                _object(
                                    {"from": _ref("age"), "until": _ref("age")}, min_properties=1
                                ),
                            ]
                        },
                        "school_year": {
                            **_object(
                                {
                                    "year": _ref("school_year"),
                                    "from": _ref("school_year"),
                                    "until": _ref("school_year"),
                                    "term": {
                                        "oneOf": [
                                            _ref("term"),
                                            _unique_list(_ref("term")),
                                        ]
                                    },
                                },
                                min_properties=1,
                            ),
                            "anyOf": [{"required": [key]} for key in ("year", "from", "until")],
                        },
                    },
                    min_properties=1,
                ),
            ],
            "description": "Who the tip is for; leave it out (or write everyone) for everyone.",
        },
        "regions": _unique_list({"enum": list(REGIONS)}),
        "dates": _object({"from": _ref("date"), "until": _ref("date")}, min_properties=1),
        "deadlines": {
            **_object({region: _ref("date") for region in REGIONS}, min_properties=1),
            "description": "The last day the tip is sent in each nation it is for.",
        },
        "season": _unique_list(_integer(*MONTH_RANGE)),
        "series": {
            **_object(
                {
                    "name": {"type": "string", "pattern": SLUG_PATTERN},
                    "part": _integer(SERIES_PART_MIN),
                    "week": _integer(SERIES_WEEK_MIN),
                    "role": {"enum": list(SERIES_ROLES)},
                    "ask_tried": {"type": "boolean"},
                },
                required=("name",),
            ),
            # A course numbers its parts; a week gives each tip its role instead.
            "oneOf": [
                {
                    "required": ["part"],
                    "not": {"anyOf": _any_required("week", "role", "ask_tried")},
                },
                {"required": ["week", "role"], "not": {"required": ["part"]}},
            ],
        },
        "priority": {**_integer(*PRIORITY_RANGE), "default": 3},
        "urgent": {"type": "boolean", "default": False},
        "ignore_quiet_hours": {"type": "boolean", "default": False},
        "essential": {"type": "boolean", "default": False},
        "sources": _ref("sources"),
        "reviewed": _ref("date"),
        "review_by": _ref("date"),
        "language": {"const": default},
        "link_preview": {"type": "boolean", "default": False},
        "image": {"type": "string", "pattern": IMAGE_PATTERN},
    }
    master: JSON = _object(master_properties, required=MASTER_REQUIRED)
    master["allOf"] = [
        {  # only urgent tips may ignore quiet hours
            "if": {
                "properties": {"ignore_quiet_hours": {"const": True}},
                "required": ["ignore_quiet_hours"],
            },
            "then": {"properties": {"urgent": {"const": True}}, "required": ["urgent"]},
        },
    ]
    if needing_sources:
        master["allOf"].append(
            {  # topics that need evidence
                "if": {
                    "properties": {"topics": {"contains": {"enum": needing_sources}}},
                    "required": ["topics"],
                },
                "then": {"required": ["sources"]},
            }
        )
    translation: JSON = _object(
        {
            "id": _ref("id"),
            "language": {"enum": translated},
            "title": _ref("title"),
            "reviewed": _ref("date"),
            "review_by": _ref("date"),
            "review_status": {"enum": list(REVIEW_STATUSES), "default": "awaiting-review"},
            "sources": _ref("sources"),
        },
        required=TRANSLATION_REQUIRED,
    )
    return {
        "$schema": DIALECT,
        "title": "tipsbot tip front matter",
        "description": (
            f"Generated from content/topics.yaml by `{REGENERATE}`; do not edit. "
            "A file whose language is not the default one is a translation."
        ),
        "type": "object",
        "if": {"required": ["language"], "properties": {"language": {"not": {"const": default}}}},
        "then": _ref("translation"),
        "else": _ref("master"),
        "$defs": {**defs, "master": master, "translation": translation},
    }


def schema_text(schema: JSON) -> str:
    """The schema as committed: stable, indented JSON with a final newline."""
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def check_schema_file(
    content_dir: Path, topics: Mapping[str, Topic], languages: tuple[str, ...]
) -> Problem | None:
    """A warning when content/tip.schema.json is missing or out of step with topics.yaml."""
    path = Path(content_dir) / SCHEMA_FILE
    expected = schema_text(build_tip_schema(topics, languages))
    try:
        current = path.read_text(encoding="utf-8")
    except OSError:
        current = None
    if current == expected:
        return None
    state = "is missing" if current is None else "is out of date with topics.yaml"
    return warning(path, 1, f"{SCHEMA_FILE} {state}: run `{REGENERATE}`")
