"""Faults at 2 % each (429, 502, connection reset before processing, answer lost after
processing): what becomes of every delivery, judged against the fake server's ground truth.

The fake Bot API runs as ``--fault-rate 429=0.02,5xx=0.02,reset=0.02,lost=0.02`` (random, on
sendMessage/sendPhoto; 429s ask for retry_after=1) with latency 50-150 ms; ``tipsbot run
--send-only`` sends a planned broadcast of N deliveries at 1000/s (paid mode) until nothing is
waiting. Run once with DELIVERY_GUARANTEE=at-most-once (the default) and once with
at-least-once, side by side. Per delivery, the database's final status is compared with what
the server recorded for that chat (every request: answered, faulted, processed or not):

- sent: Telegram accepted it and we know; retried first if a 429 or 502 came back;
- unknown & delivered: the server processed it but the answer was lost (``lost``);
- unknown & not delivered: the connection was reset before processing (``reset``); to the
  client the two look the same (a connection dropped mid-request), so at-most-once does not
  resend either, and the reset ones are never delivered;
- failed: retries ran out (5 attempts) or Telegram refused it; retrying: still waiting.

    uv run python -m benchmarks.faults [--quick] [--deliveries N]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections import Counter, defaultdict

from benchmarks.common import (
    JSON,
    RESULTS,
    BenchDatabase,
    FakeServer,
    SendCall,
    TipsbotProcess,
    loadavg,
    machine_info,
    print_table,
    quick_flag,
    seed_broadcast,
    tipsbot_env,
    write_results,
)

FAULTS = "429=0.02,5xx=0.02,reset=0.02,lost=0.02"


def waiting(db: BenchDatabase) -> int:
    rows = db.query(
        "SELECT count(*) FROM delivery WHERE status IN ('planned', 'retrying', 'sending')"
    )
    return int(rows[0][0])


def categorise(statuses: dict[int, tuple[str, int]], calls: list[SendCall]) -> JSON:
    by_chat: dict[int, list[SendCall]] = defaultdict(list)
    for call in calls:
        by_chat[call.chat_id].append(call)
    outcome: Counter[str] = Counter()
    for chat, (status, attempts) in statuses.items():
        requests = by_chat.get(chat, [])
        delivered = sum(1 for c in requests if c.delivered)
        faults = {c.fault for c in requests if c.fault}
        reasons = "+".join(sorted(faults)) or "no fault"
        if status == "sent":
            if delivered == 0:
                outcome["WRONG: sent but never delivered"] += 1
            elif delivered > 1:
                outcome[f"sent, delivered {delivered} times (resent after {reasons})"] += 1
            elif attempts > 1:
                outcome[f"sent after retry ({reasons})"] += 1
            else:
                outcome["sent, first try"] += 1
        elif status == "unknown":
            if delivered:
                outcome["unknown, delivered (answer lost)"] += 1
            elif "reset" in faults:
                outcome["unknown, not delivered (reset before processing)"] += 1
            else:
                outcome["unknown, not delivered (other)"] += 1
        elif status == "failed":
            outcome[f"failed ({'delivered' if delivered else 'not delivered'})"] += 1
        else:
            outcome[f"{status} ({'delivered' if delivered else 'not delivered'})"] += 1
    return dict(sorted(outcome.items(), key=lambda kv: -kv[1]))


async def run(guarantee: str, deliveries: int, within: float) -> JSON:
    db = await BenchDatabase("sqlite", "faults").open()
    try:
        planned, _, _ = await seed_broadcast(db, deliveries)
        async with FakeServer(fault_rate=FAULTS) as fake:
            env = tipsbot_env(fake, db, PAID_BROADCAST="true", DELIVERY_GUARANTEE=guarantee)
            log = RESULTS / f"faults-{guarantee}.log"
            RESULTS.mkdir(parents=True, exist_ok=True)
            log.write_text("")
            bot = TipsbotProcess(env, db.workdir, ["--send-only"], log=log).start()
            began = time.monotonic()
            try:
                while bot.alive() and time.monotonic() - began < within:
                    await asyncio.sleep(1.0)
                    if await asyncio.to_thread(waiting, db) == 0:
                        break
            finally:
                await bot.stop()
            elapsed = time.monotonic() - began
            calls = await fake.send_calls()
            fired = (await fake.stats())["faults_fired"]
        statuses = db.delivery_statuses()
    finally:
        await asyncio.to_thread(db.drop)
    status_counts = Counter(s for s, _a in statuses.values())
    return {
        "guarantee": guarantee,
        "deliveries": planned,
        "elapsed_s": elapsed,
        "requests": len(calls),
        "faults_fired": fired,
        "statuses": dict(status_counts),
        "outcomes": categorise(statuses, calls),
        "delivered_chats": len({c.chat_id for c in calls if c.delivered}),
        "duplicates": sum(
            1 for n in Counter(c.chat_id for c in calls if c.delivered).values() if n > 1
        ),
    }


async def main(quick: bool, deliveries: int) -> None:
    info = machine_info()
    results = []
    for guarantee in ("at-most-once", "at-least-once"):
        print(f"  {guarantee}: {deliveries:,} deliveries with faults {FAULTS} ...")
        results.append(await run(guarantee, deliveries, within=1800.0))
        print(f"    {results[-1]['statuses']}; faults fired {results[-1]['faults_fired']}")
    categories = sorted({k for r in results for k in r["outcomes"]})
    print_table(
        f"Outcome per delivery with faults {FAULTS} (counts of {deliveries:,} deliveries)",
        ["outcome", *(r["guarantee"] for r in results)],
        [[c, *(r["outcomes"].get(c, 0) for r in results)] for c in categories]
        + [
            ["requests made", *(r["requests"] for r in results)],
            ["faults fired", *(str(r["faults_fired"]) for r in results)],
            ["chats delivered", *(r["delivered_chats"] for r in results)],
            ["chats delivered twice or more", *(r["duplicates"] for r in results)],
            ["seconds until nothing waited", *(r["elapsed_s"] for r in results)],
        ],
    )
    write_results(
        "faults",
        {
            "benchmark": "faults",
            "quick": quick,
            "fault_rate": FAULTS,
            "machine": info,
            "loadavg_at_end": loadavg(),
            "results": results,
        },
    )


def cli() -> None:
    quick, rest = quick_flag(__doc__ or "")
    parser = argparse.ArgumentParser()
    parser.add_argument("--deliveries", type=int, default=None)
    args = parser.parse_args(rest)
    asyncio.run(main(quick, args.deliveries or (1000 if quick else 5000)))


if __name__ == "__main__":
    cli()
