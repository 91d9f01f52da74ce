"""The broken-file corpus: each bad file yields its `path:line` problem; good neighbours load."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from domain.content import Library, Severity, load_library

TODAY = date(2026, 6, 1)

# (file under tips/, line, severity, a phrase of the message)
EXPECTED: list[tuple[str, int, str, str]] = [
    ("health/bad-yaml.md", 3, "error", "a value containing ': ' must be put in quotes"),
    ("health/binary.md", 3, "error", "binary file"),
    ("health/body-image.md", 13, "error", "images inside the text are not supported"),
    ("health/empty-body.md", 10, "error", "the tip has no text"),
    ("health/http-source.md", 7, "error", "must be a full https:// address"),
    ("health/id-mismatch.md", 2, "error", "name the file some-other-id.md"),
    ("health/impossible-date.md", 8, "error", "2026-02-30 is not a real date"),
    ("health/latin1.md", 3, "error", "not UTF-8"),
    ("health/long-title.md", 3, "error", "title is 81 characters long"),
    ("health/missing-image.md", 5, "error", "image file 'images/nope.png' does not exist"),
    ("health/missing-sources.md", 4, "error", "need at least one source"),
    ("health/no-front-matter.md", 1, "error", "must start with a line '---'"),
    ("health/orphan.cy.md", 2, "error", "translation of 'orphan' has no master file"),
    ("health/overdue.md", 9, "warning", "review overdue since 2026-01-10"),
    ("health/quiet-hours.md", 5, "error", "ignore_quiet_hours is only for urgent tips"),
    ("health/raw-html.md", 13, "error", "raw HTML is not supported"),
    ("health/review-backwards.md", 9, "error", "must be after reviewed (2026-05-01)"),
    ("health/table.md", 13, "error", "tables are not supported"),
    ("health/too-long.md", 11, "error", "the limit is 4096"),
    ("health/twice.md", 6, "error", "'priority' is given twice (first on line 5)"),
    ("health/twin.md", 2, "error", "id 'twin' is also used by tips/learning/twin.md"),
    ("health/unknown-field.md", 1, "error", "missing the required field 'review_by'"),
    (
        "health/unknown-field.md",
        9,
        "error",
        "unknown field 'reveiw_by' in the front matter (did you mean 'review_by'?)",
    ),
    ("health/unknown-topic.md", 4, "error", "unknown topic 'lerning' (did you mean 'learning'?)"),
    ("health/unterminated.md", 1, "error", "never closed"),
    ("health/vitamin-d.de.md", 3, "error", "'de' in the file name is not a translation language"),
    ("health/window-backwards.md", 6, "error", "ends (until 12) before it starts (from 20)"),
    ("health/wrong-folder.md", 4, "error", "move the file to tips/learning/"),
    ("health/wrong-type.md", 5, "error", "priority must be a whole number, not text ('high')"),
    ("health/yes-no.md", 5, "error", "urgent must be true or false (not 'yes')"),
    ("learning/sing-together.cy.md", 5, "error", "'audience' is set in the master file"),
    ("learning/twin.md", 2, "error", "id 'twin' is also used by tips/health/twin.md"),
]


@pytest.fixture(scope="module")
def library(broken_corpus: Path) -> Library:
    return load_library(broken_corpus, today=TODAY)


def _found(library: Library) -> list[tuple[str, int, str, str]]:
    tips = library.content_dir / "tips"
    return [
        (p.path.relative_to(tips).as_posix(), p.line, str(p.severity), p.message)
        for p in library.problems
        if p.path.is_relative_to(tips) and p.severity is not Severity.INFO
    ]


@pytest.mark.parametrize(
    ("file", "line", "severity", "phrase"), EXPECTED, ids=[f"{e[0]}:{e[1]}" for e in EXPECTED]
)
def test_each_broken_file_reports_its_line(
    library: Library, file: str, line: int, severity: str, phrase: str
) -> None:
    at_place = [m for f, n, s, m in _found(library) if (f, n, s) == (file, line, severity)]
    assert any(phrase in message for message in at_place), (at_place, _found(library))


def test_nothing_else_is_reported(library: Library) -> None:
    expected = {(f, n, s) for f, n, s, _ in EXPECTED}
    found = {(f, n, s) for f, n, s, _ in _found(library)}
    assert found == expected


def test_the_corpus_has_at_least_fifteen_kinds_of_breakage() -> None:
    assert len({file for file, _, severity, _ in EXPECTED if severity == "error"}) >= 15


def test_good_neighbours_still_load(library: Library) -> None:
    assert sorted(library.tips) == ["overdue", "read-daily", "sing-together", "vitamin-d"]
    assert set(library.tips["vitamin-d"].texts) == {"en", "cy"}
    assert set(library.tips["sing-together"].texts) == {"en"}  # its broken translation is out


def test_a_duplicate_id_keeps_neither_copy_without_a_previous_library(library: Library) -> None:
    assert "twin" not in library.tips


def test_an_overdue_tip_is_loaded_but_not_sendable(library: Library) -> None:
    tip = library.tips["overdue"]
    assert tip.is_review_overdue(TODAY)
    assert not tip.is_sendable(TODAY)
    assert library.tips["vitamin-d"].is_sendable(date(2026, 10, 1))


def test_problem_lines_read_like_a_compiler(library: Library) -> None:
    lines = {p.format(relative_to=library.content_dir) for p in library.problems}
    assert (
        "tips/health/impossible-date.md:8: error: reviewed: 2026-02-30 is not a real date" in lines
    )


def test_missing_translations_are_one_warning_per_language(library: Library) -> None:
    about_languages = [p for p in library.warnings if p.path.name == "topics.yaml"]
    assert [(p.line, p.message.split(" (")[0]) for p in about_languages] == [
        (2, "1 essential or urgent tip(s) have no 'cy' translation")
    ]
