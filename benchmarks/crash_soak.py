"""Crash soak: a broadcast of N deliveries while ``tipsbot run`` is SIGKILLed at random moments
every 5-15 s and restarted each time; the outcome judged against the fake server's ground truth.

``tipsbot run`` (polling, the whole bot) sends a planned broadcast at 1000/s (paid mode)
against the fake Bot API (its own process, latency 50-150 ms). Each life of the process lasts
a random 5-15 s, then SIGKILL, then a new process at once; the last one runs until nothing is
waiting and stops with SIGTERM. Then, per delivery (at-most-once, the default):

- lost: not delivered, and the database does not say ``unknown`` (target 0);
- duplicates: delivered more than once (target 0);
- unknown: the database says ``unknown`` (its request may or may not have arrived); split by
  the ground truth into delivered and not delivered, and compared with what was in flight at
  the kills: requests that arrived at the server within the last MAX_LATENCY + SLACK seconds
  before a kill (their answers could not all have come back).

    uv run python -m benchmarks.crash_soak [--quick] [--dbs sqlite,postgresql] [--deliveries N]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from collections import Counter

from benchmarks.common import (
    JSON,
    RESULTS,
    BenchDatabase,
    DbKind,
    FakeServer,
    TipsbotProcess,
    as_db,
    loadavg,
    machine_info,
    percentile,
    print_table,
    quick_flag,
    seed_broadcast,
    tipsbot_env,
    verdict,
    write_results,
)

MAX_LATENCY = 0.15
SLACK = 0.1
TERMINAL = {"sent", "failed", "unknown", "skipped"}


def pending(db: BenchDatabase) -> int:
    rows = db.query(
        "SELECT count(*) FROM delivery WHERE status IN ('planned', 'retrying', 'sending')"
    )
    return int(rows[0][0])


async def run(kind: DbKind, deliveries: int, rate: float, within: float) -> JSON:
    rng = random.Random(11)
    db = await BenchDatabase(kind, "crash").open()
    try:
        planned, _, _ = await seed_broadcast(db, deliveries)
        async with FakeServer() as fake:
            env = tipsbot_env(fake, db, PAID_BROADCAST="true", PAID_SEND_RATE=f"{rate:g}")
            log = RESULTS / f"crash_soak-{kind}.log"
            RESULTS.mkdir(parents=True, exist_ok=True)
            log.write_text("")
            kills: list[float] = []
            lives: list[JSON] = []
            began = time.monotonic()
            while time.monotonic() - began < within:
                bot = TipsbotProcess(env, db.workdir, log=log).start()
                life = rng.uniform(5.0, 15.0)
                started = time.monotonic()
                sent_before = int((await fake.stats())["sent"])
                while time.monotonic() - started < life and bot.alive():  # noqa: ASYNC110 (polling another process)
                    await asyncio.sleep(0.05)  # polling another process
                left = await asyncio.to_thread(pending, db)
                if left == 0 or not bot.alive():
                    break  # the last life: finish below with SIGTERM
                kills.append(time.monotonic())
                await bot.kill()
                lives.append(
                    {
                        "life_s": life,
                        "sent_in_life": int((await fake.stats())["sent"]) - sent_before,
                    }
                )
                print(f"    kill #{len(kills)} after {life:.1f} s; {left:,} still waiting")
            # The last life: run until nothing is waiting (bounded), then stop cleanly.
            deadline = time.monotonic() + max(60.0, within - (time.monotonic() - began))
            while bot.alive() and time.monotonic() < deadline:
                if await asyncio.to_thread(pending, db) == 0:
                    break
                await asyncio.sleep(0.5)
            exit_code = await bot.stop()
            elapsed = time.monotonic() - began
            calls = await fake.send_calls()
        statuses = db.delivery_statuses()
    finally:
        await asyncio.to_thread(db.drop)
    delivered = Counter(c.chat_id for c in calls if c.delivered)
    arrivals = sorted(c.arrival for c in calls)
    in_flight = []
    for kill in kills:
        low = kill - MAX_LATENCY - SLACK
        in_flight.append(sum(1 for t in arrivals if low < t <= kill))
    by_status = Counter(status for status, _attempts in statuses.values())
    lost = [
        chat
        for chat, (status, _a) in statuses.items()
        if status != "unknown" and not delivered[chat]
    ]
    false_sent = [
        chat for chat, (status, _a) in statuses.items() if status == "sent" and delivered[chat] != 1
    ]
    duplicates = [chat for chat, n in delivered.items() if n > 1]
    unknown = [chat for chat, (status, _a) in statuses.items() if status == "unknown"]
    unknown_delivered = sum(1 for chat in unknown if delivered[chat])
    # How long before the kill that left it `unknown` did each such request arrive?
    arrived = {c.chat_id: c.arrival for c in calls if c.delivered}
    lags = []
    for chat in unknown:
        if chat in arrived:
            after = [k for k in kills if k >= arrived[chat]]
            if after:
                lags.append(after[0] - arrived[chat])
    return {
        "db": kind,
        "deliveries": planned,
        "kills": len(kills),
        "elapsed_s": elapsed,
        "lives": lives,
        "final_exit_code": exit_code,
        "statuses": dict(by_status),
        "not_terminal": sum(n for s, n in by_status.items() if s not in TERMINAL),
        "delivered_chats": len(delivered),
        "lost": len(lost),
        "false_sent": len(false_sent),
        "duplicates": len(duplicates),
        "unknown": len(unknown),
        "unknown_delivered": unknown_delivered,
        "unknown_not_delivered": len(unknown) - unknown_delivered,
        "in_flight_at_kills": in_flight,
        "in_flight_total": sum(in_flight),
        "unknown_arrived_before_kill_s": {
            "p50": percentile(lags, 50),
            "p95": percentile(lags, 95),
            "max": max(lags) if lags else float("nan"),
            "over_0.25s": sum(1 for lag in lags if lag > MAX_LATENCY + SLACK),
        },
        "ok": not lost and not duplicates and not false_sent,
        "ok_unknown": len(unknown) <= sum(in_flight),
    }


async def main(quick: bool, dbs: list[str], deliveries: int) -> None:
    info = machine_info()
    rate = 1000.0
    results = []
    for kind in dbs:
        print(f"  tipsbot/{kind}: {deliveries:,} deliveries, SIGKILL every 5-15 s ...")
        results.append(await run(as_db(kind), deliveries, rate, within=3600.0))
        lag = results[-1]["unknown_arrived_before_kill_s"]
        print(
            f"    unknown requests had arrived p50 {lag['p50']:.2f} s / p95 {lag['p95']:.2f} s / "
            f"max {lag['max']:.2f} s before the kill that left them unknown"
        )
    print_table(
        "Crash soak: SIGKILL every 5-15 s, restart (at-most-once), judged by the server's records",
        [
            "db",
            "deliveries",
            "kills",
            "delivered",
            "lost",
            "duplicates",
            "unknown",
            "unknown delivered",
            "unknown not delivered",
            "arrived <=0.25 s before a kill",
            "lost/dup verdict",
            "unknown verdict",
        ],
        [
            [
                r["db"],
                r["deliveries"],
                r["kills"],
                r["delivered_chats"],
                r["lost"],
                r["duplicates"],
                r["unknown"],
                r["unknown_delivered"],
                r["unknown_not_delivered"],
                r["in_flight_total"],
                verdict(r["ok"]),
                verdict(r["ok_unknown"]),
            ]
            for r in results
        ],
    )
    write_results(
        "crash_soak",
        {
            "benchmark": "crash_soak",
            "quick": quick,
            "rate": rate,
            "machine": info,
            "loadavg_at_end": loadavg(),
            "results": results,
        },
    )


def cli() -> None:
    quick, rest = quick_flag(__doc__ or "")
    parser = argparse.ArgumentParser()
    parser.add_argument("--dbs", default=None)
    parser.add_argument("--deliveries", type=int, default=None)
    args = parser.parse_args(rest)
    dbs = (args.dbs or ("sqlite" if quick else "sqlite,postgresql")).split(",")
    asyncio.run(main(quick, dbs, args.deliveries or (5000 if quick else 50_000)))


if __name__ == "__main__":
    cli()
