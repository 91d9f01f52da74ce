"""CPU time per delivery end to end at 1000/s, where it goes, and peak RSS by subscriber count.

1. End to end: the delivery engine exactly as ``tipsbot run`` wires it (its own PTB Bot with a
   connection pool of the dispatcher's concurrency), in this process, paid mode at 1000/s,
   against the fake Bot API in its own process (latency 50-150 ms). CPU = this process's
   ``time.process_time()`` (all threads: the event loop and aiosqlite's threads, so SQLite's
   own work is included) over a steady window, divided by the deliveries the server accepted in
   that window. On PostgreSQL the server processes serving our connections are added (from
   /proc, via pg_stat_activity). Also at 100/s, where the process is not saturated, and the
   plain PTB ``send_message`` loop (benchmarks.throughput's ``ptb-paced``) side by side.
2. Where the time goes: the same message sent at 200/s for a few seconds through PTB with
   tipsbot's 512-connection pool and with a 32-connection pool, through raw httpx and raw
   aiohttp; and the database work per delivery without HTTP: the dispatcher's own
   ``_mark_sending`` + ``_finish`` per row, against one batched UPDATE for "sending" and
   executemany UPDATE/INSERT for the outcomes per 100 rows (what a batched ledger would do).
   One end-to-end run is profiled with pyinstrument (``results/cpu-profile-<db>.{txt,html}``).
3. Peak RSS: ``tipsbot run --send-only`` (SQLite) with N subscribers all due: it plans all of
   them (the planner tick) and sends at 1000/s; 10 s after planning ends it gets SIGTERM. Peak
   RSS is the process's VmHWM from /proc, read every 2 s (wait4's ru_maxrss is useless here:
   an exec'd child inherits its parent's high-water mark).

    uv run python -m benchmarks.cpu [--quick] [--rss-sizes 10000,100000,1000000] [--skip ...]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import httpx
from telegram import Bot
from telegram.request import HTTPXRequest

from benchmarks.common import (
    JSON,
    RESULTS,
    BenchDatabase,
    DbKind,
    FakeServer,
    TipsbotProcess,
    as_db,
    engine_in_process,
    loadavg,
    machine_info,
    now_utc,
    pg_backend_cpu_seconds,
    print_table,
    quick_flag,
    seed_broadcast,
    thread_cpu_seconds,
    tipsbot_env,
    verdict,
    write_results,
)
from benchmarks.throughput import FIRST_BASELINE_CHAT, ptb_paced, sender, tip_message
from scheduler.transport import AiohttpRequest, encoded, request_for

TARGET_MS = 0.5
TARGET_RSS_GROWTH_MB = 50.0


# =========================================================================================
# 1. End to end
# =========================================================================================
async def wait_sent(fake: FakeServer, count: int, within: float = 120.0) -> int:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        sent = int((await fake.stats())["sent"])
        if sent >= count:
            return sent
        await asyncio.sleep(0.05)
    raise RuntimeError("the engine did not start sending")


async def end_to_end(
    kind: DbKind,
    rate: float,
    seconds: float,
    *,
    profile: bool = False,
) -> JSON:
    """One window of the engine sending, wired as `tipsbot run` wires it."""
    db = await BenchDatabase(kind, "cpu").open()
    try:
        await seed_broadcast(db, int(rate * (seconds + 20)))
        async with (
            FakeServer(enforce_limits=True) as fake,
            engine_in_process(
                fake,
                db,
                rate=rate,
                paid=True,
            ),
        ):
            await wait_sent(fake, 20)  # warmed up: connections open, first batch claimed
            profiler = None
            if profile:
                from pyinstrument import Profiler

                profiler = Profiler(async_mode="disabled")
                profiler.start()
            sent0 = int((await fake.stats())["sent"])
            cpu0, main0, other0 = (
                time.process_time(),
                *thread_cpu_seconds(os.getpid()),
            )
            pg0 = pg_backend_cpu_seconds(db)
            began = time.perf_counter()
            await asyncio.sleep(seconds)
            wall = time.perf_counter() - began
            cpu1, main1, other1 = time.process_time(), *thread_cpu_seconds(os.getpid())
            pg1 = pg_backend_cpu_seconds(db)
            sent1 = int((await fake.stats())["sent"])
            if profiler is not None:
                profiler.stop()
                RESULTS.mkdir(parents=True, exist_ok=True)
                name = f"cpu-profile-{kind}"
                (RESULTS / f"{name}.txt").write_text(
                    profiler.output_text(unicode=False, color=False, show_all=False)
                )
                (RESULTS / f"{name}.html").write_text(profiler.output_html())
    finally:
        await asyncio.to_thread(db.drop)
    deliveries = max(1, sent1 - sent0)
    bot_ms = 1000 * (cpu1 - cpu0) / deliveries
    pg_ms = 1000 * max(0.0, pg1 - pg0) / deliveries
    return {
        "what": f"tipsbot/{kind}",
        "rate": rate,
        "window_s": wall,
        "deliveries": deliveries,
        "achieved_per_s": deliveries / wall,
        "process_cpu_s": cpu1 - cpu0,
        "cpu_utilisation": (cpu1 - cpu0) / wall,
        "main_thread_cpu_s": main1 - main0,
        "other_threads_cpu_s": other1 - other0,
        "bot_ms_per_delivery": bot_ms,
        "postgres_ms_per_delivery": pg_ms,
        "ms_per_delivery": bot_ms + pg_ms,
        "profiled": profile,
    }


async def ptb_end_to_end(rate: float, seconds: float) -> JSON:
    send = sender(rate, True)
    async with FakeServer(enforce_limits=True) as fake:
        bot = Bot(
            fake.token,
            base_url=fake.base_url,
            request=HTTPXRequest(connection_pool_size=512, pool_timeout=10.0),
        )
        async with bot:
            cpu0 = time.process_time()
            began = time.perf_counter()
            await ptb_paced(bot, send, rate, seconds)
            cpu = time.process_time() - cpu0
            wall = time.perf_counter() - began
        sent = int((await fake.stats())["sent"])
    return {
        "what": "ptb-paced (plain send_message loop)",
        "rate": rate,
        "window_s": wall,
        "deliveries": sent,
        "achieved_per_s": sent / wall,
        "process_cpu_s": cpu,
        "cpu_utilisation": cpu / wall,
        "bot_ms_per_delivery": 1000 * cpu / max(1, sent),
        "postgres_ms_per_delivery": 0.0,
        "ms_per_delivery": 1000 * cpu / max(1, sent),
    }


def median_run(runs: list[JSON]) -> JSON:
    """The run with the median CPU per delivery, with every run's value kept."""
    ordered = sorted(runs, key=lambda r: r["ms_per_delivery"])
    chosen = dict(ordered[len(ordered) // 2])
    chosen["runs_ms_per_delivery"] = [r["ms_per_delivery"] for r in runs]
    chosen["runs_achieved_per_s"] = [r["achieved_per_s"] for r in runs]
    return chosen


# =========================================================================================
# 2. Where the time goes
# =========================================================================================
Send = Callable[[int], Coroutine[Any, Any, Any]]


async def paced(send: Send, rate: float, seconds: float) -> None:
    loop = asyncio.get_running_loop()
    tasks: set[asyncio.Task[Any]] = set()
    start = loop.time()
    i = 0
    while loop.time() < start + seconds:
        await asyncio.sleep(max(0.0, start + i / rate - loop.time()))
        task = asyncio.create_task(send(FIRST_BASELINE_CHAT + i))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        i += 1
    if tasks:
        await asyncio.wait(set(tasks), timeout=30)


def payload(chat_id: int) -> JSON:
    html, keyboard, preview = tip_message()
    return {
        "chat_id": chat_id,
        "text": html,
        "parse_mode": "HTML",
        "reply_markup": keyboard.to_dict(),
        "link_preview_options": {"is_disabled": not preview},
        "allow_paid_broadcast": True,
    }


async def http_client(name: str, rate: float, seconds: float) -> JSON:
    template = payload(0)
    async with FakeServer() as fake:
        url = f"{fake.base_url}{fake.token}/sendMessage"
        closers: list[Callable[[], Awaitable[Any]]] = []
        send: Send
        if name.startswith("ptb"):
            pool = 32 if name.endswith("32") else 512
            bot = Bot(
                fake.token,
                base_url=fake.base_url,
                request=HTTPXRequest(connection_pool_size=pool, pool_timeout=10.0),
            )
            await bot.initialize()
            closers.append(bot.shutdown)
            ptb_send = sender(rate, True)

            async def send_ptb(chat_id: int) -> Any:
                return await ptb_send(bot, chat_id)

            send = send_ptb
        elif name == "tipsbot-transport":
            lean = Bot(fake.token, base_url=fake.base_url, request=AiohttpRequest())
            await lean.initialize()
            closers.append(lean.shutdown)
            fields = encoded({k: v for k, v in template.items() if k != "chat_id"})

            async def send_lean(chat_id: int) -> Any:
                result = await lean.request.post(
                    f"{lean.base_url}/sendMessage", request_for(chat_id, fields)
                )
                assert isinstance(result, dict)
                return result["message_id"]

            send = send_lean
        elif name == "httpx":
            client = httpx.AsyncClient(
                limits=httpx.Limits(max_connections=512, max_keepalive_connections=512)
            )
            closers.append(client.aclose)

            async def send_httpx(chat_id: int) -> Any:
                response = await client.post(url, json={**template, "chat_id": chat_id})
                return json.loads(response.content)["result"]["message_id"]

            send = send_httpx
        else:
            session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=512))
            closers.append(session.close)

            async def send_aiohttp(chat_id: int) -> Any:
                async with session.post(url, json={**template, "chat_id": chat_id}) as response:
                    return json.loads(await response.read())["result"]["message_id"]

            send = send_aiohttp
        await send(FIRST_BASELINE_CHAT - 1)  # connect once before measuring
        cpu0 = time.process_time()
        began = time.perf_counter()
        await paced(send, rate, seconds)
        cpu = time.process_time() - cpu0
        wall = time.perf_counter() - began
        for close in closers:
            await close()
        sent = int((await fake.stats())["sent"]) - 1
    return {
        "what": name,
        "rate": rate,
        "sent": sent,
        "achieved_per_s": sent / wall,
        "ms_per_send": 1000 * cpu / max(1, sent),
    }


