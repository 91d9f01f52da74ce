"""Answering a parent's free-text question from the library: the index and the ranking.

Each tip is indexed in every language it has a current text in (the English master and its
translations): its title (weighted three times), its topics' names in that language and its
body's words, all folded by `domain.ask.text.fold`. Two TF-IDF fields (scikit-learn), mixed
half and half: character 3-5-grams within words (`char_wb`), which need no stemmer, so
inflected Polish, Ukrainian, Welsh and Urdu words and misspelt words still share most of
their n-grams with the tip's words; and word stems (words cut to STEM_LETTERS letters).

A question is searched without its stop words (`domain.ask.stopwords`: greetings, question
words, fillers), and its Urdu-script spellings of English words are read as the English words
(`domain.ask.loanwords`). It is compared with the texts in the chat's language and with the
English texts.
Tips with no translation in the chat's language are reached through a bridge: the question's
stems stand for the English stems they are translated by in the library's own translations
(learnt line by line, see `_bridge`), compared with the English texts. A tip scores the best
of the three (the bridge counts BRIDGE_WEIGHT).

Ranking: relevance times fit. Tips that are not for the family's nation, past `review_by` or
past their dates are never answers; a tip whose audience fits one of the family's children
(or everyone) is preferred over one for another stage. Confidence is the best tip's relevance
times its coverage of the question (the share of the question's words, weighted by rarity,
that the tip holds); below CONFIDENT_SCORE, or below LONE_MATCH_SCORE for a best tip far
ahead of all others, the answer admits it has no tip and shows none (no guesses about
health). A question with a danger sign always gets the nation's urgent-help
tip first (`domain.ask.danger`), whatever its audience.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.feature_extraction.text import TfidfVectorizer

from domain.ask.danger import DangerSign, DangerSigns, urgent_tips_for, within_one_edit
from domain.ask.loanwords import loanword_table, script_key
from domain.ask.stopwords import stop_words
from domain.ask.text import fold, plain_text, words
from domain.content.model import Library, Tip
from domain.selection import ChildStage, Profile, matches_audience

# The least confidence (the best tip's relevance times its coverage of the question) for an
# answer; tuned on tests/ask/questions with benchmarks/ask_quality.py (docs/benchmarks.md).
CONFIDENT_SCORE = 0.06
# A best tip far ahead of the next (relevance under this share of its own) matched one rare
# word of the question that no other tip has; it answers only with this much confidence.
LONE_MATCH_RATIO = 0.3
LONE_MATCH_SCORE = 0.15
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

    urgent: tuple[Tip, ...]  # the nation's urgent-help tip and the sign's extra tips, or ()
    tips: tuple[Tip, ...]  # up to `limit` best tips, none of them urgent; () when not confident
    confident: bool  # False: the bot has no tip on that (True whenever `urgent` is not empty)
    language: str  # the language of the best tip's text ("en" when it has no translation)
    topic: str | None  # the best tip's first topic (else the urgent tip's), for stats
    danger_sign: str | None  # the id of the sign found, for stats

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

    language: str
    fields: tuple[_Field, ...]
    tip_ids: tuple[str, ...]
    stem_sets: Mapping[str, frozenset[str]]  # each tip's stems, by tip id
    word_sets: Mapping[str, frozenset[str]]  # each tip's whole (folded) words, by tip id
    idf: Mapping[str, float]  # each stem's inverse document frequency in this language


@dataclass(frozen=True, slots=True)
class _Bridge:
    """A question in one language read as English stems, to reach the tips that have no
    translation in it: each stem stands for the English stems that are most typical of the
    translated tips holding it (learnt from the library's own translations)."""

    vectorizer: TfidfVectorizer  # the language's stem field
    translation: Any  # sparse: the language's stems x English stems
    english: Mapping[str, frozenset[str]]  # each stem's English stems, for coverage


class AskIndex:
    """The library's texts, searchable by language; build with `build_ask_index`."""

    def __init__(
        self,
        library: Library,
        danger_signs: DangerSigns,
        languages: Mapping[str, _LanguageIndex],
        bridges: Mapping[str, _Bridge] | None = None,
        loanwords: Mapping[str, str] | None = None,
    ) -> None:
        self.library = library
        self.danger_signs = danger_signs
        self.languages = languages
        self.bridges = bridges or {}
        self.loanwords = loanwords or {}
        self.latin_words = {  # the Latin-letter words of each language's texts, in 2 or more
            language: frozenset(
                word
                for word, texts in Counter(
                    word for held in each.word_sets.values() for word in held
                ).items()
                if texts >= 2 and word.isascii() and word.isalpha()
            )
            for language, each in languages.items()
        }

    def read_loanwords(self, question: str, language: str) -> str:
        """The question with its Urdu-script or Cyrillic spellings of English words read as
        the English words (`domain.ask.loanwords`): "چائلڈ بینیفٹ", "чайлд бенефіт" ->
        "child benefit".

        A word no text in `language` holds is replaced by the English word when their
        skeleton has LOANWORD_SURE_KEY letters or more, or when two or more texts in
        `language` keep that English word in Latin letters ("Child Benefit"): short
        skeletons of unknown native words match English words by chance ("قبض",
        constipation, is no "cubes"). A word the texts hold gets the English one beside it
        when the texts in `language` keep it in Latin letters too and the tips holding the
        word mostly have the English word (some translations write "چائلڈ بینیفٹ", some
        "Child Benefit")."""
        index = self.languages.get(language)
        known = index.idf if index is not None else {}
        latin = self.latin_words.get(language, frozenset())
        read = []
        for word in question.split():
            key = script_key(word)
            english = self.loanwords.get(key)
            if english is None:
                read.append(word)
            elif word[:STEM_LETTERS] not in known:
                sure = len(key) >= LOANWORD_SURE_KEY or english in latin
                read.append(english if sure else word)
            elif english in latin and self._masters_hold(word, english, language):
                read.extend((word, english))
            else:
                read.append(word)
        return " ".join(read)

    def _masters_hold(self, word: str, english: str, language: str) -> bool:
        """Most tips (LOANWORD_CONFIRMED) whose text in `language` has `word` have `english`
        in their English text ("چائلڈ کیئر" is "childcare" in some):
        `word` is a spelling of `english` ("چائلڈ" of "child"), not a word that merely
        sounds alike ("بستر", bed, is no "booster")."""
        index = self.languages.get(language)
        master = self.languages.get(self.library.default_language)
        if index is None or master is None:
            return False
        holders = [tip_id for tip_id, held in index.word_sets.items() if word in held]
        confirmed = sum(english in master.word_sets.get(tip_id, ()) for tip_id in holders)
        return bool(holders) and confirmed >= len(holders) * LOANWORD_CONFIRMED

    def bridged_scores(self, question: str, language: str) -> dict[str, float]:
        """Each tip's similarity to the question read through the `language` -> English
        bridge, on the tips' English texts (0-1)."""
        bridge = self.bridges.get(language)
        target = self.languages.get(self.library.default_language)
        if bridge is None or target is None:
            return {}
        english = bridge.vectorizer.transform([question]) @ bridge.translation
        norm = np.sqrt(english.multiply(english).sum())
        if norm == 0:
            return {}
        similarities = (target.fields[-1].matrix @ (english / norm).T).toarray().ravel()
        return {
            tip_id: float(score)
            for tip_id, score in zip(target.tip_ids, similarities, strict=True)
            if score > 0
        }

    def bridged_coverage(self, question: str, language: str, tip_id: str) -> float:
        """`coverage` through the bridge: a stem counts when one of its English stems is in
        the tip's English text."""
        bridge = self.bridges.get(language)
        index = self.languages.get(language)
        target = self.languages.get(self.library.default_language)
        if bridge is None or index is None or target is None:
            return 0.0
        held = target.stem_sets.get(tip_id, frozenset())
        english = bridge.english
        return weighted_share(
            question,
            index.idf,
            lambda _word, stem: stem in held or not held.isdisjoint(english.get(stem, ())),
        )

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
        held, typed = index.stem_sets[tip_id], index.word_sets[tip_id]
        idf = index.idf
        return weighted_share(
            question,
            idf,
            lambda word, stem: (
                stem in held
                or (
                    stem not in idf
                    and len(word) >= TYPO_MIN_LETTERS
                    and any(within_one_edit(word, other) for other in typed)
                )
            ),
        )


def weighted_share(
    question: str, idf: Mapping[str, float], covers: Callable[[str, str], bool]
) -> float:
    """The share of the question's stems, each weighted by its rarity (a stem no tip has weighs
    as much as the rarest), for which `covers(word, stem)` holds (0-1)."""
    rarest = max(idf.values(), default=1.0)
    total = covered = 0.0
    for word in dict.fromkeys(words(question)):
        stem = word[:STEM_LETTERS]
        weight = idf.get(stem, rarest)
        total += weight
        if covers(word, stem):
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
LOANWORD_CONFIRMED = 0.5
LOANWORD_SURE_KEY = 4  # skeleton letters
BRIDGED = "bridged"  # a match through the bridge, on the English text
TYPO_MIN_LETTERS = 5  # words this long count as held with one typo
COVERAGE_DEPTH = 5
BRIDGE_STEMS = 3  # English stems each stem of another language stands for
BRIDGE_MIN_DICE = 0.3
BRIDGE_WEIGHT = 0.8  # a bridged score counts this much against a direct one
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
            language=language,
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
    bridges = {
        language: _bridge(library, by_language[language], by_language[library.default_language])
        for language in by_language
        if language != library.default_language and library.default_language in by_language
    }
    english = by_language.get(library.default_language)
    loanwords = (
        loanword_table(word for each in english.word_sets.values() for word in each)
        if english is not None
        else {}
    )
    return AskIndex(library, danger_signs, by_language, bridges, loanwords)


def segments(library: Library, tip: Tip, language: str) -> list[str]:
    """The tip's title and each line of its body in `language`: translations keep the
    master's lines, so these pair up line by line with the English ones."""
    text = tip.texts[language]
    lines = [line for line in plain_text(text.body_markdown).split("\n") if line.strip()]
    return [text.title, *lines]


def _bridge(library: Library, source: _LanguageIndex, english: _LanguageIndex) -> _Bridge:
    """Learn which English stems each stem of `source`'s language stands for, from the tips
    translated into it, line by line: the Dice coefficient of the two stems over the
    translated lines (2 x lines with both / (lines with one + lines with the other)), the
    BRIDGE_STEMS best of at least BRIDGE_MIN_DICE kept."""
    stems_field = source.fields[-1]
    english_field = english.fields[-1]
    language_lines: list[str] = []
    english_lines: list[str] = []
    for tip_id in source.tip_ids:
        tip = library.tips[tip_id]
        translated = segments(library, tip, source.language)
        master = segments(library, tip, library.default_language)
        if len(translated) == len(master):
            language_lines.extend(translated)
            english_lines.extend(master)
    held = (stems_field.vectorizer.transform(language_lines) > 0).astype(np.float64).tocsc()
    english_held = (
        (english_field.vectorizer.transform(english_lines) > 0).astype(np.float64).tocsc()
    )
    both = (held.T @ english_held).toarray()
    counts = np.asarray(held.sum(axis=0)).ravel()
    english_counts = np.asarray(english_held.sum(axis=0)).ravel()
    dice = 2 * both / np.maximum(counts[:, None] + english_counts[None, :], 1)
    keep = max(1, min(BRIDGE_STEMS, dice.shape[1]))
    top = np.argpartition(-dice, keep - 1, axis=1)[:, :keep]
    rows = np.repeat(np.arange(dice.shape[0]), keep)
    values = dice[rows, top.ravel()]
    values[values < BRIDGE_MIN_DICE] = 0
    translation = csr_matrix((values, (rows, top.ravel())), shape=dice.shape)
    translation.eliminate_zeros()
    names = english_field.vectorizer.get_feature_names_out()
    vocabulary = stems_field.vectorizer.get_feature_names_out()
    english_of = {
        str(vocabulary[row]): frozenset(
            str(names[column])
            for column in translation.indices[translation.indptr[row] : translation.indptr[row + 1]]
        )
        for row in range(translation.shape[0])
    }
    return _Bridge(stems_field.vectorizer, translation, english_of)


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


def content_words(question: str, language: str, default_language: str = "en") -> str:
    """The question's folded words without its stop words (`domain.ask.stopwords`)."""
    stop = stop_words(language, default_language)
    return " ".join(word for word in words(question) if word not in stop)


def rank(index: AskIndex, question: str, asker: Asker, *, today: date) -> list[Candidate]:
    """The answerable tips that share something with the question, best first; coverage is
    worked out for the first COVERAGE_DEPTH only (it decides confidence, not the order:
    weighing the order by it measured worse)."""
    question = content_words(question, asker.language, index.library.default_language)
    if not question:
        return []
    question = index.read_loanwords(question, asker.language)
    found: dict[str, tuple[float, str]] = {}
    languages: Sequence[str] = (asker.language, index.library.default_language)
    for language in dict.fromkeys(languages):
        for tip_id, score in index.scores(question, language).items():
            if tip_id not in found or score > found[tip_id][0]:
                found[tip_id] = (score, language)
    for tip_id, score in index.bridged_scores(question, asker.language).items():
        if tip_id not in found or score * BRIDGE_WEIGHT > found[tip_id][0]:
            found[tip_id] = (score * BRIDGE_WEIGHT, BRIDGED)
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
            _coverage(index, question, asker.language, language, tip.id)
            if at < COVERAGE_DEPTH
            else 0.0,
            score,
            index.library.default_language if language == BRIDGED else language,
        )
        for at, (tip, relevance, score, language) in enumerate(fitted)
    ]


