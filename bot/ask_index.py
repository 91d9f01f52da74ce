"""The ask index in service: built from the library and the editors' danger-sign list at
start-up, and again whenever the library reloads (bot.content_reload).

Building runs in a worker thread, so the event loop keeps answering. A danger-sign list that
cannot be read keeps the last good index (its library and its list) in service, and the
problems are reported like broken tips (`path:line: error: message`). With no good list at all
(a first start with a broken or missing file) there is no index: questions then get the honest
"no tip on that yet", never an answer that might skip the urgent-help tip.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import date
from pathlib import Path

from domain.ask import (
    DANGER_SIGNS_FILE,
    AskIndex,
    DangerSignsError,
    build_ask_index,
    load_danger_signs,
)
from domain.content.errors import Problem
from domain.content.model import Library

log = logging.getLogger(__name__)


_last: tuple[tuple[int, Path, tuple[int, int] | None, date], Library, AskIndex] | None = None


def build(library: Library, content_dir: Path, today: date) -> AskIndex:
    """The index for `library` and the danger-sign list beside it; DangerSignsError if the
    list cannot be used. The last one built is reused for the same library, list file and day
    (building takes a second or two: several Applications in one process build it once)."""
    global _last
    path = content_dir / DANGER_SIGNS_FILE
    try:
        stat = path.stat()
        file_key: tuple[int, int] | None = (stat.st_mtime_ns, stat.st_size)
    except OSError:
        file_key = None
    key = (id(library), path, file_key, today)
    if _last is not None and _last[0] == key and _last[1] is library:
        return _last[2]
    signs = load_danger_signs(path, library)
    index = build_ask_index(library, signs, today=today)
    _last = (key, library, index)
    return index


class AskIndexHolder:
    """The index for the library in service (`current`), rebuilt when the library changes."""

    def __init__(self) -> None:
        self._index: AskIndex | None = None
        self._built_for: Library | None = None
        self._lock = asyncio.Lock()

    @property
    def index(self) -> AskIndex | None:
        return self._index

    async def current(self, library: Library, content_dir: Path, today: date) -> AskIndex | None:
        """The index, built for `library` first if it has not been yet (a library swapped in
        by another path than the reloader's, or the first question after start-up)."""
        if self._built_for is not library:
            await self.rebuild(library, content_dir, today)
        return self._index

    async def rebuild(self, library: Library, content_dir: Path, today: date) -> list[Problem]:
        """Build the index for `library`; on a broken danger-sign list keep the last good
        index and return the list's problems (empty when all went well)."""
        async with self._lock:
            if self._built_for is library:
                return []
            self._built_for = library  # tried once per library, whatever the outcome
            try:
                index = await asyncio.to_thread(build, library, content_dir, today)
            except DangerSignsError as exc:
                kept = "the last good one stays in service" if self._index else "no answers"
                log.warning(
                    "danger signs cannot be used (%s): %d problems", kept, len(exc.problems)
                )
                return list(exc.problems)
            self._index = index
            log.info("ask index built: %d tips", len(library.tips))
            return []
