"""Hot reload in the running bot: poll the content folder, swap the library, tell admins of errors.

Polling (LibraryWatcher) is used rather than filesystem events: it works the same on every
filesystem and container volume. A broken file keeps its last good version in service. The
ask index (bot.ask_index) is rebuilt with every reload; the danger-sign list is watched too, and
a broken one keeps the last good index, reported like a broken tip.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from telegram.error import TelegramError

from bot.context import TipsApplication
from domain.ask import DANGER_SIGNS_FILE
from domain.content.errors import Problem, Severity
from domain.content.model import Library
from domain.content.reload import LibraryWatcher
from domain.content.render import escape
from domain.tasks import cancel_and_wait

log = logging.getLogger(__name__)
MAX_LINES = 20


class ContentReloader:
    """Owns the watcher; reports each new set of errors once (to the log and to admins)."""

    def __init__(self, application: TipsApplication) -> None:
        self.application = application
        services = application.bot_data.services
        self.watcher = LibraryWatcher(
            services.settings.content_dir,
            interval=services.settings.content_reload_seconds or 2.0,
            on_change=self.on_change,
            today=lambda: services.clock().date(),
            library=services.library.current,
            also=(DANGER_SIGNS_FILE,),
        )
        self._base = services.settings.content_dir.parent
        self._reported = frozenset(self.lines(services.library.current.errors))

    async def on_change(self, library: Library, problems: Sequence[Problem]) -> None:
        data = self.application.bot_data
        services = data.services
        services.library.current = library
        broken_signs = await data.ask.rebuild(
            library, services.settings.content_dir, services.clock().date()
        )
        errors = [p for p in (*problems, *broken_signs) if p.severity is Severity.ERROR]
        log.info(
            "content reloaded: %d tips, %d errors, %d warnings",
            len(library.tips),
            len(errors),
            len(problems) + len(broken_signs) - len(errors),
        )
        current = frozenset(self.lines(errors))
        if current == self._reported:
            return
        self._reported = current
        for line in self.lines(errors):
            log.warning("content %s", line)
        if errors:
            await self.tell_admins(errors)

    def lines(self, problems: Sequence[Problem]) -> list[str]:
        """`path:line: error: message`, paths relative to the content folder's parent."""
        return [p.format(relative_to=self._base) for p in problems]

    async def tell_admins(self, errors: Sequence[Problem]) -> None:
        lines = [escape(line) for line in self.lines(errors[:MAX_LINES])]
        if len(errors) > MAX_LINES:
            lines.append(f"… +{len(errors) - MAX_LINES}")
        text = (
            "⚠️ <b>Content errors</b> (the last good version of each file stays in service):\n"
            + "\n".join(lines)
        )
        for admin in self.application.bot_data.services.settings.admin_user_ids:
            try:
                await self.application.bot.send_message(admin, text[:4000], parse_mode="HTML")
            except TelegramError as exc:
                log.warning("could not tell an admin about content errors: %s", exc)

    async def start(self) -> None:
        await self.watcher.start()

    async def stop(self) -> None:
        await self.watcher.stop()


async def start_content_reload(application: TipsApplication) -> None:
    """Build the ask index in the background (a question that comes first waits for it), then
    watch the content folder (unless CONTENT_RELOAD_SECONDS is 0)."""
    data = application.bot_data
    data.ask_build = asyncio.create_task(build_ask_index(application), name="ask-index")
    if data.services.settings.content_reload_seconds > 0:
        data.reloader = ContentReloader(application)
        await data.reloader.start()


async def build_ask_index(application: TipsApplication) -> None:
    """The start-up build of the ask index; a broken danger-sign list is logged line by line."""
    services = application.bot_data.services
    content_dir = services.settings.content_dir
    try:
        broken = await application.bot_data.ask.rebuild(
            services.library.current, content_dir, services.clock().date()
        )
    except Exception:  # questions then get the honest "no tip yet"; the bot runs on
        log.exception("the ask index could not be built")
        return
    for problem in broken:
        log.warning("content %s", problem.format(relative_to=content_dir.parent))


async def stop_content_reload(application: TipsApplication) -> None:
    """Stop watching, and stop waiting for a start-up build still running."""
    data = application.bot_data
    if data.reloader is not None:
        await data.reloader.stop()
    task, data.ask_build = data.ask_build, None
    await cancel_and_wait(task)
