"""/healthz: liveness plus a database check, for load balancers and uptime monitors (no login).

HTTP 503 means the database cannot be reached within DB_TIMEOUT_SECONDS. The planner's state is
a field ("planner": on-time, late, ahead or never) rather than the status code: a process that
receives updates is still worth routing to while the planner is late; monitors alert on the
field.
"""

from __future__ import annotations

from datetime import UTC, datetime

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from bot.web.failures import Slow, within
from bot.web.keys import SERVICES
from bot.web.planner_state import planner_state
from domain.models import Lease

PLANNER_LEASE = "planner"

DB_TIMEOUT_SECONDS = 2.0


async def healthz(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    try:
        heartbeat = await within(DB_TIMEOUT_SECONDS, planner_heartbeat(services.db))
    except Slow:
        return web.json_response(
            {"status": "error", "database": f"no answer within {DB_TIMEOUT_SECONDS:.0f} s"},
            status=503,
        )
    except Exception as exc:  # any failure means "not healthy"; say which part
        return web.json_response(
            {"status": "error", "database": f"unavailable: {type(exc).__name__}"}, status=503
        )
    planner = planner_state(
        heartbeat,
        now=services.clock().astimezone(UTC),
        interval_seconds=services.settings.planner_interval_seconds,
    )
    body: dict[str, object] = {"status": "ok", "database": "ok", "planner": planner.verdict.value}
    if planner.age_seconds is not None:
        body["planner_tick_age_seconds"] = round(planner.age_seconds, 1)
    return web.json_response(body)


async def planner_heartbeat(db: AsyncEngine) -> datetime | None:
    async with db.connect() as conn:
        row = await conn.execute(
            select(col(Lease.heartbeat_at)).where(col(Lease.name) == PLANNER_LEASE)
        )
        return row.scalar_one_or_none()


def add_routes(app: web.Application) -> None:
    app.router.add_get("/healthz", healthz)