@dataclass(frozen=True)
class Row:
    delivery_id: int
    telegram_id: int


async def database_work(kind: DbKind, rows: int) -> list[JSON]:
    """CPU per delivery of the database work alone: the dispatcher's per-row transactions
    against batched statements."""
    from sqlalchemy import bindparam, insert, update
    from sqlmodel import col

    from domain.db import create_engine, make_session_factory
    from domain.dbtypes import utcnow
    from domain.models import Delivery, DeliveryAttempt, DeliveryStatus
    from scheduler.ledger import Outcome, finish

    results = []
    for mode in ("per row (ORM, 2 transactions)", "batched x100 (Core)"):
        db = await BenchDatabase(kind, "dbwork").open()
        try:
            await seed_broadcast(db, rows)
            engine = create_engine(db.url)
            sessions = make_session_factory(engine)
            await asyncio.to_thread(db.execute, [("UPDATE delivery SET claimed_by = 'bench'", ())])
            claimed = [
                Row(int(d), int(t))
                for d, t in await asyncio.to_thread(
                    db.query,
                    "SELECT delivery.id, chat.telegram_id FROM delivery "
                    "JOIN chat ON chat.id = delivery.chat_id ORDER BY delivery.id",
                )
            ]
            cpu0 = time.process_time()
            if mode == "per row (ORM, 2 transactions)":
                # What the dispatcher at a20525f did per delivery: a transaction to mark the
                # row 'sending', then one to record the outcome (scheduler.ledger.finish).
                for item in claimed:
                    async with sessions() as session:
                        await session.exec(
                            update(Delivery)
                            .where(
                                col(Delivery.id) == item.delivery_id,
                                col(Delivery.claimed_by) == "bench",
                            )
                            .values(
                                status=DeliveryStatus.SENDING.value,
                                attempts=col(Delivery.attempts) + 1,
                            )
                        )
                        await session.commit()
                    stamp = utcnow()
                    async with sessions() as session:
                        await finish(
                            session,
                            item.delivery_id,
                            Outcome(
                                DeliveryStatus.SENT, stamp, stamp, item.telegram_id, message_id=1
                            ),
                        )
                        await session.commit()
            else:
                table = Delivery.__table__  # type: ignore[attr-defined]
                attempts = DeliveryAttempt.__table__  # type: ignore[attr-defined]
                done = (
                    update(table)
                    .where(table.c.id == bindparam("did"))
                    .values(
                        status=DeliveryStatus.SENT.value,
                        sent_at=bindparam("at"),
                        telegram_message_id=bindparam("mid"),
                        latency_ms=bindparam("lat"),
                        claimed_by=None,
                        claim_expires_at=None,
                    )
                )
                for start in range(0, len(claimed), 100):
                    chunk = claimed[start : start + 100]
                    ids = [c.delivery_id for c in chunk]
                    async with engine.begin() as conn:
                        await conn.execute(
                            update(table)
                            .where(table.c.id.in_(ids), table.c.claimed_by == "bench")
                            .values(
                                status=DeliveryStatus.SENDING.value, attempts=table.c.attempts + 1
                            )
                        )
                    stamp = utcnow()
                    async with engine.begin() as conn:
                        await conn.execute(
                            done,
                            [{"did": i, "at": stamp, "mid": 1, "lat": 100} for i in ids],
                        )
                        await conn.execute(
                            insert(attempts),
                            [
                                {
                                    "delivery_id": c.delivery_id,
                                    "telegram_chat_id": c.telegram_id,
                                    "started_at": stamp,
                                    "finished_at": stamp,
                                    "outcome": DeliveryStatus.SENT.value,
                                    "telegram_message_id": 1,
                                    "latency_ms": 100,
                                }
                                for c in chunk
                            ],
                        )
            cpu = time.process_time() - cpu0
            await engine.dispose()
            sent = db.status_counts().get("sent", 0)
        finally:
            await asyncio.to_thread(db.drop)
        results.append(
            {
                "what": f"database work, {mode}",
                "db": kind,
                "rows": len(claimed),
                "sent_rows": sent,
                "ms_per_delivery": 1000 * cpu / max(1, len(claimed)),
            }
        )
    return results


