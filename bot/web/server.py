"""Builds and runs the aiohttp application: every page needs a login except /healthz (and the
webhook, which is authenticated by Telegram's secret token instead)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from aiohttp import web

from bot.services import Services
from bot.web import auth, dashboard, failures, health, metrics
from bot.web.keys import METRICS, SERVICES

if TYPE_CHECKING:
    from bot.context import TipsApplication

log = logging.getLogger(__name__)


def build_web_app(
    services: Services, *, bot_application: TipsApplication | None = None
) -> web.Application:
    app = web.Application(client_max_size=1024 * 1024)
    app[SERVICES] = services
    app[METRICS] = metrics.Metrics()
    auth.setup(app, services.settings)
    app.middlewares.append(failures.friendly_failures)
    health.add_routes(app)
    metrics.add_routes(app)
    dashboard.add_routes(app)
    if bot_application is not None and services.settings.webhook_url:
        from bot.web import webhook

        webhook.add_routes(app, bot_application)
    return app


class WebServer:
    """Runs the web app inside the bot's event loop (or on its own for `tipsbot web`)."""

    def __init__(self, app: web.Application, host: str, port: int) -> None:
        self.app, self.host, self.port = app, host, port
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        self._runner = web.AppRunner(self.app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        log.info("web server on http://%s:%d", self.host, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
