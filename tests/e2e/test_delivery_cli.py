"""The operators' delivery commands as real processes: send-due, broadcast, deliveries, timeline."""

from __future__ import annotations

import csv
import io
import json
import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from tests.bot.harness import REPO, Database, process_env, seed_chat
from tests.e2e.tipsbot_process import PIPE, run_tipsbot, running_tipsbot
from tests.fakebotapi import FakeBotAPI


async def test_send_due_broadcast_and_the_log(tmp_path: Path, migrated_sqlite_url: str) -> None:
    url = migrated_sqlite_url
    database = Database(url)  # its clock: Thursday 2026-11-26 12:00 UTC
    try:
        for n in range(5):
            await seed_chat(database, 7000 + n, born=date(2026, 10, 1))
        await seed_chat(database, 7100, born=date(2026, 10, 1), region="scotland")
    finally:
        await database.close()
    async with FakeBotAPI() as api:
        env = process_env(api, url)
        # Friday 10:00 London: every chat's slot has come.
        code, out, err = await run_tipsbot(
            "send-due", "--at", "2026-11-27T10:05:00+00:00", "--dry-run", env=env, cwd=tmp_path
        )
        assert code == 0, err
        assert "6 chats due; 6 would get a tip" in out
        assert len(api.sent) == 0  # a dry run sends nothing

        code, out, err = await run_tipsbot(
            "send-due", "--at", "2026-11-27T10:05:00+00:00", env=env, cwd=tmp_path
        )
        assert code == 0, err
        assert "planned 6; sent 6" in out
        assert sorted(m.chat_id for m in api.sent) == [7000, 7001, 7002, 7003, 7004, 7100]

        # Friday 23:30 London: the five chats in England would get it after their quiet hours.
        code, out, err = await run_tipsbot(
            "broadcast",
            "w-england-free-school-meals",
            "--at",
            "2026-11-27T23:30:00+00:00",
            "--dry-run",
            env=env,
            cwd=tmp_path,
        )
        assert code == 0, err
        first, rest = out.split("; ", 1)
        assert first == "w-england-free-school-meals: 5 chats"
        assert rest.endswith("; 5 wait for the end of their quiet hours\n")

        code, out, err = await run_tipsbot(
            "broadcast",
            "h-safe-sleep-on-back",
            "--region",
            "scotland",
            "--at",
            "2026-11-27T10:10:00+00:00",
            "--dry-run",
            env=env,
            cwd=tmp_path,
        )
        assert code == 0, err
        assert out.startswith("h-safe-sleep-on-back: 1 chats; ")
        assert "quiet hours" not in out  # 10:10 in Scotland: it goes out at once
        code, out, err = await run_tipsbot(
            "broadcast",
            "h-safe-sleep-on-back",
            "--region",
            "scotland",
            "--at",
            "2026-11-27T10:10:00+00:00",
            env=env,
            cwd=tmp_path,
            stdin="y\n",
        )
        assert code == 0, err
        assert "planned 1" in out
        code, out, err = await run_tipsbot("broadcast", "no-such-tip", env=env, cwd=tmp_path)
        assert code == 1 and "no tip with id" in err and "Traceback" not in err

        code, out, err = await run_tipsbot("deliveries", "--format", "json", env=env, cwd=tmp_path)
        rows = [json.loads(line) for line in out.splitlines()]
        assert code == 0 and len(rows) == 7
        assert {r["status"] for r in rows} == {"sent", "planned"}
        assert {r["lane"] for r in rows} == {"scheduled", "broadcast"}
        code, out, err = await run_tipsbot(
            "deliveries", "--status", "sent", "--format", "csv", env=env, cwd=tmp_path
        )
        table = list(csv.DictReader(io.StringIO(out)))
        assert len(table) == 6 and all(r["message_id"] for r in table)
        code, out, err = await run_tipsbot("deliveries", "--chat", "7100", env=env, cwd=tmp_path)
        assert out.splitlines()[0].split()[:3] == ["planned_at", "chat", "tip"]
        assert len(out.splitlines()) == 3  # header + the scheduled tip + the broadcast


async def test_timeline_uses_the_delivery_rules(tmp_path: Path) -> None:
    env = {**os.environ, "CONTENT_DIR": str(REPO / "content")}
    start = date(2026, 11, 30)
    born = (start - timedelta(weeks=10)).isoformat()
    code, out, err = await run_tipsbot(
        "content",
        "timeline",
        "--birth-date",
        born,
        "--weeks",
        "4",
        "--start",
        start.isoformat(),
        env=env,
        cwd=tmp_path,
    )
    assert code == 0, err
    lines = out.splitlines()
    assert lines[-1] == "12 tips on 12 send days over 4 weeks"
    ids = [line.split()[5] for line in lines[:-1]]  # day, date, time, "age", "10w", id
    assert len(set(ids)) == len(ids)  # never the same tip twice
    assert lines[0].startswith("Mon 2026-11-30 10:00")
    code, out, err = await run_tipsbot("content", "timeline", "--weeks", "2", env=env, cwd=tmp_path)
    assert code == 2 and "exactly one of" in err