# =========================================================================================
# 3. Peak RSS by subscriber count
# =========================================================================================
def proc_status(pid: int) -> list[str]:
    with contextlib.suppress(FileNotFoundError):
        return Path(f"/proc/{pid}/status").read_text().splitlines()
    return []


async def rss_run(size: int, within: float) -> JSON:
    from domain.cadence import Cadence, latest_slot_at_or_before

    db = await BenchDatabase("sqlite", f"rss{size}").open()
    try:
        now = now_utc()
        cadence = Cadence.from_strings(
            days="mon,tue,wed,thu,fri,sat,sun",
            send_time="06:00",
            timezone="Europe/London",
            quiet_start="00:00",
            quiet_end="00:00",
        )
        slot = latest_slot_at_or_before(cadence, now)
        assert slot is not None
        await asyncio.to_thread(
            db.seed_subscribers, size, next_slot_at=slot, today=now.date(), now=now
        )
        async with FakeServer(record_calls=False) as fake:
            env = tipsbot_env(fake, db, PAID_BROADCAST="true")
            log = RESULTS / f"cpu-rss-{size}.log"
            RESULTS.mkdir(parents=True, exist_ok=True)
            log.write_text("")
            bot = TipsbotProcess(env, db.workdir, ["--send-only"], log=log).start()
            began = time.monotonic()
            planned_at: float | None = None
            rss_samples: list[float] = []
            hwm_samples: list[float] = []
            try:
                while time.monotonic() - began < within:
                    await asyncio.sleep(2.0)
                    if not bot.alive():
                        break
                    for line in proc_status(bot.pid):
                        if line.startswith("VmRSS:"):
                            rss_samples.append(int(line.split()[1]) / 1024)
                        elif line.startswith("VmHWM:"):  # the peak so far, between samples too
                            hwm_samples.append(int(line.split()[1]) / 1024)
                    rows = (await asyncio.to_thread(db.query, "SELECT count(*) FROM delivery"))[0][
                        0
                    ]
                    if planned_at is None and rows >= size:
                        planned_at = time.monotonic()
                    if planned_at is not None and time.monotonic() - planned_at >= 10:
                        break
            finally:
                await bot.stop()
            sent = int((await fake.stats())["sent"])
    finally:
        await asyncio.to_thread(db.drop)
    return {
        "subscribers": size,
        "planning_s": (planned_at - began) if planned_at else None,
        "planned_all": planned_at is not None,
        "sent": sent,
        # VmHWM: the process's own peak RSS. (wait4's ru_maxrss is not used: on Linux an
        # exec'd child starts from its parent's high-water mark, here the benchmark's own.)
        "peak_rss_mb": max(hwm_samples) if hwm_samples else None,
        "rss_samples_max_mb": max(rss_samples) if rss_samples else None,
        "exit_code": bot.returncode,
    }


