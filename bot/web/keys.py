"""Typed keys for what the web handlers find on the aiohttp application."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from bot.context import TipsApplication
    from bot.services import Services
    from bot.web.metrics import Metrics

SERVICES: web.AppKey[Services] = web.AppKey("services")
METRICS: web.AppKey[Metrics] = web.AppKey("metrics")
BOT_APPLICATION: web.AppKey[TipsApplication] = web.AppKey("bot_application")
