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

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from domain.ask.danger import DangerSign, DangerSigns, urgent_tips_for, within_one_edit
from domain.ask.text import fold, plain_text, words
from domain.content.model import Library, Tip
from domain.selection import ChildStage, Profile, matches_audience

# Scores are cosine similarities (0-1) times the fit factor; tuned on tests/ask/questions
# with benchmarks/ask_quality.py (see docs/benchmarks.md).
CONFIDENT_SCORE = 0.045
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
class _Field:
    """One way of reading the texts: a vectorizer fitted on them, its matrix and its weight."""

    vectorizer: TfidfVectorizer
    matrix: Any  # scipy sparse, rows L2-normalised
    weight: float


@dataclass(frozen=True, slots=True)
class _LanguageIndex:
    """The texts of one language, read in each of the ANALYZERS' ways, and their tips."""

    fields: tuple[_Field, ...]
    tip_ids: tuple[str, ...]
    stem_sets: Mapping[str, frozenset[str]]  # each tip's stems, by tip id
    word_sets: Mapping[str, frozenset[str]]  # each tip's whole (folded) words, by tip id
    idf: Mapping[str, float]  # each stem's inverse document frequency in this language


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
        total = np.zeros(len(index.tip_ids))
        for each in index.fields:
            vector = each.vectorizer.transform([question])
            total += each.weight * np.asarray((each.matrix @ vector.T).todense()).ravel()
        return {
            tip_id: float(score)
            for tip_id, score in zip(index.tip_ids, total, strict=True)
            if score > 0
        }

    def coverage(self, question: str, language: str, tip_id: str) -> float:
        """The share of the question's stems, weighted by rarity, that the tip's text in
        `language` holds (0-1). A stem no tip has weighs most: a question about something
        the library never mentions ("passport") is not answered by a tip that shares its
        common words. A misspelt stem counts when the text has it with one typo."""
        index = self.languages.get(language)
        if index is None or tip_id not in index.stem_sets:
            return 0.0
        held = index.stem_sets[tip_id]
        rarest = max(index.idf.values(), default=1.0)
        total = covered = 0.0
        for word in dict.fromkeys(words(question)):
            stem = word[:STEM_LETTERS]
            weight = index.idf.get(stem, rarest)
            total += weight
            if stem in held or (
                stem not in index.idf
                and len(word) >= TYPO_MIN_LETTERS
                and any(within_one_edit(word, other) for other in index.word_sets[tip_id])
            ):
                covered += weight
        return covered / total if total else 0.0


def document(library: Library, tip: Tip, language: str) -> str:
    """The words a tip is found by in `language`: title (weighted), topic names, body."""
    text = tip.texts[language]
    topics = " ".join(
        library.topics[topic].names.get(language, "")
        for topic in tip.topics
        if topic in library.topics
    )
    return " ".join([*([text.title] * TITLE_WEIGHT), topics, plain_text(text.body_markdown)])


def stems(text: str) -> list[str]:
    """Folded words cut to STEM_LETTERS letters: a crude stemmer that suits every language."""
    return [word[:STEM_LETTERS] for word in words(text)]


def _char_vectorizer() -> TfidfVectorizer:
    return TfidfVectorizer(
        analyzer="char_wb", ngram_range=(3, 5), preprocessor=fold, sublinear_tf=True
    )


def _word_vectorizer() -> TfidfVectorizer:
    return TfidfVectorizer(analyzer=stems, sublinear_tf=True)


STEM_LETTERS = 5
TYPO_MIN_LETTERS = 5  # words this long count as held with one typo
COVERAGE_DEPTH = 5
ANALYZERS: list[tuple[Callable[[], TfidfVectorizer], float]] = [
    (_char_vectorizer, 0.5),
    (_word_vectorizer, 0.5),
]


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
        documents = [document(library, tip, language) for tip in tips]
        fields = []
        for make, weight in ANALYZERS:
            vectorizer = make()
            fields.append(_Field(vectorizer, vectorizer.fit_transform(documents), weight))
        words_field = fields[-1].vectorizer
        idf = dict(zip(words_field.get_feature_names_out(), words_field.idf_, strict=True))
        by_language[language] = _LanguageIndex(
            fields=tuple(fields),
            tip_ids=tuple(tip.id for tip in tips),
            stem_sets={
                tip.id: frozenset(stems(doc)) for tip, doc in zip(tips, documents, strict=True)
            },
            word_sets={
                tip.id: frozenset(words(doc)) for tip, doc in zip(tips, documents, strict=True)
            },
            idf={str(stem): float(value) for stem, value in idf.items()},
        )
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


@dataclass(frozen=True, slots=True)
class Candidate:
    """A tip that may answer the question, and why."""

    tip: Tip
    relevance: float  # cosine similarity of the question and the tip's text (0-1)
    coverage: float  # the share of the question's words the text holds (0-1)
    score: float  # what the ranking sorts by: relevance times fit
    language: str  # the language of the text that matched

    @property
    def confidence(self) -> float:
        return self.relevance * self.coverage


def rank(index: AskIndex, question: str, asker: Asker, *, today: date) -> list[Candidate]:
    """The answerable tips that share something with the question, best first; coverage is
    worked out for the first COVERAGE_DEPTH only (it decides confidence, not the order:
    weighing the order by it measured worse)."""
    found: dict[str, tuple[float, str]] = {}
    languages: Sequence[str] = (asker.language, index.library.default_language)
    for language in dict.fromkeys(languages):
        for tip_id, score in index.scores(question, language).items():
            if tip_id not in found or score > found[tip_id][0]:
                found[tip_id] = (score, language)
    fitted: list[tuple[Tip, float, float, str]] = []
    for tip_id, (relevance, language) in found.items():
        tip = index.library.tips[tip_id]
        if is_answerable(tip, asker.nation, today):
            fitted.append((tip, relevance, relevance * fit(tip, asker, today), language))
    fitted.sort(key=lambda item: (-item[2], -item[0].priority, item[0].id))
    return [
        Candidate(
            tip,
            relevance,
            index.coverage(question, language, tip.id) if at < COVERAGE_DEPTH else 0.0,
            score,
            language,
        )
        for at, (tip, relevance, score, language) in enumerate(fitted)
    ]


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
    ranked = [item for item in rank(index, question, asker, today=today) if item.tip not in urgent]
    confident = bool(ranked) and ranked[0].confidence >= CONFIDENT_SCORE
    tips: tuple[Tip, ...] = ()
    language = asker.language if asker.language in library.languages else library.default_language
    topic: str | None = None
    if confident:
        best = ranked[0].score
        tips = tuple(item.tip for item in ranked[:limit] if item.score >= best * RELATIVE_CUTOFF)
        language = ranked[0].language
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