def _coverage(index: AskIndex, question: str, asked_in: str, matched_in: str, tip_id: str) -> float:
    if matched_in == BRIDGED:
        return index.bridged_coverage(question, asked_in, tip_id)
    return index.coverage(question, matched_in, tip_id)


def is_confident(ranked: Sequence[Candidate]) -> bool:
    """The best tip answers the question: its confidence is at least CONFIDENT_SCORE, and
    when it is a lone match (the next tip's relevance under LONE_MATCH_RATIO of its own: the
    two share one rare word that no other tip has, "passport", "cradle cap"), at least
    LONE_MATCH_SCORE."""
    best = ranked[0]
    if best.confidence < CONFIDENT_SCORE:
        return False
    runner_up = ranked[1].relevance if len(ranked) > 1 else 0.0
    lone = runner_up < best.relevance * LONE_MATCH_RATIO
    return not lone or best.confidence >= LONE_MATCH_SCORE


def answer_question(
    index: AskIndex, question: str, asker: Asker, *, today: date, limit: int = 3
) -> Answer:
    """The urgent tips if the question has a danger sign, then the best `limit` tips, or an
    admission (confident=False, no tips) when the best tip's confidence is under
    CONFIDENT_SCORE. `language` is the language of the best tip's text shown: the asker's
    when the tip has a text in it, else the default language (English)."""
    library = index.library
    sign: DangerSign | None = index.danger_signs.match(question, children=asker.stages, today=today)
    urgent = (
        urgent_tips_for(index.danger_signs, library, sign, asker.nation) if sign is not None else ()
    )
    ranked = [item for item in rank(index, question, asker, today=today) if item.tip not in urgent]
    confident = bool(ranked) and is_confident(ranked)
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
