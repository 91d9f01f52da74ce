"""/healthz: liveness plus a database check, for load balancers and uptime monitors (no login)."""

from __future__ import annotations

import asyncio

from aiohttp import web
from sqlalchemy import text

from bot.web.keys import SERVICES

DB_TIMEOUT_SECONDS = 2.0


async def healthz(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    try:
        async with asyncio.timeout(DB_TIMEOUT_SECONDS), services.db.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as exc:  # any failure means "not healthy"; say which part
        return web.json_response(
            {"status": "error", "database": f"unavailable: {type(exc).__name__}"}, status=503
        )
    return web.json_response({"status": "ok", "database": "ok"})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/healthz", healthz)
