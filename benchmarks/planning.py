"""Subscribers planned per second: ``scheduler.planner.plan_due`` over N chats all due at the
same slot, on SQLite and on PostgreSQL.

Chats are seeded with set-based bulk INSERTs (``INSERT ... SELECT`` over a generated series):
active private chats, all three topics, 3 in 5 with a baby or toddler and 1 in 5 expecting,
languages mixed, a daily 10:00 schedule whose next slot is the same instant for everyone.
``plan_due`` is then timed exactly as the planner tick calls it (PLANNER_BATCH_SIZE 500,
CATCH_UP_LIMIT_HOURS 36) at a fixed instant, so results do not depend on the date. Between
repeats the plan is undone (deliveries deleted, slots reset). One extra run per database is
profiled with pyinstrument (``benchmarks/results/planning-profile-<db>.txt``).

Also timed, for comparison: ``scheduler.broadcast.plan_broadcast`` of one tip to the same chats
(what an urgent alert does), capped at BROADCAST_CAP seconds.

    uv run python -m benchmarks.planning [--quick] [--sizes 100000,1000000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from benchmarks.common import (
    JSON,
    REPO,
    RESULTS,
    BenchDatabase,
    DbKind,
    as_db,
    autoanalyze,
    loadavg,
    machine_info,
    median,
    print_table,
    quick_flag,
    self_peak_rss_mb,
    verdict,
    write_results,
)

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)  # a Thursday; 10:00 London = 10:00 UTC
SLOT = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
TARGET_1M_SECONDS = 60.0
BROADCAST_CAP = 120.0


def library() -> Any:
    from domain.content.loader import load_library

    return load_library(REPO / "content", today=NOW.date())


async def plan_once(
    db: BenchDatabase, lib: Any, *, profile: str | None = None, analyze: bool = True
) -> JSON:
    from domain.db import create_engine, make_session_factory
    from domain.settings import Settings
    from scheduler.planner import plan_due

    fields = Settings.model_fields
    batch_size = int(fields["planner_batch_size"].default)
    catch_up = timedelta(hours=float(fields["catch_up_limit_hours"].default))
    engine = create_engine(db.url)
    try:
        sessions = make_session_factory(engine)
        profiler = None
        if profile:
            from pyinstrument import Profiler

            profiler = Profiler(async_mode="enabled")
            profiler.start()
        began = time.perf_counter()
        cpu0 = time.process_time()
        async with autoanalyze(db) if analyze else contextlib.nullcontext():
            report = await plan_due(
                sessions,
                lib,
                now=NOW,
                batch_size=batch_size,
                catch_up_limit=catch_up,
            )
        seconds = time.perf_counter() - began
        cpu = time.process_time() - cpu0
        if profiler is not None and profile:
            profiler.stop()
            RESULTS.mkdir(parents=True, exist_ok=True)
            (RESULTS / f"{profile}.txt").write_text(
                profiler.output_text(unicode=False, color=False, show_all=False)
            )
            (RESULTS / f"{profile}.html").write_text(profiler.output_html())
    finally:
        await engine.dispose()
    return {
        "seconds": seconds,
        "cpu_s": cpu,
        "chats_due": report.chats_due,
        "planned": report.planned,
        "nothing_to_send": report.nothing_to_send,
        "per_s": report.chats_due / seconds if seconds else 0.0,
    }


def undo_plan(db: BenchDatabase) -> None:
    slot = db.ts(SLOT)
    db.execute(
        [
            ("DELETE FROM delivery", ()),
            ("UPDATE schedule SET next_slot_at = ?, last_slot_at = NULL", (slot,)),
        ]
    )


async def broadcast_once(db: BenchDatabase, lib: Any) -> JSON:
    from benchmarks.common import BROADCAST_TIP
    from domain.db import create_engine, make_session_factory
    from scheduler.broadcast import BroadcastFilter, plan_broadcast

    engine = create_engine(db.url)
    began = time.perf_counter()
    try:
        plan = await asyncio.wait_for(
            plan_broadcast(
                make_session_factory(engine),
                lib.tips[BROADCAST_TIP],
                BroadcastFilter(),
                now=NOW,
                dry_run=False,
            ),
            BROADCAST_CAP,
        )
        seconds = time.perf_counter() - began
        return {"seconds": seconds, "planned": plan.planned, "per_s": plan.planned / seconds}
    except TimeoutError:
        done = db.query("SELECT count(*) FROM delivery")[0][0]
        return {
            "seconds": None,
            "planned": int(done),
            "per_s": int(done) / BROADCAST_CAP,
            "capped_at_s": BROADCAST_CAP,
        }
    finally:
        await engine.dispose()


async def run_size(kind: DbKind, size: int, repeats: int, lib: Any, profile: bool) -> JSON:
    db = await BenchDatabase(kind, f"plan{size}").open()
    try:
        seed_s = await asyncio.to_thread(
            db.seed_subscribers,
            size,
            next_slot_at=SLOT,
            today=NOW.date(),
            now=NOW - timedelta(days=30),
            send_time="10:00",
            quiet=("21:00", "08:00"),
        )
        print(f"    seeded {size:,} chats on {kind} in {seed_s:.1f} s")
        runs = []
        for n in range(repeats):
            if n:
                await asyncio.to_thread(undo_plan, db)
            run = await plan_once(db, lib)
            print(
                f"    plan_due #{n + 1}: {run['chats_due']:,} chats in {run['seconds']:.1f} s "
                f"(CPU {run['cpu_s']:.1f} s; {run['per_s']:,.0f}/s, {run['planned']:,} planned)"
            )
            runs.append(run)
        profiled = None
        if profile:
            await asyncio.to_thread(undo_plan, db)
            profiled = await plan_once(db, lib, profile=f"planning-profile-{kind}")
        await asyncio.to_thread(db.execute, [("DELETE FROM delivery", ())])
        broadcast = await broadcast_once(db, lib)
        print(f"    plan_broadcast: {broadcast}")
    finally:
        await asyncio.to_thread(db.drop)
    seconds = median(r["seconds"] for r in runs)
    return {
        "db": kind,
        "subscribers": size,
        "seed_s": seed_s,
        "repeats": len(runs),
        "runs": runs,
        "median_s": seconds,
        "median_per_s": size / seconds,
        "cpu_s_median": median(r["cpu_s"] for r in runs),
        "projected_1m_s": seconds * 1_000_000 / size,
        "profiled_run": profiled,
        "plan_broadcast": broadcast,
    }


async def main(quick: bool, sizes: list[int], repeats: int, dbs: list[str], output: str) -> None:
    info = machine_info()
    lib = library()
    results = []
    for kind in dbs:
        for index, size in enumerate(sizes):
            print(f"  {kind}: {size:,} subscribers ...")
            count = repeats if size <= 100_000 else 1
            results.append(await run_size(as_db(kind), size, count, lib, profile=index == 0))
    print_table(
        "plan_due: subscribers planned per second (all due at one slot)",
        [
            "db",
            "subscribers",
            "runs",
            "median s",
            "CPU s",
            "planned/s",
            "1M projected s",
            "target 1M < 60 s",
            "plan_broadcast/s",
        ],
        [
            [
                r["db"],
                r["subscribers"],
                r["repeats"],
                r["median_s"],
                r["cpu_s_median"],
                r["median_per_s"],
                r["projected_1m_s"],
                verdict(r["projected_1m_s"] < TARGET_1M_SECONDS),
                r["plan_broadcast"]["per_s"],
            ]
            for r in results
        ],
    )
    write_results(
        output,
        {
            "benchmark": "planning",
            "quick": quick,
            "now": NOW.isoformat(),
            "machine": info,
            "loadavg_at_end": loadavg(),
            "peak_rss_mb_of_this_process": self_peak_rss_mb(),
            "results": results,
        },
    )


def cli() -> None:
    quick, rest = quick_flag(__doc__ or "")
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default=None)
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--dbs", default="sqlite,postgresql")
    parser.add_argument(
        "--output", default="planning", help="results file name (benchmarks/results/NAME.json)"
    )
    args = parser.parse_args(rest)
    default_sizes = "10000,100000" if quick else "100000,1000000"
    sizes = [int(s) for s in (args.sizes or default_sizes).split(",")]
    repeats = args.repeats or (1 if quick else 3)
    asyncio.run(main(quick, sizes, repeats, args.dbs.split(","), args.output))


if __name__ == "__main__":
    cli()
