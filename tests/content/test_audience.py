"""Audience words (everyone, any, school years, deadlines): reading them, the errors editors
see, the check that a tip for everyone reads as one, and the rules that send by them."""

from __future__ import annotations

import importlib
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli.content import content
from domain.content import AgeWindow, Library, PregnancyWindow, load_library
from domain.content.stages import MAX_CHILD_AGE_DAYS
from domain.content.wording import first_sentence
from domain.schoolyear import SchoolYearWindow, Term
from domain.selection import ChildStage, Profile, choose_next_tip, matches_audience
from tests.content.factories import copy_library, tip_file

TODAY = date(2026, 12, 6)
REPO_CONTENT = Path(__file__).parents[2] / "content"
content_cli = importlib.import_module("bot.cli.content")


def _load(
    tmp_path: Path, extra: str, *, body: str = "Drink water.\n", title: str = "A tip"
) -> Library:
    content_dir = copy_library(tmp_path)
    text = tip_file("x-tip", extra=extra, body=body, title=title)
    (content_dir / "tips/health/x-tip.md").write_text(text, encoding="utf-8")
    return load_library(content_dir, today=TODAY)


def _messages(library: Library) -> list[str]:
    return [f"{p.path.name}:{p.line}: {p.severity}: {p.message}" for p in library.problems]


def test_everyone_and_any(tmp_path: Path) -> None:
    everyone = _load(tmp_path / "a", "audience: everyone\n").tips["x-tip"]
    assert everyone.is_for_everyone
    both = _load(tmp_path / "b", "audience: {pregnancy_weeks: any, child_age: any}\n")
    tip = both.tips["x-tip"]
    assert tip.pregnancy == PregnancyWindow(4, 43)
    assert tip.child_age == AgeWindow(0, MAX_CHILD_AGE_DAYS)
    assert not tip.is_for_everyone


def test_school_year_windows_and_deadlines(tmp_path: Path) -> None:
    extra = (
        "audience:\n  school_year: {from: nursery, until: year-1, term: [autumn, spring]}\n"
        "deadlines: {england: 2027-01-15, scotland: 2027-02-28}\n"
    )
    tip = _load(tmp_path, extra).tips["x-tip"]
    assert tip.school_year == SchoolYearWindow(-1, 1, frozenset({Term.AUTUMN, Term.SPRING}))
    assert tip.regions == frozenset({"england", "scotland"})
    assert tip.is_open_in("england", date(2027, 1, 15))
    assert not tip.is_open_in("england", date(2027, 1, 16))
    assert not tip.is_open_in("england", date(2026, 8, 31))  # the year before this round
    assert tip.is_open_in("scotland", date(2026, 8, 1))  # Scotland's school year starts in August
    assert not tip.is_open_in("wales", date(2026, 10, 1))
    one = _load(tmp_path / "one", "audience:\n  school_year: {year: p1, term: summer}\n")
    assert one.tips["x-tip"].school_year == SchoolYearWindow(0, 1, frozenset({Term.SUMMER}))


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (
            "audience: everybody\n",
            "x-tip.md:5: error: audience 'everybody' is not known: write 'audience: everyone'",
        ),
        ("audience:\n  child_age: all\n", "x-tip.md:6: error: child_age must be 'any' or a window"),
        (
            "audience:\n  school_year: {year: p7}\n",
            "x-tip.md:6: error: school_year year 'p7' is not a school year",
        ),
        (
            "audience:\n  school_year: {year: reception, term: winter}\n",
            "x-tip.md:6: error: term 'winter' is not a term",
        ),
        (
            "audience:\n  school_year:\n    from: reception\n    until: nursery\n",
            "x-tip.md:8: error: school_year ends before it starts",
        ),
        (
            "audience:\n  school_year: {term: autumn}\n",
            "x-tip.md:6: error: school_year needs 'year', or 'from' and/or 'until'",
        ),
        (
            "regions: [wales]\ndeadlines: {wales: 2027-01-15}\n",
            "x-tip.md:5: error: deadlines already say which nations the tip is for",
        ),
        (
            "deadlines:\n  wales: 2027-01-15\n  englnd: 2027-01-15\n",
            "x-tip.md:7: error: unknown field 'englnd' in deadlines (did you mean 'england'?)",
        ),
    ],
)
def test_audience_errors_point_at_the_line(tmp_path: Path, extra: str, expected: str) -> None:
    library = _load(tmp_path, extra)
    assert "x-tip" not in library.tips
    assert any(message.startswith(expected) for message in _messages(library)), _messages(library)


def test_first_sentence() -> None:
    assert first_sentence("One. Two.") == "One."
    assert first_sentence("Is it? Yes.") == "Is it?"
    assert first_sentence("No stop here\n\nNext") == "No stop here\n"
    assert first_sentence("1.5 litres a day") == "1.5 litres a day"


