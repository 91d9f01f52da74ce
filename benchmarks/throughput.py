"""Send throughput as a fraction of the configured rate, at 30/s and at 1000/s (paid mode).

For each rate, side by side in one run, each sender against a fresh fake Bot API process
(latency 50-150 ms, ``--enforce-limits``: 429 above 30/s free, 1000/s paid, 1/s per chat):

- ``tipsbot/sqlite`` and ``tipsbot/postgresql``: chats seeded in a real database, a broadcast
  planned with ``scheduler.broadcast.plan_broadcast``, and ``tipsbot run --send-only`` sending;
- ``ptb-paced``: a plain python-telegram-bot ``send_message`` loop paced with ``asyncio.sleep``
  (each send started at t0 + i/rate as its own task, so latency does not slow the loop);
- ``ptb-aioratelimiter``: PTB's ``AIORateLimiter`` (``ExtBot(rate_limiter=...)``) with every send
  submitted at once and the limiter doing the pacing;
- ``ptb-sequential`` (30/s only): the naive loop that awaits each send, then sleeps 1/rate.

With ``--users-writing``, tipsbot runs as ``tipsbot run`` (polling) instead, and parents write
commands during the broadcast (benchmarks.interactive's phase: one command every 0.2 s): the
replies and the broadcast share one flood budget. Reported as well: each command's reply
latency (injection to the reply's arrival at the server), and the broadcast's own rate.

tipsbot paces below the configured rate by its flood margin (scheduler.flood.paced_rate: 27.3/s
at 30/s, 970/s at 1000/s), so the 30/s target is 90 % of 30/s (98 % of its pace).

Every sender sends the same message (the broadcast tip rendered by tipsbot, HTML with its
inline keyboard) to distinct private chats. Measured from the server's ground truth: accepted
sends in the first WINDOW seconds after the first arrival, divided by rate x WINDOW; the most
requests (and accepted sends) in any one-second window; 429s. Also the sender's CPU time per
accepted send and its peak RSS.

    uv run python -m benchmarks.throughput [--quick] [--rates 30,1000] [--senders a,b]
        [--users-writing]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import random
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Bot, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import AIORateLimiter, ExtBot
from telegram.request import HTTPXRequest

from benchmarks.common import (
    JSON,
    REPO,
    BenchDatabase,
    DbKind,
    FakeServer,
    TipsbotProcess,
    loadavg,
    machine_info,
    now_utc,
    percentile,
    print_table,
    quick_flag,
    seed_broadcast,
    seed_writers,
    self_cpu_seconds,
    self_peak_rss_mb,
    tipsbot_env,
    verdict,
    wait_for_sends,
    window_stats,
    write_results,
)
from benchmarks.interactive import MAX_LATENCY, inject_phase, latencies

TARGETS = {30.0: 0.89, 1000.0: 0.95}
REPLY_TARGET_S = 2.0  # p95 reply latency, beyond the network's 0.15 s
WRITER = 900_000_001  # the parents who write (benchmarks.interactive's ids)
WRITERS = 60
POOL = 512  # connections for the PTB baselines, as tipsbot's sending bot has at 1000/s
FIRST_BASELINE_CHAT = 50_000_000


def tip_message() -> tuple[str, Any, bool]:
    """The broadcast tip as tipsbot sends it: (html, keyboard, link preview)."""
    from benchmarks.common import BROADCAST_TIP
    from domain.content.loader import load_library
    from domain.i18n import Catalogs
    from scheduler.message import build_tip_message

    today = now_utc().date()
    library = load_library(REPO / "content", today=today)
    message = build_tip_message(
        library.tips[BROADCAST_TIP],
        library,
        "en",
        Catalogs("en"),
        bot_username="tipsbot_fake_bot",
        today=today,
    )
    return message.html, message.keyboard, message.link_preview


# =========================================================================================
# tipsbot
# =========================================================================================
async def run_tipsbot(
    kind: DbKind, rate: float, paid: bool, seconds: float, users_writing: bool = False
) -> JSON:
    chats = int(rate * (seconds + 15))
    db = await BenchDatabase(kind, "throughput").open()
    writers = list(range(WRITER, WRITER + WRITERS)) if users_writing else []
    injected: list[tuple[int, float, str]] = []
    try:
        planned, seeded_in, planned_in = await seed_broadcast(db, chats)
        if writers:  # parents who write; seeded after the broadcast was planned: they get none
            await seed_writers(db, WRITERS, first_user=WRITER, after=chats)
        async with FakeServer(enforce_limits=True) as fake:
            for user in writers:
                await fake.post("users", {"id": user, "first_name": "Parent", "started": True})
            settings = {"SEND_RATE": f"{min(rate, 1000):g}"}
            if paid:
                settings = {"PAID_BROADCAST": "true", "PAID_SEND_RATE": f"{rate:g}"}
            log = REPO / "benchmarks" / "results" / f"throughput-tipsbot-{kind}-{rate:g}.log"
            log.parent.mkdir(parents=True, exist_ok=True)
            log.write_text("")
            args = [] if writers else ["--send-only"]
            bot = TipsbotProcess(
                tipsbot_env(fake, db, **settings), db.workdir, args, log=log
            ).start()
            try:
                began = await wait_for_sends(fake, 1, within=120)
                if began is None:
                    raise RuntimeError(f"tipsbot sent nothing; see {log}")
                cpu0 = bot.cpu_seconds()
                if writers:
                    injected = await inject_phase(fake, seconds, random.Random(5), writers)
                else:
                    await asyncio.sleep(seconds)
                cpu1 = bot.cpu_seconds()
                if writers:
                    await asyncio.sleep(3.0)  # the last replies
            finally:
                await bot.stop()
            calls = await fake.send_calls()
        stats = window_stats(calls, rate, seconds)
        replies: dict[int, list[float]] = defaultdict(list)
        for call in calls:
            if call.chat_id >= WRITER and call.delivered:
                replies[call.chat_id].append(call.arrival)
        waits, unanswered = latencies(injected, replies)
        broadcast = window_stats([c for c in calls if c.chat_id < WRITER], rate, seconds)
        return {
            "sender": f"tipsbot/{kind}" + ("+users" if writers else ""),
            **stats,
            "broadcast_per_s": broadcast["achieved_per_s"],
            "commands": len(injected),
            "commands_unanswered": unanswered,
            "reply_p50_s": percentile(waits, 50),
            "reply_p95_s": percentile(waits, 95),
            "reply_max_s": max(waits) if waits else float("nan"),
            "tracebacks_in_log": log.read_text().count("Traceback"),
            "cpu_ms_per_send": 1000 * (cpu1 - cpu0) / max(1, stats["accepted"]),
            "peak_rss_mb": bot.peak_rss_mb,
            "chats_seeded": chats,
            "seed_s": seeded_in,
            "broadcast_planned": planned,
            "plan_broadcast_s": planned_in,
            "exit_code": bot.returncode,
        }
    finally:
        await asyncio.to_thread(db.drop)


# =========================================================================================
# python-telegram-bot baselines (in this process)
# =========================================================================================
Sender = Callable[[Bot, int], Awaitable[Any]]


def sender(rate: float, paid: bool) -> Sender:
    html, keyboard, preview = tip_message()

    async def send(bot: Bot, chat_id: int) -> Any:
        return await bot.send_message(
            chat_id,
            html,
            parse_mode=ParseMode.HTML,
            reply_markup=keyboard,
            link_preview_options=LinkPreviewOptions(is_disabled=not preview),
            allow_paid_broadcast=True if paid else None,
        )

    return send


def request() -> HTTPXRequest:
    return HTTPXRequest(connection_pool_size=POOL, pool_timeout=10.0)


async def _swallow(task: Awaitable[Any]) -> None:
    with contextlib.suppress(TelegramError):  # failures are counted at the server
        await task


async def ptb_paced(bot: Bot, send: Sender, rate: float, seconds: float) -> None:
    """Start send i at t0 + i/rate (asyncio.sleep until then), each as its own task."""
    loop = asyncio.get_running_loop()
    tasks: set[asyncio.Task[None]] = set()
    start = loop.time()
    end = start + seconds + 1
    i = 0
    while loop.time() < end:
        # Always yield, even when behind: a CPU-bound loop then falls behind, as it would.
        await asyncio.sleep(max(0.0, start + i / rate - loop.time()))
        task = asyncio.create_task(_swallow(send(bot, FIRST_BASELINE_CHAT + i)))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        i += 1
    await _finish(tasks)


async def _finish(tasks: set[asyncio.Task[None]]) -> None:
    """Wait for the sends still in flight (bounded: 30 s, then cancel)."""
    if tasks:
        _done, pending = await asyncio.wait(set(tasks), timeout=30)
        for task in pending:
            task.cancel()


async def ptb_sequential(bot: Bot, send: Sender, rate: float, seconds: float) -> None:
    """The naive loop: await each send, then sleep 1/rate."""
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds + 1
    i = 0
    while loop.time() < end:
        await _swallow(send(bot, FIRST_BASELINE_CHAT + i))
        await asyncio.sleep(1 / rate)
        i += 1


async def ptb_limited(bot: Bot, send: Sender, rate: float, seconds: float) -> None:
    """Submit sends as fast as the limiter takes them (2 s of sends queued at any time)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds + 1
    queued = asyncio.Semaphore(int(rate * 2))
    tasks: set[asyncio.Task[None]] = set()
    i = 0
    while loop.time() < end:
        await queued.acquire()
        task = asyncio.create_task(_swallow(send(bot, FIRST_BASELINE_CHAT + i)))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        task.add_done_callback(lambda _task: queued.release())
        i += 1
    await _finish(tasks)


