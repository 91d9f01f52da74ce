"""Hot reload: broken files keep their last good version; the watcher notices changes."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from domain.content import Library, LibraryWatcher, Problem, Severity, load_library
from domain.content.reload import changed_paths, snapshot
from tests.content.factories import copy_library, tip_file

TODAY = date(2026, 6, 1)


def _write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    # Move the mtime on explicitly: some filesystems keep coarse timestamps.
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


def _errors(library: Library) -> list[str]:
    return [p.format(relative_to=library.content_dir) for p in library.errors]


def test_a_broken_file_keeps_its_last_good_version(tmp_path: Path) -> None:
    content = copy_library(tmp_path)
    water = content / "tips/health/water.md"
    first = load_library(content, today=TODAY)
    good_hash = first.files[water].sha256

    _write(
        water,
        water.read_text(encoding="utf-8").replace("reviewed: 2026-01-10", "reviewed: 2026-02-30"),
    )
    second = load_library(content, today=TODAY, previous=first)
    assert second.tips["water"] == first.tips["water"]
    assert second.files[water].sha256 == good_hash
    assert _errors(second) == [
        "tips/health/water.md:11: error: reviewed: 2026-02-30 is not a real date"
    ]
    assert any(
        p.severity is Severity.INFO and "last good version" in p.message for p in second.problems
    )

    _write(
        water,
        water.read_text(encoding="utf-8")
        .replace("reviewed: 2026-02-30", "reviewed: 2026-02-28")
        .replace("Drinking", "Sipping"),
    )
    third = load_library(content, today=TODAY, previous=second)
    assert _errors(third) == []
    assert third.tips["water"].master.body_markdown.startswith("Sipping")
    assert third.tips["water"].reviewed == date(2026, 2, 28)
    assert third.files[water].sha256 != good_hash


def test_without_previous_a_broken_file_is_left_out(tmp_path: Path) -> None:
    content = copy_library(tmp_path)
    (content / "tips/health/water.md").write_text("not a tip", encoding="utf-8")
    library = load_library(content, today=TODAY)
    assert "water" not in library.tips
    assert "sing" in library.tips


def test_a_broken_translation_keeps_its_last_good_version(tmp_path: Path) -> None:
    content = copy_library(tmp_path)
    welsh = content / "tips/health/water.cy.md"
    first = load_library(content, today=TODAY)
    _write(welsh, welsh.read_text(encoding="utf-8") + "\n<b>raw html</b>\n")
    second = load_library(content, today=TODAY, previous=first)
    assert second.tips["water"].texts["cy"] == first.tips["water"].texts["cy"]
    assert [p.line for p in second.errors] == [9]


def test_a_new_broken_file_does_not_disturb_the_rest(tmp_path: Path) -> None:
    content = copy_library(tmp_path)
    first = load_library(content, today=TODAY)
    (content / "tips/health/new-tip.md").write_text("---\nid: new-tip\n", encoding="utf-8")
    second = load_library(content, today=TODAY, previous=first)
    assert set(second.tips) == {"water", "sing"}
    assert len(second.errors) == 1


def test_a_deleted_file_is_gone(tmp_path: Path) -> None:
    content = copy_library(tmp_path)
    first = load_library(content, today=TODAY)
    (content / "tips/learning/sing.md").unlink()
    second = load_library(content, today=TODAY, previous=first)
    assert set(second.tips) == {"water"}
    assert content / "tips/learning/sing.md" not in second.files


def test_a_duplicate_id_keeps_the_tip_already_in_service(tmp_path: Path) -> None:
    content = copy_library(tmp_path)
    first = load_library(content, today=TODAY)
    copy = content / "tips/learning/water.md"
    copy.write_text(tip_file("water", topics="[learning]"), encoding="utf-8")
    second = load_library(content, today=TODAY, previous=first)
    assert second.tips["water"].path == content / "tips/health/water.md"
    assert len(second.errors) == 2


def test_broken_topics_keep_the_last_good_topics(tmp_path: Path) -> None:
    content = copy_library(tmp_path)
    first = load_library(content, today=TODAY)
    _write(content / "topics.yaml", "languages: [en\n")
    second = load_library(content, today=TODAY, previous=first)
    assert second.topics == first.topics
    assert set(second.tips) == {"water", "sing"}
    assert second.errors[0].path.name == "topics.yaml"


def test_snapshot_sees_changes_and_ignores_hidden_files(tmp_path: Path) -> None:
    content = copy_library(tmp_path)
    before = snapshot(content)
    assert content / "topics.yaml" in before
    assert content / "images/star.png" in before
    (content / "tips/health/.water.md.swp").write_text("x", encoding="utf-8")
    (content / "tips/health/water.md~").write_text("x", encoding="utf-8")
    assert changed_paths(before, snapshot(content)) == set()
    _write(content / "tips/learning/sing.md", "changed")
    (content / "tips/health/water.cy.md").unlink()
    assert changed_paths(before, snapshot(content)) == {
        content / "tips/learning/sing.md",
        content / "tips/health/water.cy.md",
    }


async def test_watcher_reloads_when_a_file_changes(tmp_path: Path) -> None:
    content = copy_library(tmp_path)
    calls: list[tuple[Library, Sequence[Problem]]] = []
    changed = asyncio.Event()

    async def on_change(library: Library, problems: Sequence[Problem]) -> None:
        calls.append((library, problems))
        changed.set()

    watcher = LibraryWatcher(content, interval=0.05, on_change=on_change, today=lambda: TODAY)
    async with watcher:
        first = watcher.library
        assert len(calls) == 1
        changed.clear()

        water = content / "tips/health/water.md"
        good = water.read_text(encoding="utf-8")
        _write(water, good.replace("id: water", "id: water\nbogus: 1"))
        await asyncio.wait_for(changed.wait(), timeout=5)
        broken = watcher.library
        assert broken is not first
        assert broken.tips["water"] == first.tips["water"]  # last good stays in service
        assert any("unknown field 'bogus'" in p.message for p in calls[-1][1])

        changed.clear()
        _write(water, good.replace("Drinking", "Sipping"))
        await asyncio.wait_for(changed.wait(), timeout=5)
        assert watcher.library.tips["water"].master.body_markdown.startswith("Sipping")
        assert not watcher.library.errors


async def test_poll_without_changes_does_nothing(tmp_path: Path) -> None:
    content = copy_library(tmp_path)
    seen: list[Library] = []
    watcher = LibraryWatcher(
        content, on_change=lambda library, _: seen.append(library), today=lambda: TODAY
    )
    await watcher.reload()
    assert await watcher.poll() is False
    _write(
        content / "tips/learning/sing.md",
        (content / "tips/learning/sing.md").read_text(encoding="utf-8") + "\nMore.\n",
    )
    assert await watcher.poll() is True
    assert len(seen) == 2


async def test_a_failing_callback_does_not_stop_the_watcher(tmp_path: Path) -> None:
    content = copy_library(tmp_path)
    attempts: list[int] = []

    def on_change(library: Library, problems: Sequence[Problem]) -> None:
        attempts.append(1)
        if len(attempts) == 2:
            raise RuntimeError("boom")

    watcher = LibraryWatcher(content, interval=0.02, on_change=on_change, today=lambda: TODAY)
    async with watcher:
        for text in ("\nOne.\n", "\nTwo.\n"):
            sing = content / "tips/learning/sing.md"
            count = len(attempts)
            _write(sing, sing.read_text(encoding="utf-8") + text)
            for _ in range(250):
                if len(attempts) > count:
                    break
                await asyncio.sleep(0.02)
    assert len(attempts) == 3


def test_a_last_good_version_whose_topic_is_gone_is_dropped(tmp_path: Path) -> None:
    content = copy_library(tmp_path)
    first = load_library(content, today=TODAY)
    topics = content / "topics.yaml"
    text = topics.read_text(encoding="utf-8")
    _write(topics, text[: text.index("  - id: learning")])
    _write(content / "tips/learning/sing.md", "broken now")
    second = load_library(content, today=TODAY, previous=first)
    assert set(second.tips) == {"water"}
    assert [p.path.name for p in second.errors] == ["sing.md"]
