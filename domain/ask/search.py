"""Answering a parent's free-text question from the library: the index and the ranking.

Each tip is indexed in every language it has a current text in (the English master and its
translations): its title (weighted three times), its topics' names in that language and its
body's words. A question is compared, as TF-IDF vectors of character 3-5-grams within words
(scikit-learn's `char_wb` analyzer, after `domain.ask.text.fold`), with the texts in the
chat's language and with the English texts; a tip scores the better of the two. Character
n-grams need no stemmer, so inflected Polish, Ukrainian, Welsh and Urdu words and misspelt
words still share most of their n-grams with the tip's words.

Ranking: relevance times fit. Tips that are not for the family's nation, past `review_by` or
past their dates are never answers; a tip whose audience fits one of the family's children
(or everyone) is preferred over one for another stage. Below `CONFIDENT_SCORE` the answer
admits it has no tip (no guesses about health). A question with a danger sign always gets
the nation's urgent-help tip first (`domain.ask.danger`), whatever its audience.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from domain.ask.danger import DangerSign, DangerSigns, urgent_tips_for
from domain.ask.text import fold, plain_text
from domain.content.model import Library, Tip
from domain.selection import ChildStage, Profile, matches_audience

# Scores are cosine similarities (0-1) times the fit factor; tuned on tests/ask/questions
# with benchmarks/ask_quality.py (see docs/benchmarks.md).
CONFIDENT_SCORE = 0.12
# Tips after the first are shown only when they score at least this share of the best.
RELATIVE_CUTOFF = 0.6
TITLE_WEIGHT = 3
FIT_BONUS = 1.15  # the tip's audience fits one of the family's children
MISFIT_FACTOR = 0.85  # the family has children and the tip is for another stage


@dataclass(frozen=True, slots=True)
class Asker:
    """Who asks: the chat's language, nation and children (may be empty)."""

    language: str
    nation: str
    stages: tuple[ChildStage, ...] = ()


@dataclass(frozen=True, slots=True)
class Answer:
    """What the bot answers: urgent tips first, then up to `limit` tips, or an admission."""

    urgent: tuple[Tip, ...]
    tips: tuple[Tip, ...]
    confident: bool
    language: str
    topic: str | None
    danger_sign: str | None

    @property
    def shown(self) -> tuple[Tip, ...]:
        """Every tip of the answer in the order it is shown."""
        return self.urgent + self.tips


@dataclass(frozen=True, slots=True)
class _LanguageIndex:
    """The texts of one language: a vectorizer fitted on them and their tips' rows."""

    vectorizer: TfidfVectorizer
    matrix: object  # scipy sparse, rows L2-normalised
    tip_ids: tuple[str, ...]


class AskIndex:
    """The library's texts, searchable by language; build with `build_ask_index`."""

    def __init__(
        self,
        library: Library,
        danger_signs: DangerSigns,
        languages: Mapping[str, _LanguageIndex],
    ) -> None:
        self.library = library
        self.danger_signs = danger_signs
        self.languages = languages

    def scores(self, question: str, language: str) -> dict[str, float]:
        """Each tip's similarity to the question in `language` (0-1), for tips with a text."""
        index = self.languages.get(language)
        if index is None:
            return {}
        vector = index.vectorizer.transform([question])
        similarities = np.asarray((index.matrix @ vector.T).todense()).ravel()
        return {
            tip_id: float(score)
            for tip_id, score in zip(index.tip_ids, similarities, strict=True)
            if score > 0
        }


def document(library: Library, tip: Tip, language: str) -> str:
    """The words a tip is found by in `language`: title (weighted), topic names, body."""
    text = tip.texts[language]
    topics = " ".join(
        library.topics[topic].names.get(language, "")
        for topic in tip.topics
        if topic in library.topics
    )
    return " ".join([*([text.title] * TITLE_WEIGHT), topics, plain_text(text.body_markdown)])


