"""`tipsbot content ...`: editors' commands to check, preview and measure the content library."""

from __future__ import annotations

import json
import os
import sys
from datetime import UTC, date, datetime, time, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import click

from domain.ask.danger import DANGER_SIGNS_FILE, check_danger_signs
from domain.cadence import cadence_for, format_hhmm
from domain.content.coverage import THIN_BELOW, Coverage, coverage
from domain.content.errors import Problem, RenderError, Severity, display_path
from domain.content.frontmatter import did_you_mean
from domain.content.loader import load_library
from domain.content.model import Library
from domain.content.render import default_sources_label, render_tip
from domain.content.schema import SCHEMA_FILE, build_tip_schema, check_schema_file, schema_text
from domain.content.stages import stages_of
from domain.content.topics import TOPICS_FILE
from domain.selection import ChildStage
from domain.timeline import timeline

DEFAULT_CONTENT_DIR = "content"


def _content_dir(path: str | None) -> Path:
    """The content folder: PATH if given, else $CONTENT_DIR, else ./content."""
    return Path(path or os.environ.get("CONTENT_DIR") or DEFAULT_CONTENT_DIR)


def _today() -> date:
    return date.today()


def _load(content_dir: Path) -> Library:
    return load_library(content_dir, today=_today())


@click.group("content")
def content() -> None:
    """Check, preview and measure the editors' tips (see content/README.md)."""


