"""Loading the content library from its folder, file by file, with hot-reload semantics.

`load_library` never raises for bad content: each file's faults become problems and the file
is left out, so one bad file never stops the others. Given the `previous` library, a file that
now has errors keeps its last good version in service (and its problems are still reported);
a deleted file is gone.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import date
from pathlib import Path
from types import MappingProxyType

from domain.content.coverage import untranslated
from domain.content.errors import Problem, Severity, error, info, warning
from domain.content.model import Library, LoadedFile, Tip, TipText
from domain.content.tipfile import (
    LoadContext,
    TipFileName,
    check_message,
    parse_master,
    parse_translation,
    read_file,
)
from domain.content.topics import TOPICS_FILE, load_topics

TIPS_DIR = "tips"
KEPT_LAST_GOOD = "the last good version of this file stays in service until the errors are fixed"


def load_library(content_dir: Path, *, today: date, previous: Library | None = None) -> Library:
    """Read topics.yaml and every tip file under `content_dir`; `today` dates the review checks."""
    content_dir = Path(content_dir)
    topics_path = content_dir / TOPICS_FILE
    topics_file, problems = load_topics(topics_path)
    languages_line = 1
    if topics_file is not None:
        languages, topics = topics_file.languages, topics_file.topics
        languages_line = topics_file.languages_line
    elif previous is not None and previous.topics:
        languages, topics = previous.languages, dict(previous.topics)
        problems.append(info(topics_path, 1, KEPT_LAST_GOOD))
    else:
        return Library.empty(content_dir, problems=_sorted(problems))
    ctx = LoadContext(content_dir, languages, topics, today)
    files, master_ids = _load_files(ctx, previous, problems)
    tips, in_service = _join(files, master_ids, ctx, previous, problems)
    _missing_translations(tips, ctx, languages_line, problems)
    return Library(
        content_dir=content_dir,
        languages=languages,
        topics=MappingProxyType(topics),
        tips=MappingProxyType(dict(sorted(tips.items()))),
        problems=_sorted(problems),
        files=MappingProxyType(in_service),
    )


def tip_file_paths(content_dir: Path) -> list[Path]:
    """Every file under tips/, sorted, skipping hidden files and editors' backups."""
    tips_dir = Path(content_dir) / TIPS_DIR
    if not tips_dir.is_dir():
        return []
    return sorted(
        path
        for path in tips_dir.rglob("*")
        if path.is_file()
        and not any(part.startswith(".") for part in path.relative_to(tips_dir).parts)
        and not path.name.endswith("~")
    )


def classify(path: Path, tips_dir: Path) -> TipFileName | Problem:
    """What the path names, or a problem when it is misplaced or misnamed."""
    parts = path.relative_to(tips_dir).parts
    if not path.name.endswith(".md"):
        return warning(path, 1, "not a tip file (tip files end in .md): ignored")
    if len(parts) != 2:
        return error(path, 1, "tip files belong directly in a topic folder: tips/<topic>/<id>.md")
    pieces = path.name.removesuffix(".md").split(".")
    if len(pieces) == 1:
        return TipFileName(path, parts[0], pieces[0], None)
    if len(pieces) == 2:
        return TipFileName(path, parts[0], pieces[0], pieces[1])
    return error(
        path, 1, "a tip file is named <id>.md, a translation <id>.<language>.md, like x.cy.md"
    )


def _load_files(
    ctx: LoadContext, previous: Library | None, problems: list[Problem]
) -> tuple[list[LoadedFile], set[str]]:
    """Parse each tip file; also the ids of all master files found, loadable or not."""
    tips_dir = ctx.content_dir / TIPS_DIR
    if not tips_dir.is_dir():
        problems.append(error(tips_dir, 1, "the tips folder is missing"))
        return [], set()
    loaded_files: list[LoadedFile] = []
    master_ids: set[str] = set()
    for path in tip_file_paths(ctx.content_dir):
        name = classify(path, tips_dir)
        if isinstance(name, Problem):
            problems.append(name)
            continue
        if name.is_master:
            master_ids.add(name.tip_id)
        text, sha256, file_problems = read_file(path)
        loaded: LoadedFile | None = None
        if text is not None:
            parse = parse_master if name.is_master else parse_translation
            loaded, file_problems = parse(name, text, sha256, ctx)
        problems.extend(file_problems)
        last_good = previous.files.get(path) if previous is not None else None
        if loaded is None and last_good is not None and _still_fits(last_good, ctx):
            loaded = last_good
            problems.append(info(path, 1, KEPT_LAST_GOOD))
        if loaded is not None:
            loaded_files.append(loaded)
    return loaded_files, master_ids


def _still_fits(loaded: LoadedFile, ctx: LoadContext) -> bool:
    """Whether a last good version still fits topics.yaml (its topics and language exist)."""
    topics_known = loaded.master is None or all(t in ctx.topics for t in loaded.master.topics)
    return topics_known and loaded.language in ctx.languages


