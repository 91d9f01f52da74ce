"""The danger-sign list: its loader's `path:line:` errors and the phrase-matching rules that
domain/ask/danger.py's docstring promises editors."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli.content import content
from domain.ask.danger import (
    DangerSigns,
    DangerSignsError,
    check_danger_signs,
    load_danger_signs,
    phrase_matches,
)
from domain.ask.text import words
from domain.content.errors import ContentError
from domain.content.model import Library
from domain.selection import ChildStage
from tests.ask.conftest import SIGNS_YAML
from tests.ask.quality import TODAY
from tests.content.factories import TEST_LIBRARY


def errors_of(tmp_path: Path, library: Library, text: str) -> list[str]:
    path = tmp_path / "danger-signs.yaml"
    path.write_text(text, encoding="utf-8")
    return [p.format(relative_to=tmp_path) for p in check_danger_signs(path, library)]


def test_a_good_list_loads(signs_file: Path, library: Library) -> None:
    signs = load_danger_signs(signs_file, library)
    assert [sign.id for sign in signs.signs] == [
        "not-breathing",
        "fever-under-3-months",
        "domestic-abuse",
    ]
    assert signs.urgent_tips["wales"] == "h-urgent-help-wales"
    assert signs.signs[1].child_under_days == 91


def test_faults_are_reported_with_their_lines(tmp_path: Path, library: Library) -> None:
    text = SIGNS_YAML.replace("wales: h-urgent-help-wales", "wales: h-urgent-help-england")
    text = text.replace("  northern-ireland: h-urgent-help-northern-ireland\n", "")
    text = text.replace("also: [h-feeling-safe-at-home-england,", "also: [h-no-such-tip,")
    text = text.replace("  - id: fever-under-3-months", "  - id: Fever Under 3")
    text = text.replace("child_under: 3 months", "child_under: soon")
    text = text.replace('      ur: ["بخار"]\n', '      xx: ["fever"]\n')
    text = text.replace('cy: ["ddim yn anadlu"]', 'cy: ["?!"]')
    assert errors_of(tmp_path, library, text) == [
        "danger-signs.yaml:3: error: urgent_tips: 'h-urgent-help-england' is not for wales",
        "danger-signs.yaml:2: error: urgent_tips: northern-ireland is missing",
        "danger-signs.yaml:9: error: sign 'not-breathing': the phrase '?!' has no words",
        "danger-signs.yaml:13: error: id must be lower-case words joined by hyphens, "
        "e.g. blue-lips",
        "danger-signs.yaml:22: error: sign 'domestic-abuse': also: unknown tip id 'h-no-such-tip'",
    ]
    # the sign with a bad id is left out, so its other faults wait for the id to be fixed
    text = text.replace("  - id: Fever Under 3", "  - id: fever-under-3-months")
    assert errors_of(tmp_path, library, text)[3:] == [
        "danger-signs.yaml:14: error: sign 'fever-under-3-months': child_under must be an age "
        "such as '3 months' or '8 weeks'",
        "danger-signs.yaml:20: error: sign 'fever-under-3-months': unknown language 'xx'",
        "danger-signs.yaml:16: error: sign 'fever-under-3-months': phrases in ur are missing",
        "danger-signs.yaml:22: error: sign 'domestic-abuse': also: unknown tip id 'h-no-such-tip'",
    ]


def test_structure_faults(tmp_path: Path, library: Library) -> None:
    assert errors_of(tmp_path, library, "urgent_tips: [a\n") == [
        "danger-signs.yaml:2: error: YAML syntax error: expected ',' or ']', but got '<stream end>'"
    ]
    assert errors_of(tmp_path, library, "signs: []\nextra: 1\n") == [
        "danger-signs.yaml:2: error: unknown key 'extra' (expected urgent_tips and signs)",
        "danger-signs.yaml:1: error: urgent_tips is missing",
    ]
    duplicate = SIGNS_YAML.replace("id: domestic-abuse", "id: not-breathing")
    assert errors_of(tmp_path, library, duplicate) == [
        "danger-signs.yaml:22: error: sign 'not-breathing' is given twice"
    ]


def test_load_raises_a_content_error_with_every_fault(tmp_path: Path, library: Library) -> None:
    path = tmp_path / "danger-signs.yaml"
    path.write_text(SIGNS_YAML.replace("h-urgent-help-scotland", "h-nope"), encoding="utf-8")
    with pytest.raises(ContentError) as raised:
        load_danger_signs(path, library)
    assert isinstance(raised.value, DangerSignsError)
    assert str(raised.value).endswith(
        "danger-signs.yaml:4: error: urgent_tips: scotland: unknown tip id 'h-nope'"
    )
    with pytest.raises(DangerSignsError, match="danger-sign list is missing"):
        load_danger_signs(tmp_path / "absent.yaml", library)


def test_content_check_reports_the_list(tmp_path: Path) -> None:
    library_dir = tmp_path / "content"
    shutil.copytree(TEST_LIBRARY, library_dir)
    (library_dir / "danger-signs.yaml").write_text("urgent_tips: {}\nsigns: []\n", encoding="utf-8")
    result = CliRunner().invoke(content, ["check", str(library_dir)])
    assert result.exit_code == 1
    assert "danger-signs.yaml:1: error: urgent_tips: england is missing" in result.output


@pytest.fixture
def signs(signs_file: Path, library: Library) -> DangerSigns:
    return load_danger_signs(signs_file, library)


def matched(signs: DangerSigns, question: str, *children: ChildStage) -> str | None:
    sign = signs.match(question, children=children, today=TODAY)
    return sign.id if sign is not None else None


@pytest.mark.parametrize(
    "question",
    [
        "My baby is NOT breathing!",  # case, punctuation
        "he's not really breathing properly",  # up to two words between
        "not breathing",
        "babi ddim yn anadlu",
        "moje dziecko nie oddycha",
        "Дитина не дихає",
        "بچہ سانس نہیں لے رہا",
        "her lips went blue lips",
        "he had a fit",  # a short stem matches the whole word "fit"...
        "he is fitting",  # ...and its longer forms
        "not brething",  # one typo in a long word ("breathing", 9 letters)
    ],
)
def test_phrases_match(signs: DangerSigns, question: str) -> None:
    assert matched(signs, question) == "not-breathing"


@pytest.mark.parametrize(
    "question",
    [
        "breathing not good",  # wrong order
        "not able to sleep but breathing fine",  # more than two words between
        "how do I fix a car seat",  # no phrase
        "is this outfit warm",  # a phrase word must start a word
        "nie odd ycha",  # split words
    ],
)
def test_phrases_do_not_match(signs: DangerSigns, question: str) -> None:
    assert matched(signs, question) is None


def test_polish_and_ukrainian_without_diacritics_and_any_apostrophe(signs: DangerSigns) -> None:
    assert matched(signs, "ma goraczke i drgawki") == "not-breathing"
    assert matched(signs, "ma GORĄCZKĘ i DRGAWKI") == "not-breathing"
    for apostrophe in ("'", "’", "ʼ"):
        assert matched(signs, f"партнер мене б{apostrophe}є") == "domestic-abuse"
    assert matched(signs, "болять мʼязи") == "not-breathing"


def test_urdu_typed_with_an_arabic_keyboard(signs: DangerSigns) -> None:
    # Arabic yeh (ي) and heh (ه) for the Urdu ی and ہ, and a zabar mark
    assert matched(signs, "ہونٹ نيلے ہو گئے") == "not-breathing"
    assert matched(signs, "میرا شَوهر مارتا ہے") == "domestic-abuse"


def test_child_under_counts_only_for_a_young_baby(signs: DangerSigns) -> None:
    newborn = ChildStage(birth_date=TODAY - timedelta(days=30))
    toddler = ChildStage(birth_date=TODAY - timedelta(days=400))
    expecting = ChildStage(due_date=TODAY + timedelta(days=30))
    assert matched(signs, "she has a high temperature", newborn) == "fever-under-3-months"
    assert matched(signs, "she has a high temperature", toddler, newborn) == "fever-under-3-months"
    assert matched(signs, "she has a high temperature", toddler) is None
    assert matched(signs, "she has a high temperature", expecting) is None
    assert matched(signs, "she has a high temperature") is None
    assert matched(signs, "dziecko ma gorączkę", newborn) == "fever-under-3-months"


def test_short_phrase_words_match_whole_words_only() -> None:
    assert phrase_matches(("he", "hits"), words("he hits me"))
    assert not phrase_matches(("he", "hits"), words("help, she hits me"))
