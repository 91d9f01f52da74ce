"""Hot reload: poll the content folder and swap in a freshly loaded library when files change.

Polling (sizes and modification times, every `interval` seconds) is deliberate: it is simple,
needs no extra dependency and works on every filesystem, including network shares, bind mounts
and container volumes where inotify-style events never arrive. A few hundred small files cost
a few hundred `stat` calls per poll. A change that keeps both size and modification time (within
the filesystem's timestamp resolution) is missed until the next change: editors' saves and
`git pull` always move the mtime.

Loading runs in a worker thread (`asyncio.to_thread`) so the bot's event loop stays responsive;
the new library replaces the old in one assignment, so readers see either the old or the new.
With `previous=`, broken files keep their last good version in service.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import date
from pathlib import Path

from domain.content.errors import Problem
from domain.content.loader import load_library
from domain.content.model import Library
from domain.content.topics import TOPICS_FILE
from domain.tasks import cancel_and_wait

logger = logging.getLogger(__name__)

Snapshot = dict[Path, tuple[int, int]]  # path -> (mtime_ns, size)
OnChange = Callable[[Library, Sequence[Problem]], Awaitable[None] | None]
WATCHED_FOLDERS = ("tips", "images")


def snapshot(content_dir: Path, also: Sequence[str] = ()) -> Snapshot:
    """Size and modification time of every file the library is made of, and of the files
    named in `also` (beside topics.yaml: lists that are built together with the library)."""
    content_dir = Path(content_dir)
    found: Snapshot = {}
    candidates = [content_dir / TOPICS_FILE, *(content_dir / name for name in also)]
    for folder in WATCHED_FOLDERS:
        base = content_dir / folder
        if base.is_dir():
            candidates.extend(p for p in base.rglob("*") if not _hidden(p.relative_to(base)))
    for path in candidates:
        try:
            stat = path.stat()
        except OSError:  # vanished between listing and stat: the next poll sees it gone
            continue
        if path.is_file():
            found[path] = (stat.st_mtime_ns, stat.st_size)
    return found


def _hidden(relative: Path) -> bool:
    return any(part.startswith(".") for part in relative.parts) or relative.name.endswith("~")


def changed_paths(before: Snapshot, after: Snapshot) -> set[Path]:
    """Paths added, removed or modified between two snapshots."""
    return {path for path in before.keys() | after.keys() if before.get(path) != after.get(path)}


class LibraryWatcher:
    """Keeps `library` current: polls `content_dir` and reloads when a file changes.

    `on_change(library, problems)` (sync or async) is called after every reload, including the
    first load done by `start()`. `today` supplies the date for review checks. A change to one
    of the files named in `also` (in the content folder) reloads too.
    """

    def __init__(
        self,
        content_dir: Path,
        *,
        interval: float = 2.0,
        on_change: OnChange | None = None,
        today: Callable[[], date] = date.today,
        library: Library | None = None,
        also: Sequence[str] = (),
    ) -> None:
        self.content_dir = Path(content_dir)
        self.also = tuple(also)
        self.interval = interval
        self._on_change = on_change
        self._today = today
        self._library = library
        self._snapshot: Snapshot = {}
        self._task: asyncio.Task[None] | None = None

    @property
    def library(self) -> Library:
        if self._library is None:
            raise RuntimeError("the library is not loaded yet: await LibraryWatcher.start()")
        return self._library

    async def reload(self) -> Library:
        """Load the library now (off the event loop), swap it in and notify."""
        self._snapshot = await asyncio.to_thread(snapshot, self.content_dir, self.also)
        library = await asyncio.to_thread(
            load_library, self.content_dir, today=self._today(), previous=self._library
        )
        self._library = library
        await self._notify(library)
        return library

    async def poll(self) -> bool:
        """Reload if any file changed since the last look; True when it did."""
        current = await asyncio.to_thread(snapshot, self.content_dir, self.also)
        changes = changed_paths(self._snapshot, current)
        if not changes:
            return False
        logger.info("content changed (%d files), reloading", len(changes))
        await self.reload()
        return True

    async def start(self) -> Library:
        """Load (unless given a library) and start polling in the background."""
        if self._library is None:
            await self.reload()
        else:
            self._snapshot = await asyncio.to_thread(snapshot, self.content_dir, self.also)
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="content-watcher")
        return self.library

    async def stop(self) -> None:
        task, self._task = self._task, None
        await cancel_and_wait(task)

    async def __aenter__(self) -> LibraryWatcher:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.poll()
            except Exception:  # a failing reload or callback must not end hot reload
                logger.exception("content reload failed; the current library stays in service")

    async def _notify(self, library: Library) -> None:
        if self._on_change is None:
            return
        result = self._on_change(library, library.problems)
        if inspect.isawaitable(result):
            await result
