"""Reading one tip file (a master or a translation) into a `LoadedFile`, or problems.

Everything that can be checked from the file alone is checked here; checks across files
(duplicate ids, translations without a master, a translation's full message length) are the
loader's. A file with any error yields no `LoadedFile`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from types import MappingProxyType

from yaml.nodes import Node

from domain.content.errors import (
    FrontMatterError,
    Problem,
    RenderError,
    Severity,
    error,
    info,
    warning,
)
from domain.content.frontmatter import (
    Entry,
    FrontMatter,
    NodeReader,
    did_you_mean,
    parse_front_matter,
)
from domain.content.model import (
    ALL_MONTHS,
    DEFAULT_PRIORITY,
    REGIONS,
    AgeWindow,
    LoadedFile,
    PregnancyWindow,
    ReviewState,
    ReviewStatus,
    SeriesRole,
    Source,
    Tip,
    TipText,
    Topic,
    review_state,
    week_part,
)
from domain.content.render import (
    ENTITY_LIMIT,
    entity_count,
    render_markdown,
    render_tip,
    telegram_text,
)
from domain.content.rules import (
    AGE_PATTERN,
    AUDIENCE_ANY,
    AUDIENCE_EVERYONE,
    AUDIENCE_FIELDS,
    BODY_SOFT_LIMIT,
    HTTPS_URL_PATTERN,
    ID_MAX_LENGTH,
    ID_MIN_LENGTH,
    ID_PATTERN,
    IMAGE_MAX_BYTES,
    IMAGE_PATTERN,
    MASTER_FIELDS,
    MASTER_ONLY_FIELDS,
    MASTER_REQUIRED,
    MONTH_RANGE,
    ONE_LINE_TEXT_PATTERN,
    PREGNANCY_FROM_RANGE,
    PREGNANCY_UNTIL_RANGE,
    PRIORITY_RANGE,
    REVIEW_STATUSES,
    SCHOOL_YEAR_FIELDS,
    SERIES_FIELDS,
    SERIES_PART_MIN,
    SERIES_ROLES,
    SERIES_WEEK_MIN,
    SLUG_PATTERN,
    SOURCE_FIELDS,
    TITLE_MAX_LENGTH,
    TRANSLATION_FIELDS,
    TRANSLATION_REQUIRED,
    WINDOW_FIELDS,
)
from domain.content.stages import (
    MAX_CHILD_AGE_DAYS,
    MAX_PREGNANCY_WEEK,
    MIN_PREGNANCY_WEEK,
    age_in_days,
)
from domain.content.wording import decimal_point_wording, everyone_wording
from domain.schoolyear import (
    ALL_TERMS,
    FIRST_YEAR,
    LAST_YEAR,
    YEAR_NAMES,
    SchoolYearWindow,
    Term,
)

FRONT_MATTER = "the front matter"


@dataclass(frozen=True, slots=True)
class LoadContext:
    """What a tip file is checked against."""

    content_dir: Path
    languages: tuple[str, ...]
    topics: Mapping[str, Topic]
    today: date

    @property
    def default_language(self) -> str:
        return self.languages[0]


@dataclass(frozen=True, slots=True)
class SeriesPlace:
    """Where a tip stands in its series, as its `series` field says (all None: no series)."""

    name: str | None = None
    part: int | None = None
    week: int | None = None
    role: SeriesRole | None = None
    asks_tried: bool = False


@dataclass(frozen=True, slots=True)
class TipFileName:
    """What a path under tips/ says: `<folder>/<tip_id>.md` or `<folder>/<tip_id>.<lang>.md`."""

    path: Path
    folder: str
    tip_id: str
    language: str | None  # None for a master file

    @property
    def is_master(self) -> bool:
        return self.language is None


def read_file(path: Path) -> tuple[str | None, str, list[Problem]]:
    """The file's text (None when unreadable), the sha256 of its bytes, and problems."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, "", [error(path, 1, f"cannot read the file: {exc.strerror or exc}")]
    digest = hashlib.sha256(data).hexdigest()
    if b"\x00" in data:
        line = data.count(b"\n", 0, data.index(b"\x00")) + 1
        return (
            None,
            digest,
            [error(path, line, "this is a binary file, not text (it has NUL bytes)")],
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        message = "the file is not UTF-8 text: save it with the encoding UTF-8"
        return None, digest, [error(path, line, message)]
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n"), digest, []


def parse_master(
    name: TipFileName, text: str, sha256: str, ctx: LoadContext
) -> tuple[LoadedFile | None, list[Problem]]:
    """Check a master file; a `LoadedFile` holding its `Tip` when it has no errors."""
    try:
        front = parse_front_matter(text)
    except FrontMatterError as exc:
        return None, [error(name.path, exc.line, exc.message)]
    reader = NodeReader(name.path, front.first_line)
    entries = reader.mapping(front.node, FRONT_MATTER) or {}
    explain = {
        field: f"'{field}' is only for translation files ({name.tip_id}.<language>.md)"
        for field in TRANSLATION_FIELDS
        if field not in MASTER_FIELDS
    }
    reader.check_fields(
        entries,
        allowed=MASTER_FIELDS,
        required=MASTER_REQUIRED,
        where=FRONT_MATTER,
        at=1,
        explain=explain,
    )
    fields = _MasterFields(reader, entries, name, ctx)
    tip = fields.read(front)
    if tip is None or reader.problems:  # the reader collects errors only
        return None, reader.problems
    problems = list(fields.notes)
    lines = MappingProxyType({key: reader.line(entry.value) for key, entry in entries.items()})
    wording = everyone_wording(tip, lines["title"])
    if wording is not None:
        problems.append(wording)
    render_problems = check_message(tip, tip.master, ctx)
    problems += render_problems
    if any(p.severity is Severity.ERROR for p in render_problems):
        return None, problems
    loaded = LoadedFile(name.path, sha256, tip.id, tip.language, tip.master, tip, lines)
    return loaded, problems


def parse_translation(
    name: TipFileName, text: str, sha256: str, ctx: LoadContext
) -> tuple[LoadedFile | None, list[Problem]]:
    """Check a translation file; a `LoadedFile` holding its `TipText` when it has no errors.

    A translation without its own sources gets the master's when the loader joins them.
    """
    try:
        front = parse_front_matter(text)
    except FrontMatterError as exc:
        return None, [error(name.path, exc.line, exc.message)]
    reader = NodeReader(name.path, front.first_line)
    entries = reader.mapping(front.node, FRONT_MATTER) or {}
    master_file = f"{name.tip_id}.md"
    explain = {
        field: f"'{field}' is set in the master file {master_file} only: remove it here"
        for field in MASTER_ONLY_FIELDS
    }
    reader.check_fields(
        entries,
        allowed=TRANSLATION_FIELDS,
        required=TRANSLATION_REQUIRED,
        where=FRONT_MATTER,
        at=1,
        explain=explain,
    )
    read = _Readers(reader, ctx)
    notes: list[Problem] = []
    tip_id = read.tip_id(entries.get("id"), name)
    language = read.language_of_translation(entries.get("language"), name)
    title = read.title(entries.get("title"))
    reviewed = read.day(entries.get("reviewed"), "reviewed")
    review_by = read.day(entries.get("review_by"), "review_by")
    read.review_order(reviewed, review_by, entries.get("review_by"))
    status_node = entries.get("review_status")
    status = ReviewStatus.AWAITING_REVIEW
    if status_node is not None:
        value = reader.text(status_node.value, "review_status")
        if value is not None and value not in REVIEW_STATUSES:
            reader.fail(
                status_node.value,
                f"review_status must be one of {', '.join(REVIEW_STATUSES)}, not '{value}'"
                + did_you_mean(value, REVIEW_STATUSES),
            )
        elif value is not None:
            status = ReviewStatus(value)
    sources = read.sources(entries.get("sources")) if "sources" in entries else ()
    body_ok = read.body(front)
    if reader.problems or tip_id is None or language is None or title is None or not body_ok:
        return None, reader.problems
    if status is ReviewStatus.AWAITING_REVIEW:
        notes.append(
            info(name.path, 1, f"the {language} translation awaits review by a native speaker")
        )
    if review_by is not None and review_state(review_by, ctx.today) is ReviewState.OVERDUE:
        notes.append(
            warning(
                name.path,
                reader.line(entries["review_by"].value),
                f"translation review overdue since {review_by}: the master text is sent instead "
                "until a reviewer sets new reviewed and review_by dates",
            )
        )
    tip_text = TipText(
        language,
        title,
        front.body,
        status,
        name.path,
        front.body_line,
        sources or (),
        reviewed,
        review_by,
    )
    lines = MappingProxyType({key: reader.line(entry.value) for key, entry in entries.items()})
    return LoadedFile(name.path, sha256, tip_id, language, tip_text, None, lines), notes


def check_message(tip: Tip, text: TipText, ctx: LoadContext) -> list[Problem]:
    """Render `text` as Telegram would get it: errors when it cannot be sent, length warnings."""
    topic = ctx.topics[tip.primary_topic]
    with_text = replace(tip, texts=MappingProxyType({**tip.texts, text.language: text}))
    try:
        rendered = render_tip(with_text, topic, text.language)
    except RenderError as exc:
        return [error(text.path, text.line + (exc.line or 0), exc.message)]
    problems: list[Problem] = []
    if (decimals := decimal_point_wording(text)) is not None:
        problems.append(decimals)
    body = render_markdown(text.body_markdown)
    length = len(telegram_text(body))
    if length > BODY_SOFT_LIMIT:
        problems.append(
            warning(
                text.path,
                text.line,
                f"the text is {length} characters long; keep it under about {BODY_SOFT_LIMIT} "
                "(one idea, one thing to do)",
            )
        )
    entities = entity_count(rendered.html)
    if entities > ENTITY_LIMIT:
        problems.append(
            warning(
                text.path,
                text.line,
                f"the message has {entities} pieces of formatting; Telegram shows at most "
                f"{ENTITY_LIMIT}",
            )
        )
    return problems


class _Readers:
    """Field readers shared by masters and translations."""

    def __init__(self, reader: NodeReader, ctx: LoadContext) -> None:
        self.reader = reader
        self.ctx = ctx

    def tip_id(self, entry: Entry | None, name: TipFileName) -> str | None:
        if entry is None:
            return None
        value = self.reader.text(entry.value, "id")
        if value is None:
            return None
        if not re.fullmatch(ID_PATTERN, value) or not ID_MIN_LENGTH <= len(value) <= ID_MAX_LENGTH:
            self.reader.fail(
                entry.value,
                f"id '{value}' must be {ID_MIN_LENGTH}-{ID_MAX_LENGTH} characters of a-z, 0-9 "
                "and single hyphens, like 'vitamin-d-drops'",
            )
            return None
        if value != name.tip_id:
            suffix = f".{name.language}.md" if name.language else ".md"
            self.reader.fail(
                entry.value,
                f"id '{value}' does not match the file name '{name.path.name}': name the file "
                f"{value}{suffix} (an id never changes once the tip has been sent)",
            )
            return None
        return value

    def title(self, entry: Entry | None) -> str | None:
        if entry is None:
            return None
        value = self.reader.text(entry.value, "title")
        if value is None:
            return None
        if not re.fullmatch(ONE_LINE_TEXT_PATTERN, value):
            self.reader.fail(entry.value, "title must be one line of text")
            return None
        if len(value) > TITLE_MAX_LENGTH:
            self.reader.fail(
                entry.value,
                f"title is {len(value)} characters long; keep it to {TITLE_MAX_LENGTH}",
            )
            return None
        return value

    def one_line(self, node: Node, what: str) -> str | None:
        value = self.reader.text(node, what)
        if value is not None and not re.fullmatch(ONE_LINE_TEXT_PATTERN, value):
            self.reader.fail(node, f"{what} must be one line of text")
            return None
        return value

    def day(self, entry: Entry | None, what: str) -> date | None:
        return None if entry is None else self.reader.day(entry.value, what)

    def flag(self, entry: Entry | None, what: str) -> bool | None:
        return None if entry is None else self.reader.boolean(entry.value, what)

    def review_order(self, reviewed: date | None, review_by: date | None, at: Entry | None) -> None:
        if (
            reviewed is not None
            and review_by is not None
            and at is not None
            and review_by <= reviewed
        ):
            self.reader.fail(
                at.value, f"review_by ({review_by}) must be after reviewed ({reviewed})"
            )

    def language_of_translation(self, entry: Entry | None, name: TipFileName) -> str | None:
        languages = self.ctx.languages
        offered = ", ".join(languages[1:])
        if name.language not in languages[1:]:
            self.reader.problems.append(
                error(
                    name.path,
                    1 if entry is None else self.reader.line(entry.value),
                    f"'{name.language}' in the file name is not a translation language of this "
                    f"library ({offered}){did_you_mean(str(name.language), languages[1:])}",
                )
            )
            return None
        if entry is None:
            return None
        value = self.reader.text(entry.value, "language")
        if value is not None and value != name.language:
            self.reader.fail(
                entry.value,
                f"language '{value}' does not match the file name '{name.path.name}'",
            )
            return None
        return value

    def sources(self, entry: Entry | None) -> tuple[Source, ...]:
        if entry is None:
            return ()
        found: list[Source] = []
        for node in self.reader.items(entry.value, "sources") or []:
            fields = self.reader.mapping(node, "a source")
            if fields is None:
                continue
            self.reader.check_fields(
                fields, allowed=SOURCE_FIELDS, required=SOURCE_FIELDS, where="a source", at=node
            )
            title = (
                self.one_line(fields["title"].value, "a source's title")
                if "title" in fields
                else None
            )
            url = (
                self.reader.text(fields["url"].value, "a source's url") if "url" in fields else None
            )
            if url is not None and not re.fullmatch(HTTPS_URL_PATTERN, url):
                self.reader.fail(
                    fields["url"].value,
                    f"source url '{url}' must be a full https:// address, like "
                    "https://www.nhs.uk/...",
                )
                url = None
            if title is not None and url is not None:
                found.append(Source(title, url))
        return tuple(found)

    def body(self, front: FrontMatter) -> bool:
        if not front.body.strip():
            self.reader.problems.append(
                error(
                    self.reader.path,
                    front.closing_line,
                    "the tip has no text: write it below the closing '---'",
                )
            )
            return False
        try:
            render_markdown(front.body)
        except RenderError as exc:
            line = front.body_line + (exc.line or 0)
            self.reader.problems.append(error(self.reader.path, line, exc.message))
            return False
        return True


class _MasterFields(_Readers):
    """Reads a master's front matter into a `Tip` (texts: the master's only)."""

    def __init__(
        self, reader: NodeReader, entries: dict[str, Entry], name: TipFileName, ctx: LoadContext
    ) -> None:
        super().__init__(reader, ctx)
        self.entries = entries
        self.name = name
        self.notes: list[Problem] = []  # warnings and infos, kept apart from the reader's errors

    def read(self, front: FrontMatter) -> Tip | None:
        get = self.entries.get
        tip_id = self.tip_id(get("id"), self.name)
        title = self.title(get("title"))
        topics = self.topics(get("topics"))
        pregnancy, child_age, school_year = self.audience(get("audience"))
        regions = self.regions(get("regions"))
        date_from, date_until = self.dates(get("dates"))
        deadlines = self.deadlines(get("deadlines"))
        if deadlines:
            regions = frozenset(deadlines)
        months = self.season(get("season"))
        series = self.series(get("series"))
        priority = self.priority(get("priority"))
        urgent = self.flag(get("urgent"), "urgent")
        ignore_quiet_hours = self.flag(get("ignore_quiet_hours"), "ignore_quiet_hours")
        essential = self.flag(get("essential"), "essential")
        link_preview = self.flag(get("link_preview"), "link_preview")
        sources = self.sources(get("sources"))
        reviewed = self.day(get("reviewed"), "reviewed")
        review_by = self.day(get("review_by"), "review_by")
        language = self.language(get("language"))
        image = self.image(get("image"))
        self.review_order(reviewed, review_by, get("review_by"))
        if ignore_quiet_hours and not urgent:
            self.reader.fail(
                self.entries["ignore_quiet_hours"].key_node,
                "ignore_quiet_hours is only for urgent tips: add 'urgent: true' or remove it",
            )
        self.require_sources(topics, sources)
        body_ok = self.body(front)
        if (
            tip_id is None
            or title is None
            or topics is None
            or reviewed is None
            or review_by is None
            or language is None
            or not body_ok
        ):
            return None
        self.review_notes(reviewed, review_by)
        text = TipText(
            language,
            title,
            front.body,
            ReviewStatus.REVIEWED,
            self.name.path,
            front.body_line,
            sources,
            reviewed,
            review_by,
        )
        return Tip(
            id=tip_id,
            title=title,
            topics=topics,
            pregnancy=pregnancy,
            child_age=child_age,
            regions=regions,
            date_from=date_from,
            date_until=date_until,
            months=months,
            series=series.name,
            series_part=series.part,
            priority=priority,
            urgent=bool(urgent),
            ignore_quiet_hours=bool(ignore_quiet_hours),
            essential=bool(essential),
            sources=sources,
            reviewed=reviewed,
            review_by=review_by,
            link_preview=bool(link_preview),
            image=image,
            language=language,
            texts=MappingProxyType({language: text}),
            path=self.name.path,
            school_year=school_year,
            deadlines=MappingProxyType(deadlines),
            series_week=series.week,
            series_role=series.role,
            asks_tried=series.asks_tried,
        )

    def topics(self, entry: Entry | None) -> tuple[str, ...] | None:
        if entry is None:
            return None
        known = self.ctx.topics
        found: list[str] = []
        nodes = self.reader.items(entry.value, "topics")
        if nodes is None:
            return None
        for node in nodes:
            topic = self.reader.text(node, "a topic")
            if topic is None:
                continue
            if topic not in known:
                self.reader.fail(
                    node,
                    f"unknown topic '{topic}'{did_you_mean(topic, known)} "
                    f"(topics: {', '.join(known)})",
                )
            elif topic in found:
                self.reader.fail(node, f"topic '{topic}' is listed twice")
            else:
                found.append(topic)
        if len(found) != len(nodes):
            return None
        if found[0] != self.name.folder:
            self.reader.fail(
                nodes[0],
                f"the first (primary) topic is '{found[0]}' but the file is in "
                f"tips/{self.name.folder}/: move the file to tips/{found[0]}/ "
                f"or list '{self.name.folder}' first",
            )
            return None
        return tuple(found)

    def require_sources(self, topics: tuple[str, ...] | None, sources: tuple[Source, ...]) -> None:
        if topics is None or sources or "sources" in self.entries:
            return
        needing = [t for t in topics if self.ctx.topics[t].sources_required]
        if needing:
            self.reader.fail(
                self.entries["topics"].key_node,
                f"tips about {' and '.join(needing)} need at least one source: add "
                "'sources:' with a title and an https url",
            )

    def audience(
        self, entry: Entry | None
    ) -> tuple[PregnancyWindow | None, AgeWindow | None, SchoolYearWindow | None]:
        if entry is None:
            return None, None, None
        if _is_text(entry.value):
            value = str(entry.value.value)
            if value != AUDIENCE_EVERYONE:
                self.reader.fail(
                    entry.value,
                    f"audience '{value}' is not known: write 'audience: {AUDIENCE_EVERYONE}', "
                    "or give pregnancy_weeks, child_age and/or school_year"
                    + did_you_mean(value, (AUDIENCE_EVERYONE, *AUDIENCE_FIELDS)),
                )
            return None, None, None
        fields = self.reader.mapping(entry.value, "audience")
        if fields is None:
            return None, None, None
        self.reader.check_fields(
            fields, allowed=AUDIENCE_FIELDS, required=(), where="audience", at=entry.value
        )
        if not fields:
            self.reader.fail(
                entry.value,
                "audience is empty: give pregnancy_weeks, child_age and/or school_year, or "
                f"write 'audience: {AUDIENCE_EVERYONE}'",
            )
        pregnancy = (
            self.pregnancy(fields["pregnancy_weeks"]) if "pregnancy_weeks" in fields else None
        )
        child = self.child_age(fields["child_age"]) if "child_age" in fields else None
        school = self.school_year(fields["school_year"]) if "school_year" in fields else None
        return pregnancy, child, school

    def school_year(self, entry: Entry) -> SchoolYearWindow | None:
        fields = self.reader.mapping(entry.value, "school_year")
        if fields is None:
            return None
        self.reader.check_fields(
            fields, allowed=SCHOOL_YEAR_FIELDS, required=(), where="school_year", at=entry.value
        )
        if "year" in fields and ("from" in fields or "until" in fields):
            self.reader.fail(
                fields["year"].key_node,
                "school_year takes 'year' (one school year) or 'from'/'until', not both",
            )
            return None
        if not {"year", "from", "until"} & set(fields):
            self.reader.fail(entry.value, "school_year needs 'year', or 'from' and/or 'until'")
            return None
        if "year" in fields:
            year = self.year_name(fields["year"], "school_year year")
            if year is None:
                return None
            start, end = year, year + 1
        else:
            start, end = FIRST_YEAR, LAST_YEAR
            if "from" in fields:
                found = self.year_name(fields["from"], "school_year from")
                if found is None:
                    return None
                start = found
            if "until" in fields:
                found = self.year_name(fields["until"], "school_year until")
                if found is None:
                    return None
                end = found
        if end <= start:
            at = fields["until"] if "until" in fields else fields["from"]
            self.reader.fail(at.value, "school_year ends before it starts: 'until' is exclusive")
            return None
        terms = self.terms(fields["term"]) if "term" in fields else ALL_TERMS
        return None if terms is None else SchoolYearWindow(start, end, terms)

    def year_name(self, entry: Entry, what: str) -> int | None:
        value = self.reader.text(entry.value, what)
        if value is None:
            return None
        if value not in YEAR_NAMES:
            self.reader.fail(
                entry.value,
                f"{what} '{value}' is not a school year{did_you_mean(value, YEAR_NAMES)} "
                f"(school years: {', '.join(YEAR_NAMES)})",
            )
            return None
        return YEAR_NAMES[value]

    def terms(self, entry: Entry) -> frozenset[Term] | None:
        names = [term.value for term in Term]
        nodes = [entry.value] if _is_text(entry.value) else self.reader.items(entry.value, "term")
        found: set[Term] = set()
        for node in nodes or []:
            value = self.reader.text(node, "a term")
            if value is None:
                return None
            if value not in names:
                self.reader.fail(
                    node,
                    f"term '{value}' is not a term{did_you_mean(value, names)} "
                    f"(terms: {', '.join(names)})",
                )
                return None
            found.add(Term(value))
        return frozenset(found) or None

    def deadlines(self, entry: Entry | None) -> dict[str, date]:
        if entry is None:
            return {}
        fields = self.reader.mapping(entry.value, "deadlines")
        if fields is None:
            return {}
        self.reader.check_fields(
            fields, allowed=REGIONS, required=(), where="deadlines", at=entry.value
        )
        if "regions" in self.entries:
            self.reader.fail(
                self.entries["regions"].key_node,
                "deadlines already say which nations the tip is for: remove regions",
            )
        if not fields:
            self.reader.fail(entry.value, "deadlines is empty: give a date for a nation")
        found: dict[str, date] = {}
        for nation, item in fields.items():
            if nation not in REGIONS:
                continue
            day = self.reader.day(item.value, f"the deadline in {nation}")
            if day is not None:
                found[nation] = day
        return found

    def is_any(self, entry: Entry, what: str) -> bool:
        """`what: any` (the whole stage); another single word is an error, reported here."""
        if not _is_text(entry.value):
            return False
        value = str(entry.value.value)
        if value != AUDIENCE_ANY:
            self.reader.fail(
                entry.value,
                f"{what} must be '{AUDIENCE_ANY}' or a window like {{from: ..., until: ...}}, "
                f"not '{value}'",
            )
        return value == AUDIENCE_ANY

    def window(self, entry: Entry, what: str) -> dict[str, Entry] | None:
        fields = self.reader.mapping(entry.value, what)
        if fields is None:
            return None
        self.reader.check_fields(
            fields, allowed=WINDOW_FIELDS, required=(), where=what, at=entry.value
        )
        if not fields:
            self.reader.fail(entry.value, f"{what} needs 'from', 'until' or both")
            return None
        return fields

    def pregnancy(self, entry: Entry) -> PregnancyWindow | None:
        if self.is_any(entry, "pregnancy_weeks"):
            return PregnancyWindow(MIN_PREGNANCY_WEEK, MAX_PREGNANCY_WEEK)
        fields = self.window(entry, "pregnancy_weeks")
        if fields is None:
            return None
        start, end = MIN_PREGNANCY_WEEK, MAX_PREGNANCY_WEEK
        if "from" in fields:
            value = self.reader.integer(
                fields["from"].value, "pregnancy_weeks from", *PREGNANCY_FROM_RANGE
            )
            if value is None:
                return None
            start = value
        if "until" in fields:
            value = self.reader.integer(
                fields["until"].value, "pregnancy_weeks until", *PREGNANCY_UNTIL_RANGE
            )
            if value is None:
                return None
            end = value
        if end <= start:
            self.reader.fail(
                fields["until"].value if "until" in fields else fields["from"].value,
                f"pregnancy_weeks ends (until {end}) before it starts (from {start})",
            )
            return None
        return PregnancyWindow(start, end)

    def child_age(self, entry: Entry) -> AgeWindow | None:
        if self.is_any(entry, "child_age"):
            return AgeWindow(0, MAX_CHILD_AGE_DAYS)
        fields = self.window(entry, "child_age")
        if fields is None:
            return None
        start, end = 0, MAX_CHILD_AGE_DAYS
        if "from" in fields:
            value = self.age(fields["from"], "child_age from")
            if value is None:
                return None
            start = value
        if "until" in fields:
            value = self.age(fields["until"], "child_age until")
            if value is None:
                return None
            end = value
        if end <= start:
            self.reader.fail(
                fields["until"].value if "until" in fields else fields["from"].value,
                "child_age ends before it starts: 'until' must be an older age than 'from'",
            )
            return None
        return AgeWindow(start, end)

    def age(self, entry: Entry, what: str) -> int | None:
        node = entry.value
        example = "an age like '0 weeks', '6 months' or '2 years'"
        if not _is_text(node):
            self.reader.fail(node, f"{what} must be {example}, in quotes if YAML misreads it")
            return None
        value = str(node.value)
        match = re.fullmatch(AGE_PATTERN, value)
        if match is None:
            self.reader.fail(node, f"{what} '{value}' must be {example}")
            return None
        days = age_in_days(int(match.group(1)), match.group(2).removesuffix("s"))
        if days > MAX_CHILD_AGE_DAYS:
            self.reader.fail(node, f"{what} '{value}' is over the limit of 6 years")
            return None
        return days

    def regions(self, entry: Entry | None) -> frozenset[str]:
        if entry is None:
            return frozenset(REGIONS)
        found: set[str] = set()
        for node in self.reader.items(entry.value, "regions") or []:
            region = self.reader.text(node, "a region")
            if region is None:
                continue
            if region not in REGIONS:
                self.reader.fail(
                    node,
                    f"unknown region '{region}'{did_you_mean(region, REGIONS)} "
                    f"(regions: {', '.join(REGIONS)})",
                )
            elif region in found:
                self.reader.fail(node, f"region '{region}' is listed twice")
            found.add(region)
        return frozenset(found)

    def dates(self, entry: Entry | None) -> tuple[date | None, date | None]:
        if entry is None:
            return None, None
        fields = self.window(entry, "dates")
        if fields is None:
            return None, None
        start = self.reader.day(fields["from"].value, "dates from") if "from" in fields else None
        end = self.reader.day(fields["until"].value, "dates until") if "until" in fields else None
        if start is not None and end is not None and end < start:
            self.reader.fail(
                fields["until"].value, f"dates end ({end}) before they start ({start})"
            )
        return start, end

    def season(self, entry: Entry | None) -> frozenset[int]:
        if entry is None:
            return ALL_MONTHS
        months: set[int] = set()
        for node in self.reader.items(entry.value, "season") or []:
            month = self.reader.integer(node, "a month in season", *MONTH_RANGE)
            if month is not None and month in months:
                self.reader.fail(node, f"month {month} is listed twice")
            elif month is not None:
                months.add(month)
        return frozenset(months)

    def series(self, entry: Entry | None) -> SeriesPlace:
        """`series: {name, part}` (a course) or `{name, week, role[, ask_tried]}` (a week)."""
        if entry is None:
            return SeriesPlace()
        fields = self.reader.mapping(entry.value, "series")
        if fields is None:
            return SeriesPlace()
        self.reader.check_fields(
            fields, allowed=SERIES_FIELDS, required=("name",), where="series", at=entry.value
        )
        name = self.reader.text(fields["name"].value, "series name") if "name" in fields else None
        if name is not None and not re.fullmatch(SLUG_PATTERN, name):
            self.reader.fail(
                fields["name"].value,
                f"series name '{name}' may use only a-z, 0-9 and single hyphens",
            )
        if "part" in fields:
            if "week" in fields or "role" in fields or "ask_tried" in fields:
                self.reader.fail(
                    entry.value,
                    "series takes either part (a course) or week and role (a week), not both",
                )
                return SeriesPlace(name)
            part = self.reader.integer(fields["part"].value, "series part", SERIES_PART_MIN)
            return SeriesPlace(name, part)
        if "week" not in fields or "role" not in fields:
            self.reader.fail(
                entry.value,
                "series needs part (a course: part: 1, 2, ...) or week and role "
                f"(a week: role {', '.join(SERIES_ROLES)})",
            )
            return SeriesPlace(name)
        week = self.reader.integer(fields["week"].value, "series week", SERIES_WEEK_MIN)
        role_text = self.reader.text(fields["role"].value, "series role")
        role = next((r for r in SeriesRole if r.value == role_text), None)
        if role_text is not None and role is None:
            self.reader.fail(
                fields["role"].value,
                f"series role '{role_text}' must be one of {', '.join(SERIES_ROLES)}",
            )
        asks = "ask_tried" in fields and self.reader.boolean(
            fields["ask_tried"].value, "series ask_tried"
        )
        if asks and role is not SeriesRole.FOLLOW_UP:
            self.reader.fail(
                fields["ask_tried"].key_node,
                "ask_tried is only for the follow-up of a week (role: follow-up)",
            )
        if week is None or role is None:
            return SeriesPlace(name)
        return SeriesPlace(name, week_part(week, role), week, role, bool(asks))

    def priority(self, entry: Entry | None) -> int:
        if entry is None:
            return DEFAULT_PRIORITY
        return self.reader.integer(entry.value, "priority", *PRIORITY_RANGE) or DEFAULT_PRIORITY

    def language(self, entry: Entry | None) -> str | None:
        default = self.ctx.default_language
        if entry is None:
            return default
        value = self.reader.text(entry.value, "language")
        if value is not None and value != default:
            self.reader.fail(
                entry.value,
                f"a master file is written in the default language '{default}', not '{value}': "
                f"put other languages in {self.name.tip_id}.{value}.md",
            )
            return None
        return value

    def image(self, entry: Entry | None) -> Path | None:
        if entry is None:
            return None
        value = self.reader.text(entry.value, "image")
        if value is None:
            return None
        if not re.fullmatch(IMAGE_PATTERN, value):
            self.reader.fail(
                entry.value,
                f"image '{value}' must be a .png, .jpg or .jpeg path inside content/, "
                "like images/bath-time.jpg",
            )
            return None
        path = self.ctx.content_dir / value
        if not path.is_file():
            self.reader.fail(entry.value, f"image file '{value}' does not exist in content/")
            return None
        if path.stat().st_size > IMAGE_MAX_BYTES:
            self.reader.fail(entry.value, f"image '{value}' is larger than Telegram's 10 MB limit")
            return None
        return path

    def review_notes(self, reviewed: date, review_by: date) -> None:
        today = self.ctx.today
        at = self.reader.line(self.entries["review_by"].value)
        path = self.name.path
        state = review_state(review_by, today)
        if state is ReviewState.OVERDUE:
            self.notes.append(
                warning(
                    path,
                    at,
                    f"review overdue since {review_by}: the tip is not sent until an editor "
                    "checks the facts and sets new reviewed and review_by dates",
                )
            )
        elif state is ReviewState.DUE:
            days = (review_by - today).days
            self.notes.append(warning(path, at, f"review due by {review_by} (in {days} days)"))
        if reviewed > today:
            self.notes.append(
                warning(
                    path,
                    self.reader.line(self.entries["reviewed"].value),
                    f"reviewed ({reviewed}) is in the future",
                )
            )


def _is_text(node: Node) -> bool:
    return str(node.tag) == "tag:yaml.org,2002:str"