def _vectorizer() -> TfidfVectorizer:
    return TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=(3, 5),
        preprocessor=fold,
        sublinear_tf=True,
        min_df=1,
    )


def build_ask_index(
    library: Library, danger_signs: DangerSigns, *, today: date | None = None
) -> AskIndex:
    """Index every tip in every language it has a text in (translations overdue for review
    on `today`, when given, are left out: the master is sent instead)."""
    by_language: dict[str, _LanguageIndex] = {}
    for language in library.languages:
        tips = [
            tip
            for tip in library.tips.values()
            if language in tip.texts
            and (today is None or not tip.texts[language].is_review_overdue(today))
        ]
        if not tips:
            continue
        vectorizer = _vectorizer()
        matrix = vectorizer.fit_transform([document(library, tip, language) for tip in tips])
        by_language[language] = _LanguageIndex(vectorizer, matrix, tuple(tip.id for tip in tips))
    return AskIndex(library, danger_signs, by_language)


def is_answerable(tip: Tip, nation: str, today: date) -> bool:
    """A tip may answer a question: for the nation, reviewed in time, not past its dates."""
    return (
        nation in tip.regions
        and not tip.is_review_overdue(today)
        and (tip.date_until is None or today <= tip.date_until)
    )


def fit(tip: Tip, asker: Asker, today: date) -> float:
    """How well the tip's audience suits the family: a factor around 1."""
    if tip.is_for_everyone or not asker.stages:
        return 1.0
    profile = Profile(topics=frozenset(), region=asker.nation, children=asker.stages)
    return FIT_BONUS if matches_audience(tip, profile, today) else MISFIT_FACTOR


def rank(
    index: AskIndex, question: str, asker: Asker, *, today: date
) -> list[tuple[Tip, float, str]]:
    """Every answerable tip that shares something with the question, best first, with its
    score and the language of the text that matched."""
    found: dict[str, tuple[float, str]] = {}
    languages: Sequence[str] = (asker.language, index.library.default_language)
    for language in dict.fromkeys(languages):
        for tip_id, score in index.scores(question, language).items():
            if tip_id not in found or score > found[tip_id][0]:
                found[tip_id] = (score, language)
    ranked: list[tuple[Tip, float, str]] = []
    for tip_id, (score, language) in found.items():
        tip = index.library.tips[tip_id]
        if is_answerable(tip, asker.nation, today):
            ranked.append((tip, score * fit(tip, asker, today), language))
    ranked.sort(key=lambda item: (-item[1], -item[0].priority, item[0].id))
    return ranked


def answer_question(
    index: AskIndex, question: str, asker: Asker, *, today: date, limit: int = 3
) -> Answer:
    """The urgent tips if the question has a danger sign, then the best `limit` tips, or an
    admission (confident=False, no tips) when nothing scores CONFIDENT_SCORE."""
    library = index.library
    sign: DangerSign | None = index.danger_signs.match(question, children=asker.stages, today=today)
    urgent = (
        urgent_tips_for(index.danger_signs, library, sign, asker.nation) if sign is not None else ()
    )
    ranked = [item for item in rank(index, question, asker, today=today) if item[0] not in urgent]
    confident = bool(ranked) and ranked[0][1] >= CONFIDENT_SCORE
    tips: tuple[Tip, ...] = ()
    language = asker.language if asker.language in library.languages else library.default_language
    topic: str | None = None
    if confident:
        best = ranked[0][1]
        tips = tuple(tip for tip, score, _ in ranked[:limit] if score >= best * RELATIVE_CUTOFF)
        language = ranked[0][2]
        if language != asker.language and asker.language in tips[0].texts:
            language = asker.language
        topic = tips[0].primary_topic
    elif urgent:
        topic = urgent[0].primary_topic
    return Answer(
        urgent=urgent,
        tips=tips,
        confident=confident or bool(urgent),
        language=language,
        topic=topic,
        danger_sign=sign.id if sign is not None else None,
    )