@content.command()
@click.argument("path", required=False, type=click.Path(path_type=str))
@click.option(
    "--format", "output", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.option(
    "-v", "--verbose", is_flag=True, help="Also list notes (translations awaiting review)."
)
def check(path: str | None, output: str, verbose: bool) -> None:
    """Check every tip (or only the file PATH) and list errors and warnings.

    Exits with status 1 when there is any error.
    """
    target = _content_dir(path)
    only: Path | None = None
    if target.is_file():
        only, target = target, _library_root(target)
    library = _load(target)
    problems = list(library.problems)
    if library.topics:
        stale = check_schema_file(target, library.topics, library.languages)
        if stale is not None:
            problems.append(stale)
        if (target / DANGER_SIGNS_FILE).exists():
            problems.extend(check_danger_signs(target / DANGER_SIGNS_FILE, library))
    if only is not None:
        problems = [p for p in problems if p.path.resolve() == only.resolve()]
    errors = sum(p.severity is Severity.ERROR for p in problems)
    warnings = sum(p.severity is Severity.WARNING for p in problems)
    summary = {
        "tips": len(library.tips),
        "translations": library.translation_count,
        "errors": errors,
        "warnings": warnings,
    }
    if output == "json":
        report = {"problems": [_problem_json(p) for p in problems], "summary": summary}
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        for problem in problems:
            if problem.severity is not Severity.INFO or verbose:
                click.echo(_styled(problem))
        click.echo(
            f"{summary['tips']} tips, {summary['translations']} translations, "
            f"{errors} errors, {warnings} warnings"
        )
    sys.exit(1 if errors else 0)


@content.command()
@click.argument("tip_id", metavar="ID")
@click.option("--lang", help="Language to show (default: the library's default language).")
@click.option("--html", "raw_html", is_flag=True, help="Print the raw HTML sent to Telegram.")
@click.option(
    "--content-dir", "path", help="The content folder (default: $CONTENT_DIR or ./content)."
)
def preview(tip_id: str, lang: str | None, raw_html: bool, path: str | None) -> None:
    """Show tip ID as Telegram would show it."""
    library = _load(_content_dir(path))
    tip = library.tips.get(tip_id)
    if tip is None:
        _explain_missing(library, tip_id)
        sys.exit(1)
    language = lang or library.default_language
    if language not in library.languages:
        raise click.BadParameter(
            f"'{language}' is not one of {', '.join(library.languages)}", param_hint="--lang"
        )
    try:
        rendered = render_tip(
            tip, library.topic_of(tip), language, sources_label=default_sources_label(language)
        )
    except RenderError as exc:  # cannot happen for a loaded tip, but say so if it does
        click.echo(f"error: {exc.message}", err=True)
        sys.exit(1)
    if raw_html:
        click.echo(rendered.html)
        return
    if rendered.language != language:
        click.echo(f"(no '{language}' translation: showing the {rendered.language} text)", err=True)
    stages = ", ".join(stage.id for stage in stages_of(tip))
    limit = rendered.limit
    header = (
        f"{tip.id} · {', '.join(tip.topics)} · {rendered.language} · stages: {stages}\n"
        f"{rendered.text_length}/{limit} characters · link preview "
        f"{'on' if rendered.link_preview else 'off'}"
        + (f" · photo: {display_path(rendered.image)}" if rendered.image else "")
    )
    click.echo(click.style(header, dim=True))
    click.echo(click.style("─" * 40, dim=True))
    click.echo(to_terminal(rendered.html))
    paths = {text.path.resolve() for text in tip.texts.values()}
    for problem in library.problems:
        if problem.path.resolve() in paths and problem.severity is not Severity.INFO:
            click.echo(_styled(problem), err=True)


@content.command("coverage")
@click.option(
    "--format", "output", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@click.option(
    "--content-dir", "path", help="The content folder (default: $CONTENT_DIR or ./content)."
)
def coverage_command(output: str, path: str | None) -> None:
    """Tips per topic, stage and nation, for each language; thin and empty cells are marked."""
    library = _load(_content_dir(path))
    report = coverage(library)
    if output == "json":
        click.echo(json.dumps(_coverage_json(report), indent=2, ensure_ascii=False))
        return
    for language in report.languages:
        click.echo(_coverage_table(report, language, library))
        click.echo()


@content.command()
@click.option("--write", is_flag=True, help=f"Write content/{SCHEMA_FILE} instead of printing it.")
@click.option(
    "--content-dir", "path", help="The content folder (default: $CONTENT_DIR or ./content)."
)
def schema(write: bool, path: str | None) -> None:
    """Print (or --write) the JSON Schema of tip front matter, built from topics.yaml."""
    content_dir = _content_dir(path)
    library = _load(content_dir)
    if not library.topics:
        for problem in library.errors:
            click.echo(_styled(problem), err=True)
        sys.exit(1)
    text = schema_text(build_tip_schema(library.topics, library.languages))
    if write:
        target = content_dir / SCHEMA_FILE
        target.write_text(text, encoding="utf-8")
        click.echo(f"wrote {display_path(target)}")
    else:
        click.echo(text, nl=False)


# Helpers


def _library_root(file: Path) -> Path:
    """The content folder holding `file`: the nearest parent with topics.yaml."""
    for parent in file.resolve().parents:
        if (parent / TOPICS_FILE).is_file():
            return parent
    raise click.BadParameter(f"{file} is not inside a content folder (no {TOPICS_FILE} above it)")


def _problem_json(problem: Problem) -> dict[str, Any]:
    return {
        "path": display_path(problem.path),
        "line": problem.line,
        "severity": str(problem.severity),
        "message": problem.message,
    }


_COLOURS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "blue"}


def _styled(problem: Problem) -> str:
    location = f"{display_path(problem.path)}:{problem.line}:"
    severity = click.style(f"{problem.severity}:", fg=_COLOURS[problem.severity], bold=True)
    return f"{location} {severity} {problem.message}"


def _explain_missing(library: Library, tip_id: str) -> None:
    broken = [p for p in library.problems if p.path.name == f"{tip_id}.md"]
    if broken:
        click.echo(f"tip '{tip_id}' is not loaded because of these problems:", err=True)
        for problem in broken:
            click.echo(_styled(problem), err=True)
    else:
        hint = did_you_mean(tip_id, library.tips)
        click.echo(f"no tip with id '{tip_id}'{hint}", err=True)


def _coverage_json(report: Coverage) -> dict[str, Any]:
    return {
        "languages": list(report.languages),
        "topics": list(report.topics),
        "stages": [stage.id for stage in report.stages],
        "counts": {
            language: {
                topic: {
                    stage.id: report.count(language, topic, stage.id) for stage in report.stages
                }
                for topic in report.topics
            }
            for language in report.languages
        },
        "empty": {
            language: [list(cell) for cell in report.empty_cells(language)]
            for language in report.languages
        },
        "nations": list(report.nations),
        "nation_counts": {
            language: {
                topic: {
                    stage.id: {
                        nation: report.nation_count(language, topic, stage.id, nation)
                        for nation in report.nations
                    }
                    for stage in report.stages
                }
                for topic in report.topics
            }
            for language in report.languages
        },
        "thin_below": THIN_BELOW,
        "thin": {
            language: [
                {"topic": topic, "stage": stage, "nation": nation, "tips": count}
                for topic, stage, nation, count in report.thin_cells(language)
            ]
            for language in report.languages
        },
        "untranslated": {language: list(ids) for language, ids in report.untranslated.items()},
    }


EMPTY_CELL = "--"
THIN_MARK = "*"
NATION_LABELS = {"england": "ENG", "wales": "WAL", "scotland": "SCO", "northern-ireland": "NI"}


def _coverage_table(report: Coverage, language: str, library: Library) -> str:
    """Rows: stages; columns: each topic's nations. Thin cells are starred, empty ones red."""
    names = {topic: library.topics[topic].name(library.default_language) for topic in report.topics}
    nations = report.nations
    stage_width = max(len("stage"), *(len(stage.id) for stage in report.stages))
    cell_width = 4
    group_width = {
        topic: max(len(names[topic]), len(nations) * cell_width) for topic in report.topics
    }
    thin = report.thin_cells(language)
    cells = len(report.topics) * len(report.stages) * len(nations)
    lines = [
        click.style(
            f"{language}: {cells - len(thin)} of {cells} topic x stage x nation cells have "
            f"{THIN_BELOW}+ tips; {len(thin)} thin ({sum(not c for *_, c in thin)} empty)",
            bold=True,
        )
    ]
    lines.append(
        " " * stage_width
        + "".join("  " + names[topic].center(group_width[topic]) for topic in report.topics)
    )
    labels = "".join(NATION_LABELS.get(nation, nation).rjust(cell_width) for nation in nations)
    lines.append(
        "stage".ljust(stage_width)
        + "".join("  " + labels.rjust(group_width[topic]) for topic in report.topics)
    )
    for stage in report.stages:
        row = stage.id.ljust(stage_width)
        for topic in report.topics:
            group = ""
            for nation in nations:
                group += _coverage_cell(report.nation_count(language, topic, stage.id, nation))
            row += "  " + " " * (group_width[topic] - cell_width * len(nations)) + group
        lines.append(row)
    lines.append(f"{THIN_MARK} thin: fewer than {THIN_BELOW} tips; {EMPTY_CELL}: none")
    missing = report.untranslated.get(language, ())
    if language != report.languages[0] and missing:
        lines.append(
            f"essential or urgent tips without a {language} translation ({len(missing)}): "
            + ", ".join(missing)
        )
    return "\n".join(lines)


def _coverage_cell(count: int, width: int = 4) -> str:
    if not count:
        return click.style(EMPTY_CELL.rjust(width), fg="red", bold=True)
    if count < THIN_BELOW:
        return click.style(f"{count}{THIN_MARK}".rjust(width), fg="yellow", bold=True)
    return str(count).rjust(width)


_ANSI: dict[str, tuple[str, str]] = {
    "b": ("\x1b[1m", "\x1b[22m"),
    "i": ("\x1b[3m", "\x1b[23m"),
    "code": ("\x1b[36m", "\x1b[39m"),
    "pre": ("\x1b[36m", "\x1b[39m"),
}


class _TerminalRenderer(HTMLParser):
    """Telegram HTML to terminal text: ANSI bold/italic, links as 'text <url>', quotes barred."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.buffers: list[list[str]] = [[]]
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _ANSI:
            self.buffers[-1].append(_ANSI[tag][0])
        elif tag == "a":
            self.links.append(dict(attrs).get("href") or "")
        elif tag == "blockquote":
            self.buffers.append([])

    def handle_endtag(self, tag: str) -> None:
        if tag in _ANSI:
            self.buffers[-1].append(_ANSI[tag][1])
        elif tag == "a" and self.links:
            self.buffers[-1].append(f" <{self.links.pop()}>")
        elif tag == "blockquote" and len(self.buffers) > 1:
            quoted = "".join(self.buffers.pop())
            self.buffers[-1].append("\n".join(f"▍ {line}" for line in quoted.split("\n")))

    def handle_data(self, data: str) -> None:
        self.buffers[-1].append(data)

    def text(self) -> str:
        return "".join(part for buffer in self.buffers for part in buffer)


def to_terminal(telegram_html: str) -> str:
    """A readable terminal rendering of a Telegram HTML message (ANSI styles)."""
    renderer = _TerminalRenderer()
    renderer.feed(telegram_html)
    renderer.close()
    return renderer.text()


@content.command("timeline")
@click.option(
    "--due-date", "due", type=click.DateTime(["%Y-%m-%d"]), help="Baby due on YYYY-MM-DD."
)
@click.option("--birth-date", "born", type=click.DateTime(["%Y-%m-%d"]), help="Born on YYYY-MM-DD.")
@click.option("--topics", default="", help="Comma-separated topic ids (default: all).")
@click.option("--weeks", type=click.IntRange(1, 520), default=12, show_default=True)
@click.option("--region", default="england", show_default=True)
@click.option("--lang", "language", default=None, help="Show titles in this language.")
@click.option("--days", help="Send days like mon,wed,fri (default DEFAULT_DAYS).")
@click.option("--time", "send_time", help="Send time like 10:00 (default DEFAULT_SEND_TIME).")
@click.option("--timezone", help="IANA time zone (default DEFAULT_TIMEZONE).")
@click.option("--start", type=click.DateTime(["%Y-%m-%d"]), help="First day (default today).")
@click.option("--content-dir", "path", type=click.Path(path_type=str), help="Library folder.")
@click.pass_context
def timeline_command(
    ctx: click.Context,
    due: datetime | None,
    born: datetime | None,
    topics: str,
    weeks: int,
    region: str,
    language: str | None,
    days: str | None,
    send_time: str | None,
    timezone: str | None,
    start: datetime | None,
    path: str | None,
) -> None:
    """Which tip a family with this profile gets on each send day (the delivery rules).

    Quiet hours, and whatever of days, time and time zone is not given, come from the
    settings new subscribers get (QUIET_HOURS_START, DEFAULT_DAYS, ...).
    """
    from bot.cli.common import get_settings
    from domain.models import Schedule  # the database layer only for this command

    settings = get_settings(ctx)
    if (due is None) == (born is None):
        raise click.UsageError("give exactly one of --due-date and --birth-date")
    library = _load(_content_dir(path))
    chosen = frozenset(t.strip() for t in topics.split(",") if t.strip()) or frozenset(
        library.topics
    )
    unknown = sorted(chosen - set(library.topics))
    if unknown:
        raise click.BadParameter(f"unknown topic(s): {', '.join(unknown)}", param_hint="--topics")
    try:
        schedule = Schedule(
            chat_id=0,
            days=days or ",".join(settings.default_days),
            send_time=send_time or format_hhmm(settings.default_send_time),
            quiet_start=format_hhmm(settings.quiet_hours_start),
            quiet_end=format_hhmm(settings.quiet_hours_end),
        )
        cadence = cadence_for(schedule, timezone or settings.default_timezone)
    except (ValueError, KeyError) as exc:
        raise click.BadParameter(f"{exc}") from None
    first = (start or datetime.combine(_today(), time())).replace(tzinfo=cadence.timezone)
    # A due date plans the birth on that day, so a long timeline goes on with newborn tips.
    birth = born or due
    child = ChildStage(
        due_date=due.date() if due else None, birth_date=birth.date() if birth else None
    )
    steps = timeline(
        library,
        child=child,
        topics=chosen,
        region=region,
        cadence=cadence,
        start=first.astimezone(UTC),
        until=(first + timedelta(weeks=weeks)).astimezone(UTC),
    )
    lang = language or library.default_language
    for step in steps:
        local = step.at.astimezone(cadence.timezone)
        if step.tip is None:
            click.echo(f"{local:%a %Y-%m-%d %H:%M}  (nothing eligible)")
            continue
        title = library.text_for(step.tip, lang).title
        stage = _stage_label(child, local.date())
        click.echo(f"{local:%a %Y-%m-%d %H:%M}  {stage:<12} {step.tip.id:<40} {title}")
    sent = sum(1 for s in steps if s.tip is not None)
    click.echo(f"{sent} tips on {len(steps)} send days over {weeks} weeks")


def _stage_label(child: ChildStage, day: date) -> str:
    week = child.pregnancy_week(day)
    if week is not None:
        return f"pregnant w{week}"
    age = child.age_days(day)
    if age is None:
        return ""
    return f"age {age // 7}w" if age < 7 * 26 else f"age {age * 12 // 365}m"