def _join(
    files: list[LoadedFile],
    master_ids: set[str],
    ctx: LoadContext,
    previous: Library | None,
    problems: list[Problem],
) -> tuple[dict[str, Tip], dict[Path, LoadedFile]]:
    """Join masters with their translations and run the checks across files."""
    masters: dict[str, list[LoadedFile]] = defaultdict(list)
    translations: dict[str, list[LoadedFile]] = defaultdict(list)
    for loaded in files:
        (masters if loaded.is_master else translations)[loaded.tip_id].append(loaded)
    tips: dict[str, Tip] = {}
    in_service: dict[Path, LoadedFile] = {}
    for tip_id, candidates in masters.items():
        master = _one_master(tip_id, candidates, previous, problems)
        if master is None or master.master is None:
            continue
        tip = master.master
        in_service[master.path] = master
        texts: dict[str, TipText] = {tip.language: tip.master}
        for loaded in sorted(translations.pop(tip_id, []), key=lambda f: f.language):
            joined = _translation_text(tip, loaded, ctx, previous, problems)
            if joined is not None:
                text, serving = joined
                texts[text.language] = text
                in_service[serving.path] = serving
        tips[tip_id] = replace(tip, texts=MappingProxyType(texts))
    for tip_id, orphans in translations.items():
        for loaded in orphans:
            if tip_id in master_ids:
                message = f"not loaded because its master file {tip_id}.md has errors"
                problems.append(info(loaded.path, 1, message))
            else:
                problems.append(
                    error(
                        loaded.path,
                        loaded.lines.get("id", 1),
                        f"translation of '{tip_id}' has no master file: add "
                        f"{_tips_path(loaded.path.with_name(tip_id + '.md'))} "
                        "in the default language",
                    )
                )
    _check_series(tips, problems)
    return tips, in_service


def _one_master(
    tip_id: str, candidates: list[LoadedFile], previous: Library | None, problems: list[Problem]
) -> LoadedFile | None:
    """The single master for `tip_id`; with duplicates, the one already in service, if any."""
    if len(candidates) == 1:
        return candidates[0]
    for loaded in candidates:
        others = ", ".join(_tips_path(o.path) for o in candidates if o is not loaded)
        problems.append(
            error(loaded.path, loaded.lines.get("id", 1), f"id '{tip_id}' is also used by {others}")
        )
    serving = previous.tips.get(tip_id) if previous is not None else None
    return next((c for c in candidates if serving is not None and c.path == serving.path), None)


def _translation_text(
    tip: Tip,
    loaded: LoadedFile,
    ctx: LoadContext,
    previous: Library | None,
    problems: list[Problem],
) -> tuple[TipText, LoadedFile] | None:
    """The translation joined to its master (sources filled in) and the file version used.

    None when it cannot be sent; a version that no longer renders falls back to the last good.
    """
    if loaded.path.parent != tip.path.parent:
        problems.append(
            error(
                loaded.path,
                1,
                f"a translation belongs next to its master: move it to "
                f"{_tips_path(tip.path.parent)}/",
            )
        )
        return None
    text = loaded.text
    if "sources" not in loaded.lines:
        text = replace(text, sources=tip.sources)
    found = check_message(tip, text, ctx)
    problems.extend(found)
    if not any(p.severity is Severity.ERROR for p in found):
        return text, loaded
    old = previous.files.get(loaded.path) if previous is not None else None
    if old is None or old is loaded or old.sha256 == loaded.sha256:
        return None
    old_text = old.text if "sources" in old.lines else replace(old.text, sources=tip.sources)
    if any(p.severity is Severity.ERROR for p in check_message(tip, old_text, ctx)):
        return None
    problems.append(info(loaded.path, 1, KEPT_LAST_GOOD))
    return old_text, old


def _missing_translations(
    tips: dict[str, Tip], ctx: LoadContext, line: int, problems: list[Problem]
) -> None:
    """One warning per language about essential or urgent tips without a translation.

    Only those tips: they reach every family at their stage. Other tips fall back to the
    default language quietly; `content coverage` shows the whole picture.
    """
    topics_path = ctx.content_dir / TOPICS_FILE
    for language, ids in untranslated(tips.values(), ctx.languages[1:]).items():
        if ids:
            examples = ", ".join(ids[:3]) + (", ..." if len(ids) > 3 else "")
            problems.append(
                warning(
                    topics_path,
                    line,
                    f"{len(ids)} essential or urgent tip(s) have no '{language}' translation "
                    f"({examples}); `content coverage` lists them",
                )
            )


def _check_series(tips: dict[str, Tip], problems: list[Problem]) -> None:
    parts: dict[tuple[str, int], list[Tip]] = defaultdict(list)
    for tip in tips.values():
        if tip.series is not None and tip.series_part is not None:
            parts[(tip.series, tip.series_part)].append(tip)
    for (series, part), same in parts.items():
        if len(same) > 1:
            place = _place(same[0]) or f"part {part}"
            for tip in same:
                others = ", ".join(t.id for t in same if t is not tip)
                problems.append(
                    warning(
                        tip.path,
                        1,
                        f"series '{series}' {place} is also {others}: "
                        "tips with the same part go out in order of id",
                    )
                )
    kinds: dict[str, set[bool]] = defaultdict(set)
    for tip in tips.values():
        if tip.series is not None and tip.series_part is not None:
            kinds[tip.series].add(tip.series_week is not None)
    for tip in tips.values():
        if tip.series is not None and len(kinds.get(tip.series, ())) > 1:
            problems.append(
                error(
                    tip.path,
                    1,
                    f"series '{tip.series}' mixes parts and weeks: "
                    "give every tip of it either part or week and role",
                )
            )


def _place(tip: Tip) -> str | None:
    if tip.series_week is None or tip.series_role is None:
        return None
    return f"week {tip.series_week} {tip.series_role.value}"


def _sorted(problems: list[Problem]) -> tuple[Problem, ...]:
    return tuple(sorted(problems, key=lambda p: (p.path.as_posix(), p.line)))


def _tips_path(path: Path) -> str:
    """`path` from the (last) tips folder on, as editors see it: tips/health/x.md."""
    parts = path.parts
    if TIPS_DIR not in parts:
        return path.as_posix()
    start = len(parts) - 1 - parts[::-1].index(TIPS_DIR)
    return "/".join(parts[start:])
