"""Answer quality on the question sets in tests/ask/questions (quality only; the answer time
is measured by benchmarks/ask_quality.py). The numbers and the trade-offs behind the floors
are in docs/benchmarks.md ("Ask tipsbot: answer quality")."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.ask import AskIndex, build_ask_index, load_danger_signs
from domain.ask.danger import DANGER_SIGNS_FILE
from domain.content.model import Library
from tests.ask.conftest import REPO
from tests.ask.quality import LANGUAGES, QUESTIONS_DIR, TODAY, Score, load_questions, score

# The targets are recall@3 >= 85 % in English and >= 70 % in the other languages.
# Polish, Ukrainian and Urdu do not reach 70 % yet (see docs/benchmarks.md: most misses are
# questions whose only answers have no translation in that language); their floors are the
# measured recall less a few questions' margin, so that a change that loses ground fails.
RECALL_AT_3 = {"en": 0.85, "cy": 0.70, "pl": 0.65, "uk": 0.62, "ur": 0.55}
# Unanswerable questions the bot must admit: the share it does today less a margin (the
# threshold trades these against answerable questions wrongly admitted; see the benchmark).
ADMITTED = {"en": 0.40, "cy": 0.25, "pl": 0.40, "uk": 0.25, "ur": 0.08}
# Answerable questions wrongly admitted as unknown stay rare.
WRONGLY_ADMITTED_AT_MOST = 0.18


@pytest.fixture(scope="module")
def index(library: Library) -> AskIndex:
    signs = load_danger_signs(REPO / "content" / DANGER_SIGNS_FILE, library)
    return build_ask_index(library, signs, today=TODAY)


@pytest.fixture(scope="module")
def scores(index: AskIndex) -> dict[str, Score]:
    return {language: score(index, load_questions(language), language) for language in LANGUAGES}


def test_every_language_has_a_question_set() -> None:
    for language in LANGUAGES:
        questions = load_questions(language)
        assert len(questions) >= 60, language
        assert any(not q.answerable for q in questions), language
        assert any(q.urgent for q in questions), language
    assert Path(QUESTIONS_DIR).is_dir()


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_danger_sign_question_gets_the_urgent_tip_first(
    scores: dict[str, Score], language: str
) -> None:
    result = scores[language]
    missed = [q.text for q, a in result.misses if q.urgent]
    assert result.urgent > 0
    assert result.urgent_first == result.urgent, missed


@pytest.mark.parametrize("language", LANGUAGES)
def test_recall_at_3(scores: dict[str, Score], language: str) -> None:
    assert scores[language].recall_at_3 >= RECALL_AT_3[language]


@pytest.mark.parametrize("language", LANGUAGES)
def test_unanswerable_questions_are_admitted(scores: dict[str, Score], language: str) -> None:
    result = scores[language]
    assert result.admitted_share >= ADMITTED[language]
    assert result.wrongly_admitted_share <= WRONGLY_ADMITTED_AT_MOST
