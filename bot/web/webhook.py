"""The Telegram webhook: checks the secret token in constant time, ignores repeated update ids,
and hands updates to the PTB application's queue."""

from __future__ import annotations

import hmac
import logging
from collections import OrderedDict
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Update

from bot.context import TipsApplication
from bot.updates import usable_update
from bot.web import auth
from bot.web.keys import BOT_APPLICATION
from domain.settings import webhook_url_problem

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
REMEMBERED_IDS = 10_000


class SeenUpdates:
    """The last REMEMBERED_IDS update ids: Telegram retries a webhook it thinks failed."""

    def __init__(self, size: int = REMEMBERED_IDS) -> None:
        self.size = size
        self._ids: OrderedDict[int, None] = OrderedDict()

    def first_time(self, update_id: int) -> bool:
        if update_id in self._ids:
            return False
        self._ids[update_id] = None
        if len(self._ids) > self.size:
            self._ids.popitem(last=False)
        return True


SEEN: web.AppKey[SeenUpdates] = web.AppKey("seen_updates")


async def receive(request: web.Request) -> web.Response:
    application = request.app[BOT_APPLICATION]
    expected = application.bot_data.webhook_secret or ""
    given = request.headers.get(SECRET_HEADER, "")
    if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
        return web.Response(status=403, text="forbidden")
    try:
        data = await request.json()
    except ValueError:  # not JSON: not from Telegram
        return web.Response(status=400, text="not an update")
    usable = usable_update(data)
    if usable is None:
        return web.Response(status=400, text="not an update")
    # A malformed update is answered 200 (as skipped) so Telegram does not send it again.
    update = Update.de_json(usable, application.bot)
    if request.app[SEEN].first_time(update.update_id):
        await application.update_queue.put(update)
    else:
        log.info("ignored repeated update %s", update.update_id)
    return web.Response(text="ok")


def webhook_path(url: str) -> str:
    """The path Telegram posts to; Settings allow only /telegram and below (never a page)."""
    problem = webhook_url_problem(url)
    if problem is not None:
        raise ValueError(problem)
    return urlsplit(url).path


def add_routes(app: web.Application, application: TipsApplication) -> None:
    settings = application.bot_data.services.settings
    assert settings.webhook_url is not None
    path = webhook_path(settings.webhook_url)
    app[BOT_APPLICATION] = application
    app[SEEN] = SeenUpdates()
    app.router.add_post(path, receive)
    auth.add_public_path(app, "POST", path)
