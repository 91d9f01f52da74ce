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

# The targets: recall@3 >= 85 % in English and >= 70 % in the other languages. All
# five reach them on the full sets since the translations of the most asked-about tips
# (en 89 %, cy 92 %, pl 85 %, uk 79 %, ur 82 %; see docs/benchmarks.md).
RECALL_AT_3 = {"en": 0.85, "cy": 0.70, "pl": 0.70, "uk": 0.70, "ur": 0.70}
# Unanswerable questions the bot must admit: the share it does today less a margin (the
# threshold trades these against answerable questions wrongly admitted; see the benchmark).
# Measured: en 53 %, cy 27 %, pl 75 %, uk 50 %, ur 42 % (of 11-15 questions each).
ADMITTED = {"en": 0.45, "cy": 0.18, "pl": 0.60, "uk": 0.40, "ur": 0.33}
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
