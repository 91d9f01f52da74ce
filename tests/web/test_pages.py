"""The dashboard's pages over a seeded database: each shows the right numbers, the log filters
and pages, the CSV has the right rows, and no page shows names or message texts."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import timedelta

import pytest

from bot.spreadsheet import spreadsheet_safe
from domain.content.errors import Problem, Severity
from domain.content.model import Library
from domain.models import (
    ChatStatus,
    ContentFlag,
    DeliveryStatus,
    Feedback,
    Lease,
    SystemEvent,
    TipCounter,
)
from tests.bot.harness import Database, FakeClock, seed_chat, shipped_library
from tests.web.conftest import NOW, Client, add_delivery, make_services, open_client, sign_in
from tests.web.html import Page

TIP_A = "g-chat-then-wait"
TIP_B = "g-free-prescriptions"
TIP_C = "g-help-if-money-is-tight"
OVERDUE = "g-home-safety-check"
DUE_SOON = "g-healthy-start-check"
TRANSLATED = "h-1-year-vaccines"
REFUSED = "Bad Request: can't parse entities"
BROKEN_FILE_MESSAGE = "front matter: 'topics' is missing"


def library_with_problems() -> Library:
    """The shipped library with one error, one tip overdue for review, one due in 10 days and
    one Welsh translation overdue."""
    library = shipped_library()
    today = NOW.date()
    tips = dict(library.tips)
    tips[OVERDUE] = replace(tips[OVERDUE], review_by=today - timedelta(days=5))
    tips[DUE_SOON] = replace(tips[DUE_SOON], review_by=today + timedelta(days=10))
    translated = tips[TRANSLATED]
    texts = dict(translated.texts)
    texts["cy"] = replace(texts["cy"], review_by=today - timedelta(days=1))
    tips[TRANSLATED] = replace(translated, texts=texts)
    broken = Problem(
        library.content_dir / "tips" / "health" / "broken.md",
        3,
        Severity.ERROR,
        BROKEN_FILE_MESSAGE,
    )
    return replace(library, tips=tips, problems=(*library.problems, broken))


@dataclass
class Seeded:
    chats: dict[int, int]  # Telegram id -> row id
    failed_id: int


async def seed(db: Database) -> Seeded:
    clock = db.clock
    assert isinstance(clock, FakeClock)
    chats = {}
    for telegram_id, days_ago, status in (
        (1001, 40, ChatStatus.ACTIVE),
        (1002, 10, ChatStatus.ACTIVE),
        (1003, 10, ChatStatus.ACTIVE),
        (1004, 3, ChatStatus.PAUSED),
        (-100500, 1, ChatStatus.STOPPED),
    ):
        clock.now = NOW - timedelta(days=days_ago)
        chats[telegram_id] = await seed_chat(
            db, telegram_id, status=status, kind="group" if telegram_id < 0 else "private"
        )
    clock.now = NOW
    today = NOW - timedelta(hours=2)
    await add_delivery(
        db, chat_id=chats[1001], tip_id=TIP_A, planned_at=today, lag=timedelta(seconds=2)
    )
    await add_delivery(
        db, chat_id=chats[1002], tip_id=TIP_A, planned_at=today, lag=timedelta(seconds=4)
    )
    failed_id = await add_delivery(
        db,
        chat_id=chats[1003],
        tip_id=TIP_A,
        status=DeliveryStatus.FAILED,
        planned_at=today,
        error_code=400,
        error_description=REFUSED,
    )
    await add_delivery(
        db, chat_id=chats[1004], tip_id=TIP_B, status=DeliveryStatus.PLANNED, planned_at=today
    )
    yesterday = NOW - timedelta(days=1)
    await add_delivery(
        db, chat_id=chats[1001], tip_id=TIP_C, status=DeliveryStatus.RETRYING, planned_at=yesterday
    )
    await add_delivery(
        db, chat_id=chats[1002], tip_id=TIP_C, status=DeliveryStatus.SENDING, planned_at=yesterday
    )
    three_days_ago = NOW - timedelta(days=3)
    for telegram_id, lag in ((1001, 6), (1002, 100), (1003, 8)):
        await add_delivery(
            db,
            chat_id=chats[telegram_id],
            tip_id=TIP_B,
            planned_at=three_days_ago,
            lag=timedelta(seconds=lag),
        )
    async with db.sessions() as session:
        for telegram_id, value in ((1001, 1), (1002, 1), (1003, -1)):
            session.add(
                Feedback(
                    chat_id=chats[telegram_id],
                    tip_id=TIP_B,
                    value=value,
                    created_at=NOW,
                    updated_at=NOW,
                )
            )
        session.add(TipCounter(tip_id=TIP_B, kind="stopped-after", count=1))
        session.add(TipCounter(tip_id=TIP_A, kind="blocked-after", count=1))
        session.add(TipCounter(tip_id=TIP_A, kind="forget-after", count=4))
        session.add(
            ContentFlag(
                tip_id=TIP_A,
                language="en",
                kind="parse-error",
                description=REFUSED,
                first_seen=today,
                last_seen=today,
            )
        )
        for hours in (1, 5, 48):
            session.add(
                SystemEvent(
                    at=NOW - timedelta(hours=hours), kind="rate-limited", detail="retry 3 s"
                )
            )
        session.add(
            SystemEvent(
                at=NOW - timedelta(minutes=30),
                kind="capacity",
                detail="1200 tips waiting need 80 min at 0.25/s",
            )
        )
        session.add(
            Lease(
                name="planner",
                holder="host:1",
                expires_at=NOW + timedelta(seconds=50),
                heartbeat_at=NOW - timedelta(seconds=40),
            )
        )
        await session.commit()
    return Seeded(chats, failed_id)


@pytest.fixture
async def seeded(db: Database) -> Seeded:
    return await seed(db)


@pytest.fixture
async def client(db: Database, seeded: Seeded) -> AsyncIterator[Client]:
    client = await open_client(make_services(db, library=library_with_problems()))
    try:
        await sign_in(client)
        yield client
    finally:
        await client.close()


async def page(client: Client, path: str, status: int = 200) -> Page:
    response = await client.get(path)
    assert response.status == status, await response.text()
    assert response.content_type == "text/html"
    return Page(await response.text())


async def export(client: Client, query: str) -> list[dict[str, str]]:
    response = await client.get(f"/deliveries.csv?{query}")
    assert response.status == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="deliveries.csv"'
    return list(csv.DictReader(io.StringIO(await response.text())))


async def test_the_overview_shows_the_key_numbers(client: Client) -> None:
    overview = await page(client, "/")
    assert overview.headings[0] == "Overview"
    assert overview.counts["subs-heading"] == {
        "onboarding": "0",
        "active": "3",
        "paused": "1",
        "stopped": "1",
        "blocked": "0",
    }
    today = overview.counts["today-heading"]
    assert (today["sent"], today["failed"], today["planned"], today["retrying"]) == (
        "2",
        "1",
        "1",
        "0",
    )
    assert "4 planned today" in overview.text
    queue = overview.counts["queue-heading"]
    assert queue == {"planned or retrying": "2", "in flight (sending)": "1"}


async def test_the_overview_charts_have_their_numbers(client: Client) -> None:
    overview = await page(client, "/")
    for title in ("Deliveries per day by status", "Subscriber growth", "Send lag per day"):
        assert title in overview.headings
    per_day = overview.records("chart-deliveries-data")
    assert len(per_day) == 30
    assert per_day["2026-11-26"] == {
        "Day (UTC)": "2026-11-26",
        "sent": "2",
        "failed": "1",
        "retrying": "0",
        "sending": "0",
        "planned": "1",
    }
    assert per_day["2026-11-25"]["retrying"] == "1"
    assert per_day["2026-11-25"]["sending"] == "1"
    assert per_day["2026-11-23"]["sent"] == "3"
    assert per_day["2026-11-20"]["sent"] == "0"

    growth = overview.records("chart-growth-data")
    active = "Active (by day joined, cumulative)"
    assert growth["2026-10-28"]["New subscribers"] == "0"
    assert growth["2026-10-28"][active] == "1"  # 1001 joined before the window
    assert growth["2026-11-16"] == {
        "Day (UTC)": "2026-11-16",
        "New subscribers": "2",
        active: "3",
    }
    assert growth["2026-11-23"]["New subscribers"] == "1"  # paused since: new, not active
    assert growth["2026-11-25"]["New subscribers"] == "1"
    assert growth["2026-11-26"][active] == "3"

    lag = overview.records("chart-lag-data")
    assert lag["2026-11-26"]["Median"] == "3 s"
    assert lag["2026-11-26"]["95th percentile"] == "4 s"
    assert lag["2026-11-23"]["Median"] == "8 s"
    assert lag["2026-11-23"]["95th percentile"] == "100 s"
    assert lag["2026-11-24"]["Median"] == "–"
    assert "the highest 95th percentile was 100.0 seconds on 23 November" in overview.text


async def test_the_log_lists_every_delivery_newest_first(client: Client, seeded: Seeded) -> None:
    log = await page(client, "/deliveries")
    assert "9 matching deliveries" in log.headings
    rows = log.table("delivery-log")
    ids = [int(row[0]) for row in rows]
    assert ids == sorted(ids, reverse=True) and len(ids) == 9
    failed = next(row for row in rows if int(row[0]) == seeded.failed_id)
    assert failed[3:8] == ["1003", TIP_A, "en", "scheduled", "failed"]
    assert failed[9] == f"400 {REFUSED}"


FILTERS = [
    ("status=failed", {(1003, TIP_A, "failed")}),
    ("chat=1002", {(1002, TIP_A, "sent"), (1002, TIP_C, "sending"), (1002, TIP_B, "sent")}),
    (f"tip={TIP_B}&status=sent", {(c, TIP_B, "sent") for c in (1001, 1002, 1003)}),
    ("status=retrying&status=sending", {(1001, TIP_C, "retrying"), (1002, TIP_C, "sending")}),
    ("since=2026-11-25&until=2026-11-25", {(1001, TIP_C, "retrying"), (1002, TIP_C, "sending")}),
    ("until=2026-11-23", {(c, TIP_B, "sent") for c in (1001, 1002, 1003)}),
    ("since=2026-11-25T23:00:00Z&status=planned", {(1004, TIP_B, "planned")}),
    ("chat=-100500", set()),
]


async def test_the_log_filters_and_the_csv_follows_them(client: Client) -> None:
    for query, expected in FILTERS:
        log = await page(client, f"/deliveries?{query}")
        shown = {(int(row[3]), row[4], row[7]) for row in log.table("delivery-log")}
        assert shown == expected, query
        assert f"{len(expected)} matching deliver" in log.text
        exported = await export(client, query)
        assert {(int(r["chat"]), r["tip"], r["status"]) for r in exported} == expected, query


async def test_the_form_keeps_the_filters(client: Client) -> None:
    response = await client.get(f"/deliveries?status=sent&status=failed&tip={TIP_B}&chat=1001")
    html = await response.text()
    assert 'id="status-sent" checked' in html
    assert 'id="status-failed" checked' in html
    assert 'id="status-planned" checked' not in html
    assert f'name="tip" type="text" value="{TIP_B}"' in html
    assert (
        f'href="/deliveries.csv?status=sent&amp;status=failed&amp;chat=1001&amp;tip={TIP_B}"'
        in html
    )


async def test_bad_filters_are_explained(client: Client) -> None:
    for query, message in (
        ("chat=abc", "A chat id is a whole number"),
        ("since=yesterday", "Use a date like 2026-11-01"),
        ("status=lost", "Unknown status 'lost'"),
    ):
        log = await page(client, f"/deliveries?{query}", status=400)
        assert "Check the filters" in log.headings
        assert message in log.text
        assert log.table("delivery-log") == []
        response = await client.get(f"/deliveries.csv?{query}")
        assert response.status == 400
        assert message in await response.text()


async def test_the_log_pages_by_fifty_and_keeps_the_filters(db: Database, seeded: Seeded) -> None:
    chat = seeded.chats[1001]
    ids = []
    for n in range(120):
        status = DeliveryStatus.SKIPPED if n % 4 == 0 else DeliveryStatus.SENT
        planned = NOW - timedelta(days=20, minutes=n)
        ids.append(
            (
                await add_delivery(
                    db, chat_id=chat, tip_id=f"t-{n:03}", status=status, planned_at=planned
                ),
                status,
            )
        )
    sent = sorted((i for i, status in ids if status is DeliveryStatus.SENT), reverse=True)
    client = await open_client(make_services(db))
    try:
        await sign_in(client)
        query = "status=sent&chat=1001"
        first = await client.get(f"/deliveries?{query}")
        html = await first.text()
        pages = [Page(html)]
        assert "92 matching deliveries" in pages[0].headings  # 90 here, 2 seeded before
        assert "Newer" not in pages[0].text
        while "Older →" in pages[-1].text:
            link = re.search(r'href="(/deliveries\?[^"]*)" rel="next"', html)
            assert link is not None
            target = link.group(1).replace("&amp;", "&")
            assert target.startswith(f"/deliveries?{query}&before=")
            html = await (await client.get(target)).text()
            pages.append(Page(html))
        shown = [[int(r[0]) for r in p.table("delivery-log")] for p in pages]
        assert [len(ids_) for ids_ in shown] == [50, 42]
        everything = [i for ids_ in shown for i in ids_]
        assert everything[:90] == sent
        assert all(row[7] == "sent" for p in pages for row in p.table("delivery-log"))
        back = re.search(r'href="(/deliveries\?[^"]*)" rel="prev"', html)
        assert back is not None
        again = Page(await (await client.get(back.group(1).replace("&amp;", "&"))).text())
        assert [int(r[0]) for r in again.table("delivery-log")] == shown[0]
    finally:
        await client.close()


async def test_the_csv_has_every_column(client: Client, seeded: Seeded) -> None:
    rows = await export(client, "status=failed")
    assert rows == [
        {
            "id": str(seeded.failed_id),
            "planned_at": "2026-11-26T10:00:00+00:00",
            "sent_at": "",
            "chat": "1003",
            "tip": TIP_A,
            "language": "en",
            "lane": "scheduled",
            "status": "failed",
            "attempts": "1",
            "error_code": "400",
            "error": REFUSED,
            "reason": "",
            "message_id": "",
            "latency_ms": "",
        }
    ]
    assert len(await export(client, "")) == 9


def test_csv_cells_that_look_like_formulas_are_defused() -> None:
    assert spreadsheet_safe("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert spreadsheet_safe("@SUM(A1)") == "'@SUM(A1)"
    assert spreadsheet_safe(-1001234) == -1001234  # a group's chat id stays a number
    assert spreadsheet_safe("Forbidden: bot was blocked") == "Forbidden: bot was blocked"


async def test_the_tips_page_counts_per_tip(client: Client) -> None:
    tips = await page(client, "/tips")
    records = tips.records("tips-table")
    head = ["Tip", "Topic", "Sent", "Thumbs up", "Thumbs down"]
    assert [records[TIP_B][h] for h in head] == [TIP_B, "welfare", "3", "2", "1"]
    assert records[TIP_B]["Stopped after"] == "1"
    assert records[TIP_B]["Blocked after"] == "0"
    assert records[TIP_B]["Stop-after rate"] == "33.3%"
    assert records[TIP_A]["Sent"] == "2"
    assert records[TIP_A]["Blocked after"] == "1"
    assert records[TIP_A]["Stop-after rate"] == "50.0%"
    assert records[TIP_C]["Sent"] == "0"
    assert records[TIP_C]["Stop-after rate"] == "–"
    assert len(records) == len(shipped_library().tips)
    assert tips.column("tips-table", 0)[:2] == [TIP_B, TIP_A]  # most sent first

    by_down = await page(client, "/tips?sort=down")
    assert by_down.column("tips-table", 0)[0] == TIP_B
    by_rate = await page(client, "/tips?sort=rate")
    assert by_rate.column("tips-table", 0)[:2] == [TIP_A, TIP_B]
    by_id = await page(client, "/tips?sort=tip")
    assert by_id.column("tips-table", 0) == sorted(shipped_library().tips)


async def test_the_tips_page_lists_content_errors_and_reviews(client: Client) -> None:
    tips = await page(client, "/tips")
    assert BROKEN_FILE_MESSAGE in tips.text
    assert "broken.md" in tips.text
    assert f"{TIP_A} en parse-error {REFUSED} 1" in tips.text
    reviews = [[*row[:2], row[3]] for row in tips.table("review-table")]
    assert reviews == [
        [OVERDUE, "en", "overdue by 5 days"],
        [TRANSLATED, "cy", "overdue by 1 day"],
        [DUE_SOON, "en", "due in 10 days"],
    ]


async def test_tips_no_longer_in_the_library_still_show(db: Database, seeded: Seeded) -> None:
    await add_delivery(db, chat_id=seeded.chats[1001], tip_id="withdrawn-tip")
    client = await open_client(make_services(db))
    try:
        await sign_in(client)
        tips = await page(client, "/tips")
        row = tips.records("tips-table")["withdrawn-tip not in the library"]
        assert row["Sent"] == "1"
    finally:
        await client.close()


async def test_the_health_page(client: Client) -> None:
    health = await page(client, "/health")
    assert health.counts["queue-heading"] == {
        "Waiting (planned or retrying)": "2",
        "In flight (sending)": "1",
    }
    assert "40 s ago" in health.text and "On time." in health.text
    assert health.counts["rate-heading"] == {"Pauses in the last 24 h": "2"}
    assert health.counts["content-heading"] == {
        "Tips refused by Telegram": "1",
        "Errors in the library": "1",
    }
    assert "2026-11-26 11:30" in health.text
    assert "1200 tips waiting need 80 min at 0.25/s" in health.text


async def test_the_health_page_says_when_the_planner_is_late(db: Database) -> None:
    client = await open_client(make_services(db))
    try:
        await sign_in(client)
        health = await page(client, "/health")
        assert "The planner has never run" in health.text
        assert "Late: no tick in the last 2 min" in health.text
        assert "None: the queue fits within an hour" in health.text
    finally:
        await client.close()


async def test_the_pages_work_on_an_empty_database(db: Database) -> None:
    client = await open_client(make_services(db))
    try:
        await sign_in(client)
        for path in ("/", "/deliveries", "/tips", "/health"):
            await page(client, path)
        overview = await page(client, "/")
        assert "no tips were sent in this period" in overview.text
        assert "No deliveries match" in (await page(client, "/deliveries")).text
    finally:
        await client.close()


async def test_no_page_shows_message_texts(client: Client) -> None:
    library = shipped_library()
    texts = []
    for tip_id in (TIP_A, TIP_B, TIP_C):
        tip = library.tips[tip_id]
        texts += [tip.title, tip.master.body_markdown[:60]]
    for path in ("/", "/deliveries", "/tips", "/health", "/deliveries.csv"):
        body = await (await client.get(path)).text()
        for text in texts:
            assert text not in body, f"{path} shows message text {text!r}"
