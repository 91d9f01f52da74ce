"""The content library's data: topics, tips, their texts in each language, and the library.

Everything here is immutable and built by the loader (`domain.content.loader`); rules that
depend on the date take `today` as an argument.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from domain.content.errors import Problem, Severity

REGIONS: tuple[str, ...] = ("england", "wales", "scotland", "northern-ireland")
ALL_MONTHS: frozenset[int] = frozenset(range(1, 13))
DEFAULT_PRIORITY = 3
REVIEW_DUE_DAYS = 30  # editors are told, and the dashboard lists it, this long before review_by


class ReviewState(enum.Enum):
    """Where a text stands against its `review_by` date on a given day."""

    CURRENT = "current"
    DUE = "due"  # review_by falls within REVIEW_DUE_DAYS
    OVERDUE = "overdue"  # past review_by: the facts may be stale


def review_state(review_by: date, today: date) -> ReviewState:
    """The one review rule: overdue after `review_by`, due within REVIEW_DUE_DAYS of it."""
    if today > review_by:
        return ReviewState.OVERDUE
    if review_by <= today + timedelta(days=REVIEW_DUE_DAYS):
        return ReviewState.DUE
    return ReviewState.CURRENT


class ReviewStatus(enum.StrEnum):
    """Whether a translation has been checked by a native speaker."""

    REVIEWED = "reviewed"
    AWAITING_REVIEW = "awaiting-review"


@dataclass(frozen=True, slots=True)
class Topic:
    """A subject families choose to receive, from topics.yaml."""

    id: str
    emoji: str
    order: int
    sources_required: bool
    names: Mapping[str, str]
    descriptions: Mapping[str, str]

    def name(self, language: str) -> str:
        """The name in `language`, else in the default language (listed first)."""
        return self.names.get(language) or next(iter(self.names.values()))

    def description(self, language: str) -> str:
        """The one-line description in `language`, else in the default language."""
        return self.descriptions.get(language) or next(iter(self.descriptions.values()))


@dataclass(frozen=True, slots=True)
class Source:
    """Evidence behind a tip: a title and an https URL."""

    title: str
    url: str


@dataclass(frozen=True, slots=True)
class PregnancyWindow:
    """Weeks of pregnancy, `from_week` inclusive, `until_week` exclusive."""

    from_week: int
    until_week: int

    def contains(self, week: int) -> bool:
        return self.from_week <= week < self.until_week


@dataclass(frozen=True, slots=True)
class AgeWindow:
    """A child's age in days, `from_days` inclusive, `until_days` exclusive."""

    from_days: int
    until_days: int

    def contains(self, age_days: int) -> bool:
        return self.from_days <= age_days < self.until_days


@dataclass(frozen=True, slots=True)
class TipText:
    """A tip's words in one language: the master's own, or a translation's."""

    language: str
    title: str
    body_markdown: str
    review_status: ReviewStatus
    path: Path
    line: int  # the file line where the Markdown body starts
    sources: tuple[Source, ...]
    reviewed: date | None = None
    review_by: date | None = None

    def is_review_overdue(self, today: date) -> bool:
        """An overdue translation is not sent: the master text goes out instead."""
        return (
            self.review_by is not None
            and review_state(self.review_by, today) is ReviewState.OVERDUE
        )


@dataclass(frozen=True, slots=True)
class Tip:
    """One tip: targeting from the master file, and its texts by language (master included)."""

    id: str
    title: str
    topics: tuple[str, ...]
    pregnancy: PregnancyWindow | None
    child_age: AgeWindow | None
    regions: frozenset[str]
    date_from: date | None
    date_until: date | None
    months: frozenset[int]  # all twelve when the tip has no season
    series: str | None
    series_part: int | None
    priority: int
    urgent: bool
    ignore_quiet_hours: bool
    essential: bool
    sources: tuple[Source, ...]
    reviewed: date
    review_by: date
    link_preview: bool
    image: Path | None
    language: str  # the master's language
    texts: Mapping[str, TipText]
    path: Path

    @property
    def primary_topic(self) -> str:
        return self.topics[0]

    @property
    def master(self) -> TipText:
        return self.texts[self.language]

    @property
    def is_for_everyone(self) -> bool:
        """True when the tip has no audience: every family, also those with no child yet."""
        return self.pregnancy is None and self.child_age is None

    @property
    def translations(self) -> Mapping[str, TipText]:
        return {lang: text for lang, text in self.texts.items() if lang != self.language}

    def text_for(self, language: str, *, today: date | None = None) -> TipText:
        """The text in `language`, else the master; with `today`, skips overdue translations."""
        text = self.texts.get(language)
        if text is None or (today is not None and text.is_review_overdue(today)):
            return self.master
        return text

    def is_review_overdue(self, today: date) -> bool:
        """Past `review_by` the facts may be stale: the tip is not sent until re-reviewed."""
        return review_state(self.review_by, today) is ReviewState.OVERDUE

    def is_in_date_window(self, today: date) -> bool:
        after_start = self.date_from is None or today >= self.date_from
        before_end = self.date_until is None or today <= self.date_until
        return after_start and before_end

    def is_in_season(self, today: date) -> bool:
        return today.month in self.months

    def is_sendable(self, today: date) -> bool:
        """The date rules alone: reviewed in time, inside `dates`, inside `season`.

        Audience, regions and cadence are the delivery engine's business.
        """
        return (
            not self.is_review_overdue(today)
            and self.is_in_date_window(today)
            and self.is_in_season(today)
        )


@dataclass(frozen=True, slots=True)
class LoadedFile:
    """A tip file in service: what the loader made of it and the hash of the bytes it read."""

    path: Path
    sha256: str
    tip_id: str
    language: str
    text: TipText
    master: Tip | None  # for a master file: its tip, holding only the master text
    lines: Mapping[str, int]  # the line of each front matter field, for later reports

    @property
    def is_master(self) -> bool:
        return self.master is not None


@dataclass(frozen=True, slots=True)
class Library:
    """The whole content library as loaded at one moment, with the problems found."""

    content_dir: Path
    languages: tuple[str, ...]  # the first is the default language
    topics: Mapping[str, Topic]  # in display order
    tips: Mapping[str, Tip]  # by id, sorted
    problems: tuple[Problem, ...]
    files: Mapping[Path, LoadedFile]  # the files in service, by path

    @property
    def default_language(self) -> str:
        return self.languages[0]

    @property
    def translation_count(self) -> int:
        return sum(len(tip.texts) - 1 for tip in self.tips.values())

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity is Severity.ERROR)

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity is Severity.WARNING)

    def text_for(self, tip: Tip, language: str, *, today: date | None = None) -> TipText:
        """The tip's text in `language`, else in the default language, else the master."""
        if language in tip.texts:
            return tip.text_for(language, today=today)
        return tip.text_for(self.default_language, today=today)

    def topic_of(self, tip: Tip) -> Topic:
        """The tip's primary topic (its folder and emoji)."""
        return self.topics[tip.primary_topic]

    @classmethod
    def empty(cls, content_dir: Path, *, problems: tuple[Problem, ...] = ()) -> Library:
        return cls(content_dir, ("en",), {}, {}, problems, {})
