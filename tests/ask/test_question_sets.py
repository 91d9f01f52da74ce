"""The Ask test data is sound: the question sets per language and the editors' danger-sign list.

The question sets (tests/ask/questions/<lang>.yaml) are what the Ask search is tuned and measured
on; a wrong id or a question about a tip another nation gets would make that measure lie.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from domain.content import Library, load_library
from domain.content.stages import age_in_days
from domain.selection import ChildStage

ROOT = Path(__file__).parents[2]
CONTENT = ROOT / "content"
QUESTIONS = Path(__file__).parent / "questions"
DANGER_SIGNS = CONTENT / "danger-signs.yaml"
LANGUAGES = ("en", "cy", "pl", "uk", "ur")
NATIONS = ("england", "wales", "scotland", "northern-ireland")
FIELDS = {"q", "answers", "urgent", "nation", "child"}
STAGE = re.compile(r"^(newborn|expecting \d{1,2} weeks|\d{1,2} (weeks|months|years?))$")
TODAY = date(2026, 12, 6)

MIN_QUESTIONS = 60
MIN_URGENT = 8
MIN_UNANSWERABLE = 6


@pytest.fixture(scope="module")
def library() -> Library:
    # A fixed day: which tips exist does not depend on it, and the test must not depend on the date.
    return load_library(CONTENT, today=TODAY)


def _questions(language: str) -> list[dict[str, Any]]:
    data = yaml.safe_load((QUESTIONS / f"{language}.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, list), f"{language}.yaml must be a list of questions"
    return data


def _key(text: str) -> str:
    """A question as a duplicate check sees it: case, spacing and punctuation don't count."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(re.sub(r"[^\w\s]", " ", text).split())


@pytest.mark.parametrize("language", LANGUAGES)
def test_question_set_is_well_formed(language: str, library: Library) -> None:
    questions = _questions(language)
    assert len(questions) >= MIN_QUESTIONS
    for item in questions:
        assert isinstance(item, dict) and set(item) <= FIELDS, item
        assert isinstance(item["q"], str) and item["q"].strip(), item
        assert isinstance(item["urgent"], bool), item
        assert item.get("nation", "england") in NATIONS, item
        if "child" in item:
            assert STAGE.match(item["child"]), item
        answers = item["answers"]
        assert isinstance(answers, list) and len(set(answers)) == len(answers), item
        unknown = [tip_id for tip_id in answers if tip_id not in library.tips]
        assert unknown == [], f"{item['q']!r}: no such tip {unknown}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_answers_are_tips_the_family_s_nation_gets(language: str, library: Library) -> None:
    """A Scottish family's money question must be answered by the Scottish tip, and so on."""
    for item in _questions(language):
        nation = item.get("nation", "england")
        elsewhere = [
            tip_id
            for tip_id in item["answers"]
            if library.tips[tip_id].regions and nation not in library.tips[tip_id].regions
        ]
        assert elsewhere == [], f"{item['q']!r} ({nation}): {elsewhere} are for other nations"


@pytest.mark.parametrize("language", LANGUAGES)
def test_question_set_has_urgent_and_unanswerable_questions(language: str) -> None:
    questions = _questions(language)
    urgent = [item for item in questions if item["urgent"]]
    unanswerable = [item for item in questions if not item["answers"]]
    assert len(urgent) >= MIN_URGENT
    assert len(unanswerable) >= MIN_UNANSWERABLE


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_duplicate_questions(language: str) -> None:
    keys = [_key(item["q"]) for item in _questions(language)]
    duplicates = sorted({key for key in keys if keys.count(key) > 1})
    assert duplicates == []


def test_danger_sign_list_names_real_tips_in_every_language(library: Library) -> None:
    """content/danger-signs.yaml: every nation's urgent tip is for that nation, every `also`
    tip exists, and every sign has phrases in every language of the library."""
    data = yaml.safe_load(DANGER_SIGNS.read_text(encoding="utf-8"))
    urgent = data["urgent_tips"]
    assert set(urgent) == set(NATIONS)
    for nation, tip_id in urgent.items():
        assert nation in library.tips[tip_id].regions, (nation, tip_id)
    ids = [sign["id"] for sign in data["signs"]]
    assert len(ids) == len(set(ids))
    for sign in data["signs"]:
        assert [t for t in sign.get("also", []) if t not in library.tips] == [], sign["id"]
        phrases = sign["phrases"]
        assert set(phrases) == set(library.languages), sign["id"]
        for language, listed in phrases.items():
            assert listed and all(isinstance(p, str) and p.strip() for p in listed), (
                sign["id"],
                language,
            )


def test_every_nation_has_a_domestic_abuse_tip_for_the_danger_sign(library: Library) -> None:
    """The domestic-abuse sign shows the family's nation's helpline: one tip per nation."""
    data = yaml.safe_load(DANGER_SIGNS.read_text(encoding="utf-8"))
    (abuse,) = [sign for sign in data["signs"] if sign["id"] == "domestic-abuse"]
    covered = {nation for tip_id in abuse["also"] for nation in library.tips[tip_id].regions}
    assert covered == set(NATIONS)


def _children(child: str | None) -> tuple[ChildStage, ...]:
    """The family's child as the danger signs see it, from a question's `child` field."""
    if child is None:
        return ()
    if child == "newborn":
        return (ChildStage(birth_date=TODAY - timedelta(days=7)),)
    amount, unit = child.removeprefix("expecting ").split()
    if child.startswith("expecting "):
        return (ChildStage(due_date=TODAY + timedelta(weeks=40 - int(amount))),)
    age = timedelta(days=age_in_days(int(amount), unit.rstrip("s")))
    return (ChildStage(birth_date=TODAY - age),)


@pytest.mark.parametrize("language", LANGUAGES)
def test_danger_signs_fire_on_the_urgent_questions_only(language: str, library: Library) -> None:
    """The editors' phrases against the sets: every urgent question matches a sign, and no
    other question does (a false alarm frightens a parent). Needs the matcher of domain.ask."""
    danger = pytest.importorskip("domain.ask.danger")
    signs = danger.load_danger_signs(DANGER_SIGNS, library)
    wrong = [
        (item["q"], item["urgent"])
        for item in _questions(language)
        if (signs.match(item["q"], children=_children(item.get("child")), today=TODAY) is None)
        == item["urgent"]
    ]
    assert wrong == []