@pytest.mark.parametrize(
    ("title", "body", "flagged", "line"),
    [
        ("Chat with your child", "Talk every day.\n", "title speaks of a child ('your child')", 3),
        (
            "Talk every day",
            "Your baby loves your voice. More.\n",
            "first sentence speaks of a child",
            11,
        ),
        (
            "Feel well",
            "Pregnancy can be tiring. Rest.\n",
            "speaks of a pregnancy ('Pregnancy')",
            11,
        ),
        ("Toddler tantrums", "They pass.\n", "speaks of a child ('Toddler')", 3),
        ("Money help", "Anyone can ask. New baby? Claim soon.\n", None, 0),
        ("Smoke alarms", "Test them monthly. Also after your baby is born.\n", None, 0),
    ],
)
def test_a_tip_for_everyone_that_reads_as_child_or_pregnancy_advice_is_flagged(
    tmp_path: Path, title: str, body: str, flagged: str | None, line: int
) -> None:
    library = _load(tmp_path, "", title=title, body=body)
    warnings = [m for m in _messages(library) if "is for everyone" in m]
    if flagged is None:
        assert warnings == []
    else:
        assert len(warnings) == 1 and flagged in warnings[0], warnings
        # The title's line, or the line where the text starts.
        assert warnings[0].startswith(f"x-tip.md:{line}: warning: this tip is for everyone")
    # The same words are fine once the tip has an audience.
    with_audience = _load(tmp_path / "aud", "audience: {child_age: any}\n", title=title, body=body)
    assert not [m for m in _messages(with_audience) if "is for everyone" in m]


def test_rules_send_school_year_and_deadline_tips_to_the_right_family(tmp_path: Path) -> None:
    extra = "audience:\n  school_year: {year: nursery}\ndeadlines: {england: 2027-01-15}\n"
    tip = _load(tmp_path, extra).tips["x-tip"]
    nursery = ChildStage(birth_date=date(2022, 10, 15))  # Reception from September 2027
    reception = ChildStage(birth_date=date(2022, 1, 15))  # in Reception since September 2026
    profile = Profile(topics=frozenset({"health"}), region="england", children=(nursery,))
    assert matches_audience(tip, profile, TODAY)
    assert choose_next_tip([tip], profile, TODAY) is tip
    assert choose_next_tip([tip], profile, date(2027, 1, 16)) is None  # past the deadline
    in_reception = Profile(topics=frozenset({"health"}), region="england", children=(reception,))
    assert not matches_audience(tip, in_reception, TODAY)
    in_wales = Profile(topics=frozenset({"health"}), region="wales", children=(nursery,))
    assert choose_next_tip([tip], in_wales, TODAY) is None
    skipped = Profile(topics=frozenset({"health"}), region="england")
    assert choose_next_tip([tip], skipped, TODAY) is None
    abroad = Profile(topics=frozenset({"health"}), region="elsewhere", children=(nursery,))
    assert not matches_audience(tip, abroad, TODAY)  # no UK school year to compare with


def test_a_family_that_told_nothing_gets_only_tips_for_everyone(tmp_path: Path) -> None:
    any_child = _load(tmp_path / "a", "audience: {child_age: any}\n").tips["x-tip"]
    everyone = _load(tmp_path / "b", "audience: everyone\n").tips["x-tip"]
    skipped = Profile(topics=frozenset({"health"}), region="england")
    assert not matches_audience(any_child, skipped, TODAY)
    assert matches_audience(everyone, skipped, TODAY)


# The "Done when" checks, through the real CLI on the real library.


@pytest.fixture
def run_timeline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)  # no .env
    monkeypatch.setattr(content_cli, "_today", lambda: TODAY)
    monkeypatch.delenv("CONTENT_DIR", raising=False)

    def run(*args: str) -> list[tuple[str, str]]:
        command = ["timeline", *args, "--days", "mon,wed,fri", "--time", "10:00"]
        command += ["--timezone", "Europe/London", "--content-dir", str(REPO_CONTENT)]
        result = CliRunner().invoke(content, command, env={})
        assert result.exit_code == 0, result.output
        rows = [line.split() for line in result.output.splitlines()[:-1]]
        return [(row[1], row[5]) for row in rows if row[3] != "(nothing"]

    return run


def test_27_weeks_pregnant_gets_no_tip_for_a_child_already_here(run_timeline) -> None:  # type: ignore[no-untyped-def]
    library = load_library(REPO_CONTENT, today=TODAY)
    sent = run_timeline("--due-date", "2027-03-01", "--weeks", "6", "--start", "2026-11-30")
    assert len(sent) == 18
    for _day, tip_id in sent:
        tip = library.tips[tip_id]
        assert tip.is_for_everyone or tip.pregnancy is not None, tip_id


def test_no_get_ready_for_reception_tip_once_in_reception(run_timeline) -> None:  # type: ignore[no-untyped-def]
    library = load_library(REPO_CONTENT, today=TODAY)
    sent = run_timeline("--birth-date", "2022-01-15", "--weeks", "52", "--start", "2026-02-01")
    school_words = ("ready for school", "apply", "applications", "summer before school")
    after = [
        tip_id
        for day, tip_id in sent
        if day >= "2026-09-01"
        and any(word in library.tips[tip_id].title.lower() for word in school_words)
    ]
    assert after == []
    before = {tip_id for day, tip_id in sent if day < "2026-09-01"}
    assert "l-ready-for-school-dressing" in before  # the nursery year did get them