async def run_baseline(name: str, rate: float, paid: bool, seconds: float) -> JSON:
    send = sender(rate, paid)
    async with FakeServer(enforce_limits=True) as fake:
        bot: Bot
        if name == "ptb-aioratelimiter":
            # It logs every 429 it passes on with a traceback; they are counted at the server.
            logging.getLogger("telegram.ext.AIORateLimiter").setLevel(logging.CRITICAL)
            limiter = AIORateLimiter(overall_max_rate=rate, overall_time_period=1, max_retries=0)
            bot = ExtBot(
                fake.token, base_url=fake.base_url, request=request(), rate_limiter=limiter
            )
        else:
            bot = Bot(fake.token, base_url=fake.base_url, request=request())
        loop_fn = {"ptb-paced": ptb_paced, "ptb-aioratelimiter": ptb_limited}.get(
            name, ptb_sequential
        )
        async with bot:
            cpu0 = self_cpu_seconds()
            began = time.perf_counter()
            await loop_fn(bot, send, rate, seconds)
            cpu = self_cpu_seconds() - cpu0
            wall = time.perf_counter() - began
        calls = await fake.send_calls()
    stats = window_stats(calls, rate, seconds)
    total_ok = sum(1 for c in calls if c.delivered)
    return {
        "sender": name,
        **stats,
        "cpu_ms_per_send": 1000 * cpu / max(1, total_ok),
        "peak_rss_mb": self_peak_rss_mb(),
        "wall_s": wall,
    }


