"""The real library in content/ loads without errors and its schema file is current."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from domain.content import Library, load_library
from domain.content.errors import display_path
from domain.content.schema import REGENERATE, SCHEMA_FILE, build_tip_schema, schema_text

CONTENT = Path(__file__).parents[1] / "content"


@pytest.fixture(scope="module")
def library() -> Library:
    return load_library(CONTENT, today=date.today())


def test_every_file_in_content_validates(library: Library) -> None:
    assert [p.format() for p in library.errors] == []
    assert library.tips


def test_topics_and_languages(library: Library) -> None:
    assert library.languages == ("en", "cy", "pl", "uk", "ur")
    assert {topic.id: topic.emoji for topic in library.topics.values()} == {
        "health": "🩺",
        "welfare": "💷",
        "learning": "🧸",
    }
    for topic in library.topics.values():
        assert set(topic.names) == set(library.languages)
        assert set(topic.descriptions) == set(library.languages)


def test_committed_schema_matches_topics_yaml(library: Library) -> None:
    committed = (CONTENT / SCHEMA_FILE).read_text(encoding="utf-8")
    expected = schema_text(build_tip_schema(library.topics, library.languages))
    stale = f"{display_path(CONTENT / SCHEMA_FILE)} is stale: run `{REGENERATE}`"
    assert committed == expected, stale
