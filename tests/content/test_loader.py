"""The loader on valid content: values, defaults, stages, fallbacks, file handling."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest

from domain.content import AgeWindow, Library, PregnancyWindow, ReviewStatus, load_library
from domain.content.model import ALL_MONTHS, REGIONS, ReviewState, SeriesRole, review_state
from domain.content.stages import (
    STAGES,
    StageKind,
    age_in_days,
    stages_of,
)
from tests.content.factories import TEST_LIBRARY, copy_library, make_tip, tip_file

TODAY = date(2026, 6, 1)
SHIPPED = Path(__file__).resolve().parents[2] / "content"


@pytest.fixture(scope="module")
def library() -> Library:
    return load_library(TEST_LIBRARY, today=TODAY)


def _load_one(tmp_path: Path, text: str, name: str = "tips/health/x-tip.md") -> Library:
    content = copy_library(tmp_path)
    (content / name).write_text(text, encoding="utf-8")
    return load_library(content, today=TODAY)


def test_the_test_library_is_clean(library: Library) -> None:
    assert library.problems == ()
    assert list(library.topics) == ["health", "learning"]
    assert library.languages == ("en", "cy")
    assert library.default_language == "en"
    assert library.translation_count == 1


def test_values_and_defaults(library: Library) -> None:
    water = library.tips["water"]
    assert water.topics == ("health",)
    assert water.pregnancy == PregnancyWindow(12, 40)
    assert water.child_age is None
    assert water.regions == frozenset(REGIONS)
    assert water.months == ALL_MONTHS
    assert water.priority == 3
    assert (water.urgent, water.ignore_quiet_hours, water.essential) == (False, False, True)
    assert water.link_preview is False
    assert water.sources[0].url == "https://www.nhs.uk/pregnancy/keeping-well/"
    assert water.master.line == 14  # the line after the closing ---
    assert water.master.review_status is ReviewStatus.REVIEWED
    sing = library.tips["sing"]
    assert sing.child_age == AgeWindow(0, 730)
    assert sing.image == TEST_LIBRARY / "images/star.png"
    assert sing.sources == ()


def test_translation_takes_the_masters_sources(library: Library) -> None:
    water = library.tips["water"]
    welsh = water.texts["cy"]
    assert welsh.title == "Yfwch ddigon o ddŵr"
    assert welsh.sources == water.sources
    assert welsh.review_status is ReviewStatus.REVIEWED
    assert library.text_for(water, "cy") is welsh
    assert library.text_for(water, "pl").language == "en"
    assert library.text_for(library.tips["sing"], "cy").language == "en"


def test_overdue_translations_fall_back_to_the_master(tmp_path: Path) -> None:
    content = copy_library(tmp_path)
    welsh = content / "tips/health/water.cy.md"
    welsh.write_text(
        welsh.read_text(encoding="utf-8").replace(
            "review_status: reviewed", "reviewed: 2025-01-01\nreview_by: 2026-01-01"
        ),
        encoding="utf-8",
    )
    library = load_library(content, today=TODAY)
    water = library.tips["water"]
    assert water.texts["cy"].review_status is ReviewStatus.AWAITING_REVIEW
    assert library.text_for(water, "cy", today=TODAY).language == "en"
    assert library.text_for(water, "cy").language == "cy"
    assert [p.line for p in library.warnings] == [6]


def test_file_hashes_cover_the_files_in_service(library: Library) -> None:
    assert {p.relative_to(TEST_LIBRARY).as_posix() for p in library.files} == {
        "tips/health/water.md",
        "tips/health/water.cy.md",
        "tips/learning/sing.md",
    }
    assert all(len(f.sha256) == 64 for f in library.files.values())


def test_ages_convert_as_the_contract_says() -> None:
    assert age_in_days(1, "week") == 7
    assert age_in_days(6, "month") == 182
    assert age_in_days(12, "month") == age_in_days(1, "year") == 365
    assert age_in_days(6, "year") == 2191


def test_stages(library: Library) -> None:
    assert [s.id for s in stages_of(library.tips["water"])] == [
        "pregnancy-t1",
        "pregnancy-t2",
        "pregnancy-t3",
    ]
    assert [s.id for s in stages_of(library.tips["sing"])] == ["0-3m", "3-6m", "6-12m", "1-2y"]
    assert stages_of(make_tip()) == STAGES
    until_3_months = make_tip(child_age=AgeWindow(0, age_in_days(3, "month")))
    assert [s.id for s in stages_of(until_3_months)] == ["0-3m"]
    assert _stage_ids_containing(StageKind.PREGNANCY, 13) == ["pregnancy-t2"]
    assert _stage_ids_containing(StageKind.CHILD, 364) == ["6-12m"]
    assert _stage_ids_containing(StageKind.CHILD, 2191) == []


def _stage_ids_containing(kind: StageKind, value: int) -> list[str]:
    """The stages of `kind` whose [start, end) holds `value` (weeks or days)."""
    return [s.id for s in STAGES if s.kind is kind and s.start <= value < s.end]


def test_sendable_follows_dates_season_and_review() -> None:
    tip = make_tip(
        date_from=date(2026, 1, 1), date_until=date(2026, 12, 31), months=frozenset({11, 12, 1})
    )
    assert tip.is_sendable(date(2026, 12, 31))
    assert not tip.is_sendable(date(2026, 6, 1))  # out of season
    assert not tip.is_sendable(date(2027, 1, 2))  # after the dates (and the review)
    assert review_state(tip.review_by, date(2026, 12, 15)) is ReviewState.DUE
    assert review_state(tip.review_by, date(2026, 6, 1)) is ReviewState.CURRENT
    assert review_state(tip.review_by, tip.review_by) is ReviewState.DUE
    assert review_state(tip.review_by, tip.review_by + timedelta(days=1)) is ReviewState.OVERDUE
    assert review_state(tip.review_by, tip.review_by - timedelta(days=30)) is ReviewState.DUE
    assert review_state(tip.review_by, tip.review_by - timedelta(days=31)) is ReviewState.CURRENT


def test_windows_with_one_end_use_the_contract_limits(tmp_path: Path) -> None:
    extra = "audience:\n  pregnancy_weeks: {until: 20}\n  child_age: {from: 1 year}\n"
    library = _load_one(tmp_path, tip_file("x-tip", extra=extra))
    tip = library.tips["x-tip"]
    assert tip.pregnancy == PregnancyWindow(4, 20)
    assert tip.child_age == AgeWindow(365, 2191)


def test_crlf_and_bom_are_fine(tmp_path: Path) -> None:
    text = "\ufeff" + tip_file("x-tip", body="Line one.\n\nLine two.\n").replace("\n", "\r\n")
    library = _load_one(tmp_path, text)
    assert library.errors == ()
    assert library.tips["x-tip"].master.body_markdown == "Line one.\n\nLine two.\n"


def test_quoted_dates_and_comments_are_fine(tmp_path: Path) -> None:
    text = tip_file("x-tip", extra="# yaml-language-server: $schema=../../tip.schema.json\n")
    library = _load_one(tmp_path, text.replace("2026-01-10\n", '"2026-01-10"\n', 1))
    assert library.errors == ()
    assert library.tips["x-tip"].reviewed == date(2026, 1, 10)


def test_reviews_due_soon_and_in_the_future_warn(tmp_path: Path) -> None:
    text = tip_file("x-tip").replace("review_by: 2027-01-10", "review_by: 2026-06-20")
    text = text.replace("reviewed: 2026-01-10", "reviewed: 2026-07-01")
    library = _load_one(tmp_path, text)
    assert [p.message for p in library.errors] == [
        "review_by (2026-06-20) must be after reviewed (2026-07-01)"
    ]
    text = tip_file("x-tip").replace("review_by: 2027-01-10", "review_by: 2026-06-20")
    library = _load_one(tmp_path, text)
    assert [p.message for p in library.warnings] == ["review due by 2026-06-20 (in 19 days)"]


def test_long_bodies_warn(tmp_path: Path) -> None:
    library = _load_one(tmp_path, tip_file("x-tip", body="word " * 150))
    assert [p.message.split(";")[0] for p in library.warnings] == [
        "the text is 749 characters long"
    ]
    assert "x-tip" in library.tips


def test_misplaced_and_foreign_files(tmp_path: Path) -> None:
    content = copy_library(tmp_path)
    (content / "tips/health/notes.txt").write_text("x", encoding="utf-8")
    (content / "tips/health/.hidden.md").write_text("x", encoding="utf-8")
    (content / "tips/loose.md").write_text(tip_file("loose"), encoding="utf-8")
    (content / "tips/health/a.b.c.md").write_text("x", encoding="utf-8")
    (content / "tips/health/deep").mkdir()
    (content / "tips/health/deep/x.md").write_text("x", encoding="utf-8")
    library = load_library(content, today=TODAY)
    found = {(p.path.name, str(p.severity), p.message.split(":")[0]) for p in library.problems}
    assert found == {
        ("notes.txt", "warning", "not a tip file (tip files end in .md)"),
        ("loose.md", "error", "tip files belong directly in a topic folder"),
        ("x.md", "error", "tip files belong directly in a topic folder"),
        (
            "a.b.c.md",
            "error",
            "a tip file is named <id>.md, a translation <id>.<language>.md, like x.cy.md",
        ),
    }


def test_a_translation_of_a_broken_master_is_not_a_second_error(tmp_path: Path) -> None:
    content = copy_library(tmp_path)
    (content / "tips/health/water.md").write_text("broken", encoding="utf-8")
    library = load_library(content, today=TODAY)
    assert [p.path.name for p in library.errors] == ["water.md"]


def test_a_translation_too_long_with_the_masters_sources(tmp_path: Path) -> None:
    content = copy_library(tmp_path)
    welsh = content / "tips/health/water.cy.md"
    welsh.write_text(welsh.read_text(encoding="utf-8") + "x" * 4100 + "\n", encoding="utf-8")
    library = load_library(content, today=TODAY)
    assert [(p.path.name, p.line) for p in library.errors] == [("water.cy.md", 7)]
    assert set(library.tips["water"].texts) == {"en"}


def test_missing_library_parts(tmp_path: Path) -> None:
    library = load_library(tmp_path / "nowhere", today=TODAY)
    assert [p.message for p in library.errors] == [
        "topics.yaml is missing: the library needs its topics"
    ]
    content = copy_library(tmp_path / "lib")
    (content / "topics.yaml").write_text(
        "languages: [en]\ntopics:\n  - id: health\n    emoji: x\n", encoding="utf-8"
    )
    library = load_library(content, today=TODAY)
    assert library.tips == {}
    assert {p.line for p in library.errors} == {3}  # the topic missing its fields


def test_unknown_topic_in_topics_yaml_suggests(tmp_path: Path) -> None:
    content = copy_library(tmp_path)
    topics = content / "topics.yaml"
    topics.write_text(
        topics.read_text(encoding="utf-8").replace("order: 1", "ordre: 1"), encoding="utf-8"
    )
    library = load_library(content, today=TODAY)
    messages = [p.message for p in library.errors]
    assert "unknown field 'ordre' in a topic (did you mean 'order'?)" in messages


def _write_tips(tmp_path: Path, tips: dict[str, str]) -> Library:
    content = copy_library(tmp_path)
    for tip_id, series in tips.items():
        text = tip_file(tip_id, extra=f"series: {series}\n")
        (content / f"tips/health/{tip_id}.md").write_text(text, encoding="utf-8")
    return load_library(content, today=TODAY)


def test_a_series_written_as_weeks_orders_fact_try_follow_up(tmp_path: Path) -> None:
    library = _write_tips(
        tmp_path,
        {
            "w1-fact": "{name: talk, week: 1, role: fact}",
            "w1-try": "{name: talk, week: 1, role: try}",
            "w1-ask": "{name: talk, week: 1, role: follow-up, ask_tried: true}",
            "w2-fact": "{name: talk, week: 2, role: fact}",
        },
    )
    assert library.errors == () and library.warnings == ()
    tips = library.tips
    assert [tips[t].series_part for t in ("w1-fact", "w1-try", "w1-ask", "w2-fact")] == [1, 2, 3, 4]
    assert (tips["w1-ask"].series_week, tips["w1-ask"].series_role) == (1, SeriesRole.FOLLOW_UP)
    assert tips["w1-ask"].asks_tried and not tips["w1-try"].asks_tried
    assert tips["w2-fact"].series == "talk" and tips["w2-fact"].series_week == 2


def test_series_weeks_mistakes_are_reported(tmp_path: Path) -> None:
    library = _write_tips(
        tmp_path,
        {
            "a-fact": "{name: mixed, week: 1, role: fact}",
            "a-part": "{name: mixed, part: 2}",
            "b-ask": "{name: other, week: 1, role: try, ask_tried: true}",
            "c-both": "{name: third, part: 1, week: 1, role: fact}",
            "d-role": "{name: fourth, week: 1, role: quiz}",
            "e-same": "{name: fifth, week: 1, role: try}",
            "f-same": "{name: fifth, week: 1, role: try}",
        },
    )
    found = {(p.path.stem, str(p.severity), p.message) for p in library.problems}
    mixed = (
        "series 'mixed' mixes parts and weeks: give every tip of it either part or week and role"
    )
    assert {
        ("a-fact", "error", mixed),
        ("a-part", "error", mixed),
        ("b-ask", "error", "ask_tried is only for the follow-up of a week (role: follow-up)"),
        (
            "c-both",
            "error",
            "series takes either part (a course) or week and role (a week), not both",
        ),
        ("d-role", "error", "series role 'quiz' must be one of fact, try, follow-up"),
        (
            "e-same",
            "warning",
            "series 'fifth' week 1 try is also f-same: "
            "tips with the same part go out in order of id",
        ),
    } <= found


def test_a_decimal_point_in_a_polish_translation_is_a_warning(tmp_path: Path) -> None:
    """Polish writes 12,5 and Welsh 12.5: the check goes by the translation's language."""
    content = tmp_path / "content"
    shutil.copytree(SHIPPED, content)
    folder = content / "tips/welfare"
    for name in ("w-wales-flying-start.pl.md", "w-wales-flying-start.cy.md"):
        path = folder / name
        path.write_text(path.read_text(encoding="utf-8").replace("12,5", "12.5"), "utf-8")
    library = load_library(content, today=TODAY)
    assert [
        (p.path.name, p.severity, p.message) for p in library.problems if "decimal" in p.message
    ] == [
        (
            "w-wales-flying-start.pl.md",
            "warning",
            "12.5: the decimal separator in 'pl' is a comma (write 12,5)",
        )
    ]
    assert "pl" in library.tips["w-wales-flying-start"].texts  # still sent


def test_the_shipped_translations_write_decimals_as_their_language_does() -> None:
    library = load_library(SHIPPED, today=TODAY)
    assert [p.format() for p in library.warnings if "decimal separator" in p.message] == []