# =========================================================================================
async def main(quick: bool, skip: set[str], rss_sizes: list[int]) -> None:
    info = machine_info()
    seconds = 10.0 if quick else 20.0
    e2e: list[JSON] = []
    breakdown: list[JSON] = []
    rss: list[JSON] = []
    if "e2e" not in skip:
        repeats = 1 if quick else 3
        rates = [1000.0] if quick else [1000.0, 100.0]
        for kind in ("sqlite", "postgresql"):
            for rate in rates:
                runs = []
                for _ in range(repeats):
                    print(f"  end to end: tipsbot/{kind} at {rate:g}/s, {seconds:g} s")
                    runs.append(await end_to_end(kind, rate, seconds))
                    print(f"    {runs[-1]['ms_per_delivery']:.2f} ms CPU per delivery")
                e2e.append(median_run(runs))
        for rate in rates:
            print(f"  end to end: PTB plain loop at {rate:g}/s ...")
            e2e.append(await ptb_end_to_end(rate, seconds))
        for db_kind in ("sqlite", "postgresql"):
            print(f"  profiling one end-to-end run ({db_kind}, 1000/s) ...")
            await end_to_end(as_db(db_kind), 1000.0, 10.0, profile=True)
    if "breakdown" not in skip:
        for name in ("ptb-pool512", "ptb-pool32", "httpx", "aiohttp", "tipsbot-transport"):
            print(f"  HTTP path: {name} at 200/s ...")
            breakdown.append(await http_client(name, 200.0, 5.0 if quick else 10.0))
        for kind in ("sqlite", "postgresql"):
            print(f"  database work per delivery on {kind} ...")
            breakdown += await database_work(as_db(kind), 1000 if quick else 3000)
    if "rss" not in skip:
        for size in rss_sizes:
            print(f"  peak RSS with {size:,} subscribers ...")
            rss.append(await rss_run(size, within=2400))
            print(f"    {rss[-1]}")
    if e2e:
        print_table(
            "CPU per delivery, end to end (fake Bot API 50-150 ms; target <= 0.5 ms at 1000/s)",
            [
                "sender",
                "rate/s",
                "achieved/s",
                "CPU util",
                "bot ms",
                "postgres ms",
                "total ms",
                "verdict",
            ],
            [
                [
                    r["what"],
                    r["rate"],
                    r["achieved_per_s"],
                    f"{r['cpu_utilisation']:.0%}",
                    r["bot_ms_per_delivery"],
                    r["postgres_ms_per_delivery"],
                    r["ms_per_delivery"],
                    verdict(r["ms_per_delivery"] <= TARGET_MS)
                    if r["what"].startswith("tipsbot") and r["rate"] == 1000
                    else "",
                ]
                for r in e2e
            ],
        )
    if breakdown:
        print_table(
            "Where the time goes: CPU ms per send / per delivery",
            ["what", "detail", "ms"],
            [
                [
                    r["what"],
                    f"{r['achieved_per_s']:.0f}/s achieved of 200/s"
                    if "achieved_per_s" in r
                    else f"{r['db']}, {r['rows']} rows",
                    r.get("ms_per_send", r.get("ms_per_delivery")),
                ]
                for r in breakdown
            ],
        )
    if rss:
        base = rss[0]["peak_rss_mb"]
        print_table(
            "Peak RSS of tipsbot run --send-only (plans all, sends at 1000/s; SQLite)",
            ["subscribers", "planning s", "peak RSS MB", "growth MB", "verdict"],
            [
                [
                    r["subscribers"],
                    r["planning_s"],
                    r["peak_rss_mb"],
                    r["peak_rss_mb"] - base,
                    verdict(r["peak_rss_mb"] - base <= TARGET_RSS_GROWTH_MB),
                ]
                for r in rss
            ],
        )
    write_results(
        "cpu",
        {
            "benchmark": "cpu",
            "quick": quick,
            "machine": info,
            "loadavg_at_end": loadavg(),
            "end_to_end": e2e,
            "breakdown": breakdown,
            "rss": rss,
        },
    )


def cli() -> None:
    quick, rest = quick_flag(__doc__ or "")
    parser = argparse.ArgumentParser()
    parser.add_argument("--rss-sizes", default=None)
    parser.add_argument("--skip", default="", help="comma-separated: e2e,breakdown,rss")
    args = parser.parse_args(rest)
    sizes = args.rss_sizes or ("10000,100000" if quick else "10000,100000,1000000")
    asyncio.run(
        main(quick, set(filter(None, args.skip.split(","))), [int(s) for s in sizes.split(",")])
    )


if __name__ == "__main__":
    cli()
