"""`tipsbot stats` and the dashboard show the same numbers for the same data (SQLite and
PostgreSQL): both are built from the same queries in domain.stats."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, time, timedelta
from typing import Any

from click.testing import CliRunner

from bot.cli import main
from domain.models import ChatStatus
from tests.bot.harness import Database, FakeClock, seed_chat
from tests.web.conftest import NOW, add_delivery, make_services, open_client, sign_in
from tests.web.html import Page
from tests.web.test_pages import TIP_A, TIP_B, page, seed


async def cli_stats(db: Database, days: int) -> dict[str, Any]:
    """`tipsbot stats --format json` at the dashboard's clock, in a thread (it runs its own
    event loop)."""
    args = ["stats", "--days", str(days), "--at", NOW.isoformat(), "--format", "json"]
    result = await asyncio.to_thread(CliRunner().invoke, main, args, env={"DATABASE_URL": db.url})
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def number(cell: str) -> float:
    return float(cell.replace(",", "").removesuffix(" s"))


async def dashboard(db: Database) -> tuple[Page, Page]:
    client = await open_client(make_services(db))
    try:
        await sign_in(client)
        return await page(client, "/"), await page(client, "/tips")
    finally:
        await client.close()


async def seed_the_edges(db: Database) -> None:
    """Where separate sums used to part: a chat still onboarding (not a new subscriber) and a
    delivery early on the first day of the 30 (inside the window: windows are whole UTC days)."""
    seeded = await seed(db)
    clock = db.clock
    assert isinstance(clock, FakeClock)
    clock.now = NOW - timedelta(days=5)
    await seed_chat(db, 1005, status=ChatStatus.ONBOARDING)
    clock.now = NOW
    first_morning = datetime.combine(NOW.date() - timedelta(days=29), time(6), tzinfo=UTC)
    await add_delivery(db, chat_id=seeded.chats[1004], tip_id=TIP_A, planned_at=first_morning)


async def test_the_cli_and_the_dashboard_show_the_same_numbers(db: Database) -> None:
    await seed_the_edges(db)
    overview, tips = await dashboard(db)
    month, today = await cli_stats(db, 30), await cli_stats(db, 1)

    shown = overview.counts["subs-heading"]
    assert {k: number(v) for k, v in shown.items()} == {
        status: month["subscribers_by_status"].get(status, 0) for status in shown
    }
    assert sum(month["subscribers_by_status"].values()) == 6

    # The chart's 30 days are the CLI's 30 days; every delivery the CLI counts is on the chart.
    chart = overview.records("chart-deliveries-data")
    assert month["since"].startswith(min(chart))
    for day, row in chart.items():
        cli_day = month["deliveries_per_day"].get(day, {})
        for status, cell in row.items():
            if status != "Day (UTC)":
                assert number(cell) == cli_day.get(status, 0), (day, status)
    assert set(month["deliveries_per_day"]) <= set(chart)
    charted = sum(number(c) for row in chart.values() for k, c in row.items() if k != "Day (UTC)")
    assert charted == sum(sum(d.values()) for d in month["deliveries_per_day"].values()) == 10

    today_shown = overview.counts["today-heading"]
    (today_cli,) = today["deliveries_per_day"].values()
    assert {k: number(v) for k, v in today_shown.items()} == {
        status: today_cli.get(status, 0) for status in today_shown
    }

    growth = overview.records("chart-growth-data")
    assert {
        day: number(row["New subscribers"])
        for day, row in growth.items()
        if row["New subscribers"] != "0"
    } == month["new_subscribers_per_day"]

    lag = overview.records("chart-lag-data")[NOW.date().isoformat()]
    assert (
        (number(lag["Median"]), number(lag["95th percentile"]))
        == (
            today["lag_median_seconds"],
            today["lag_p95_seconds"],
        )
        == (3.0, 4.0)
    )

    per_tip = tips.records("tips-table")
    scores = {s["tip_id"]: s for s in month["most_helpful"] + month["least_helpful"]}
    assert set(scores) == {TIP_B}
    assert (
        (number(per_tip[TIP_B]["Thumbs up"]), number(per_tip[TIP_B]["Thumbs down"]))
        == (
            scores[TIP_B]["up"],
            scores[TIP_B]["down"],
        )
        == (2, 1)
    )
    for tip in (TIP_A, TIP_B):
        after = month["after_tip"][tip]
        assert number(per_tip[tip]["Stopped after"]) == after.get("stopped-after", 0)
        assert number(per_tip[tip]["Blocked after"]) == after.get("blocked-after", 0)


async def test_the_cli_and_the_dashboard_show_the_same_question_counts(db: Database) -> None:
    """Questions per topic and language (no chat, no text) are counted as they are asked and
    shown the same by `tipsbot stats`, `tipsbot questions` and the dashboard's Tips page; a day
    outside the window is left out of both."""
    from domain.models import AskKind
    from domain.questions import count_question

    today, old = NOW.date(), NOW.date() - timedelta(days=40)
    asked = [
        (today, "health", "cy", [AskKind.ASKED, AskKind.ANSWERED, AskKind.URGENT]),
        (today, "health", "cy", [AskKind.ASKED, AskKind.ANSWERED]),
        (today - timedelta(days=3), "health", "cy", [AskKind.NOT_WHAT_I_ASKED]),
        (today, None, "ur", [AskKind.ASKED, AskKind.UNANSWERED]),
        (today - timedelta(days=1), None, "ur", [AskKind.ASKED, AskKind.UNANSWERED]),
        (old, "learning", "en", [AskKind.ASKED, AskKind.UNANSWERED]),
    ]
    for day, topic, language, kinds in asked:
        async with db.sessions() as session:
            await count_question(session, day=day, topic=topic, language=language, kinds=kinds)
            await session.commit()

    _overview, tips = await dashboard(db)
    month = await cli_stats(db, 30)
    shown = {
        (row[0], row[1]): [number(cell) for cell in row[2:]]
        for row in tips.table("questions-table")
    }
    assert shown == {
        ("(no topic)", "ur"): [2, 0, 2, 0, 0],
        ("health", "cy"): [2, 2, 0, 1, 1],
    }
    assert list(shown) == [("(no topic)", "ur"), ("health", "cy")]  # unanswered first
    from_cli = {
        (q["topic"] or "(no topic)", q["language"]): [
            q["asked"],
            q["answered"],
            q["unanswered"],
            q["urgent"],
            q["not_what_i_asked"],
        ]
        for q in month["questions"]
    }
    assert from_cli == shown

    args = ["questions", "--days", "30", "--at", NOW.isoformat()]
    result = await asyncio.to_thread(CliRunner().invoke, main, args, env={"DATABASE_URL": db.url})
    assert result.exit_code == 0, result.output
    rows = [line.split() for line in result.stdout.splitlines() if line.startswith("  ")]
    assert ["health", "cy", "2", "2", "0", "1", "1"] in rows
    assert ["(no", "topic)", "ur", "2", "0", "2", "0", "0"] in rows
    assert "Unanswered question texts are not kept" in result.stdout