# =========================================================================================
async def main(
    quick: bool, rates: list[float], senders: list[str] | None, users_writing: bool
) -> None:
    seconds = 15.0 if quick else 120.0
    info = machine_info()
    results: list[JSON] = []
    for rate in rates:
        paid = rate > 30
        names = ["tipsbot/sqlite", "tipsbot/postgresql", "ptb-paced", "ptb-aioratelimiter"]
        if not paid:
            names.append("ptb-sequential")
        for name in names:
            if senders and name not in senders:
                continue
            print(f"  {name} at {rate:g}/s{' (paid)' if paid else ''} for {seconds:g} s ...")
            kind: DbKind = "sqlite" if name.endswith("sqlite") else "postgresql"
            if name.startswith("tipsbot/"):
                row = await run_tipsbot(kind, rate, paid, seconds, users_writing)
            elif users_writing:
                continue  # the baselines have no users
            else:
                row = await run_baseline(name, rate, paid, seconds)
            row.update(rate=rate, paid=paid, target=TARGETS.get(rate, 0.95))
            row["ok_rate"] = row["fraction"] >= row["target"]
            row["ok_window"] = row["max_1s_all"] <= rate
            if users_writing:
                row["ok_rate"] = (
                    row["fraction"] >= row["target"]
                    and row["commands_unanswered"] == 0
                    and row["reply_p95_s"] <= REPLY_TARGET_S + MAX_LATENCY
                    and row["rejected_429"] <= 3
                )
            results.append(row)
            print(
                f"    {row['fraction']:.1%} of {rate:g}/s; max {row['max_1s_all']} requests in "
                f"1 s; {row['rejected_429']} x 429; {row['cpu_ms_per_send']:.2f} ms CPU/send"
            )
            if users_writing:
                print(
                    f"    broadcast {row['broadcast_per_s']:.1f}/s; {row['commands']} commands, "
                    f"{row['commands_unanswered']} unanswered; reply p50 "
                    f"{row['reply_p50_s']:.2f} s, p95 {row['reply_p95_s']:.2f} s, max "
                    f"{row['reply_max_s']:.2f} s"
                )
    print_table(
        f"Send throughput over {seconds:g} s (fake Bot API, latency 50-150 ms, limits enforced)",
        [
            "rate/s",
            "sender",
            "achieved/s",
            "fraction",
            "target",
            "max req in 1 s",
            "429s",
            "CPU ms/send",
            "verdict",
        ],
        [
            [
                r["rate"],
                r["sender"],
                r["achieved_per_s"],
                f"{r['fraction']:.1%}",
                f">= {r['target']:.0%}",
                r["max_1s_all"],
                r["rejected_429"],
                r["cpu_ms_per_send"],
                verdict(r["ok_rate"] and r["ok_window"])
                if r["sender"].startswith("tipsbot")
                else "",
            ]
            for r in results
        ],
    )
    write_results(
        "throughput" + ("-users" if users_writing else ""),
        {
            "benchmark": "throughput",
            "users_writing": users_writing,
            "quick": quick,
            "window_s": seconds,
            "latency_s": [0.05, 0.15],
            "machine": info,
            "loadavg_at_end": loadavg(),
            "results": results,
        },
    )


def cli() -> None:
    quick, rest = quick_flag(__doc__ or "")
    parser = argparse.ArgumentParser()
    parser.add_argument("--rates", default="30,1000")
    parser.add_argument("--senders", default=None)
    parser.add_argument("--users-writing", action="store_true", help="parents write meanwhile")
    args = parser.parse_args(rest)
    rates = [float(r) for r in args.rates.split(",")]
    senders = args.senders.split(",") if args.senders else None
    asyncio.run(main(quick, rates, senders, args.users_writing))


if __name__ == "__main__":
    cli()
