"""The Health page and /healthz say when the planner is late, and never call a tick from the
future "on time"."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.models import Lease
from tests.bot.harness import Database
from tests.web.conftest import NOW, Client, sign_in


async def set_tick(db: Database, seconds_ago: float) -> None:
    at = NOW - timedelta(seconds=seconds_ago)
    async with db.sessions() as session:
        session.add(
            Lease(
                name="planner",
                holder="host:1",
                expires_at=at + timedelta(seconds=90),
                heartbeat_at=at,
            )
        )
        await session.commit()


async def test_healthz_reports_a_planner_that_never_ran(client: Client) -> None:
    response = await client.get("/healthz")
    assert response.status == 200
    assert await response.json() == {"status": "ok", "database": "ok", "planner": "never"}


@pytest.mark.parametrize(
    ("seconds_ago", "verdict", "page_text"),
    [
        (20, "on-time", "On time."),
        (200, "late", "Late: no tick in the last 2 min"),
        (-3 * 86400, "ahead", "in the future"),
    ],
)
async def test_planner_verdict_on_the_page_and_in_healthz(
    client: Client, db: Database, seconds_ago: float, verdict: str, page_text: str
) -> None:
    await set_tick(db, seconds_ago)
    health = await (await client.get("/healthz")).json()
    assert health["planner"] == verdict
    assert health["planner_tick_age_seconds"] == pytest.approx(seconds_ago, abs=1)
    await sign_in(client)
    page = await (await client.get("/health")).text()
    assert page_text in page
    if verdict != "on-time":
        assert "On time." not in page
        assert "0 s ago" not in page