async def test_deliveries_follow_prints_new_rows_and_purge_removes_old_ones(
    tmp_path: Path, migrated_sqlite_url: str
) -> None:
    url = migrated_sqlite_url
    database = Database(url)
    now = datetime.now(UTC)
    try:
        chat = await seed_chat(database, 7300, born=date(2026, 10, 1))

        await _add_delivery(database, chat, "t-first", status="sent", planned=now)
        await _add_delivery(
            database, chat, "t-ancient", status="sent", planned=now - timedelta(days=400)
        )
        env = {**os.environ, "DATABASE_URL": url, "CONTENT_DIR": str(REPO / "content")}
        async with running_tipsbot(
            "deliveries", "--follow", "--format", "json", env=env, cwd=tmp_path, stderr=PIPE
        ) as follow:
            first = [json.loads(await follow.readline(30)) for _ in range(2)]
            assert {row["tip"] for row in first} == {"t-first", "t-ancient"}
            await _add_delivery(database, chat, "t-new", status="sent", planned=now)
            fresh = json.loads(await follow.readline(30))
            assert fresh["tip"] == "t-new" and fresh["chat"] == 7300
        code, out, err = await run_tipsbot("db", "purge", env=env, cwd=tmp_path)
        assert code == 0, err
        assert "purged 1 delivery rows older than 180 days" in out
        code, out, err = await run_tipsbot("deliveries", "--format", "json", env=env, cwd=tmp_path)
        assert {json.loads(line)["tip"] for line in out.splitlines()} == {"t-first", "t-new"}
    finally:
        await database.close()


async def _add_delivery(
    database: Database,
    chat: int,
    tip: str,
    *,
    status: str,
    error_description: str | None = None,
    reason: str | None = None,
    planned: datetime = datetime(2026, 11, 26, 12, 0, tzinfo=UTC),
) -> int:
    from domain.models import Delivery

    async with database.sessions() as session:
        row = Delivery(
            chat_id=chat,
            tip_id=tip,
            language="en",
            lane="scheduled",
            slot_at=planned,
            planned_at=planned,
            not_before=planned,
            status=status,
            error_description=error_description,
            reason=reason,
        )
        session.add(row)
        await session.commit()
        assert row.id is not None
        return row.id


async def test_deliveries_csv_defuses_formulas(migrated_url: str, tmp_path: Path) -> None:
    database = Database(migrated_url)
    try:
        group = await seed_chat(database, -1001234, kind="group", born=date(2026, 10, 1))
        await _add_delivery(
            database,
            group,
            "h-safe-sleep-on-back",
            status="failed",
            error_description="=cmd|' /C calc'!A0",
            reason="@SUM(A1)",
        )
    finally:
        await database.close()
    env = {**os.environ, "DATABASE_URL": migrated_url, "CONTENT_DIR": str(REPO / "content")}
    code, out, err = await run_tipsbot("deliveries", "--format", "csv", env=env, cwd=tmp_path)
    assert code == 0, err
    [row] = list(csv.DictReader(io.StringIO(out)))
    assert row["error"] == "'=cmd|' /C calc'!A0"
    assert row["reason"] == "'@SUM(A1)"
    assert row["chat"] == "-1001234"  # a group's chat id stays a number
    assert row["tip"] == "h-safe-sleep-on-back"


async def test_deliveries_follow_prints_status_changes_in_aligned_columns(
    migrated_url: str, tmp_path: Path
) -> None:
    from sqlmodel import col, update

    from domain.models import Delivery

    database = Database(migrated_url)
    try:
        chat = await seed_chat(database, 7400, born=date(2026, 10, 1))
        first = await _add_delivery(database, chat, "h-safe-sleep-on-back", status="planned")
        env = {**os.environ, "DATABASE_URL": migrated_url, "CONTENT_DIR": str(REPO / "content")}
        async with running_tipsbot(
            "deliveries", "--follow", env=env, cwd=tmp_path, stderr=PIPE
        ) as follow:

            async def line() -> str:
                return (await follow.readline(30)).decode().rstrip("\n")

            header, planned = await line(), await line()
            assert header.split()[:3] == ["planned_at", "chat", "tip"]
            async with database.sessions() as session:
                await session.exec(
                    update(Delivery)
                    .where(col(Delivery.id) == first)
                    .values(status="sent", attempts=1, latency_ms=120)
                )
                await session.commit()
            await _add_delivery(database, chat, "l-reading-together-every-day", status="planned")
            later = [await line(), await line()]
    finally:
        await database.close()
    status_at = header.index("status")
    latency_at = header.index("latency_ms")
    assert planned[status_at:].split()[0] == "planned"
    sent = next(row for row in later if "h-safe-sleep-on-back" in row)
    assert sent[status_at:].split()[0] == "sent"  # the row printed as planned, now sent
    assert sent[latency_at:] == "120"
    new = next(row for row in later if "l-reading-together-every-day" in row)
    assert new[status_at:].split()[0] == "planned"
    assert new.index("l-reading") == header.index("tip")
