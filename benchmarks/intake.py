"""A /start storm: N new users each send /start (or a deep link, /start TOPIC); how fast and
how completely they are answered.

The updates are queued in the fake Bot API (its own process, latency 50-150 ms on every
request) before ``tipsbot run`` (polling) starts, so the bot drains a backlog of N /start
messages through getUpdates (100 per call) as fast as it can: for each, a chat row with its
schedule and event is created (subscribed to TOPIC with a deep link) and the reply is sent.
Processed per second = replies counted at the server (its ground truth) over the time from the
first to the last reply.

Without ``--limit`` the fake enforces no flood limit and tipsbot runs with SEND_RATE=1000, so
this measures tipsbot (target >= 500 updates/s). With ``--limit`` the fake enforces Telegram's
30/s on arrival (``--enforce-limits``) and tipsbot runs with SEND_RATE=30: every user must be
answered once, and the storm take about N/30 s (the wait of the median user is compared with
that of the median user at exactly 30/s, N/60 s after the first reply).

    uv run python -m benchmarks.intake [--quick] [--dbs sqlite,postgresql] [--users N]
        [--limit] [--deep-link TOPIC]
"""

from __future__ import annotations

import argparse
import asyncio
import time

from benchmarks.common import (
    JSON,
    RESULTS,
    BenchDatabase,
    DbKind,
    FakeServer,
    SqlCounter,
    TipsbotProcess,
    as_db,
    bot_in_process,
    loadavg,
    machine_info,
    print_table,
    py_spy,
    quick_flag,
    tipsbot_env,
    verdict,
    write_results,
)

FIRST_USER = 700_000_001
TARGET_PER_S = 500.0
LIMIT = 30.0  # Telegram's flood limit, as the fake enforces it with --limit
INJECTORS = 16


def start_update(user_id: int, text: str = "/start") -> JSON:
    return {
        "message": {
            "message_id": 1,
            "from": {
                "id": user_id,
                "is_bot": False,
                "first_name": "Parent",
                "language_code": "en",
            },
            "chat": {"id": user_id, "type": "private", "first_name": "Parent"},
            "date": int(time.time()),
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        }
    }


async def inject(fake: FakeServer, users: list[int], text: str = "/start") -> float:
    """Queue a /start from every user (INJECTORS requests at a time); returns seconds."""
    queue = list(reversed(users))
    began = time.perf_counter()

    async def worker() -> None:
        while queue:
            await fake.post("inject_update", {"update": start_update(queue.pop(), text)})

    await asyncio.gather(*(worker() for _ in range(INJECTORS)))
    return time.perf_counter() - began


async def run(
    kind: DbKind, count: int, profile: bool, *, limit: bool = False, topic: str | None = None
) -> JSON:
    db = await BenchDatabase(kind, "intake").open()
    users = list(range(FIRST_USER, FIRST_USER + count))
    text = f"/start {topic}" if topic else "/start"
    try:
        async with FakeServer(enforce_limits=limit) as fake:
            injected_in = await inject(fake, users, text)
            print(f"    {count:,} /start updates queued in {injected_in:.1f} s")
            log = RESULTS / f"intake-{kind}.log"
            RESULTS.mkdir(parents=True, exist_ok=True)
            log.write_text("")
            env = tipsbot_env(fake, db, SEND_RATE=f"{LIMIT if limit else 1000:g}")
            bot = TipsbotProcess(env, db.workdir, log=log).start()
            launched = time.monotonic()
            spy: asyncio.Task[object] | None = None
            cpu: list[tuple[int, float]] = []
            try:
                deadline = launched + max(120.0, count / 20)
                replies = 0
                while time.monotonic() < deadline and bot.alive():
                    stats = await fake.stats()
                    replies = int(stats["by_method"].get("sendMessage", {}).get("200", 0))
                    if replies:
                        cpu.append((replies, bot.cpu_seconds()))
                        if profile and spy is None:
                            spy = asyncio.create_task(py_spy(bot.pid, 15, f"intake-profile-{kind}"))
                    if replies >= count:
                        break
                    await asyncio.sleep(0.5)
                if spy is not None:
                    await spy
            finally:
                await bot.stop()
            calls = [c for c in await fake.send_calls() if c.chat_id >= FIRST_USER]
        chats = int(db.query("SELECT count(*) FROM chat")[0][0])
    finally:
        await asyncio.to_thread(db.drop)
    ok = sorted(c.arrival for c in calls if c.delivered)
    log_text = log.read_text()
    per_chat: dict[int, int] = {}
    for call in calls:
        if call.delivered:
            per_chat[call.chat_id] = per_chat.get(call.chat_id, 0) + 1
    span = ok[-1] - ok[0] if len(ok) > 1 else float("nan")
    rate = (len(ok) - 1) / span if len(ok) > 1 else 0.0
    cpu_ms = (
        1000 * (cpu[-1][1] - cpu[0][1]) / (cpu[-1][0] - cpu[0][0])
        if len(cpu) > 1 and cpu[-1][0] > cpu[0][0]
        else float("nan")
    )
    # The wait of the median user, from the first reply, against the same at exactly the limit.
    median_wait = ok[len(ok) // 2] - ok[0] if ok else float("nan")
    ideal_span = count / LIMIT
    answered_all = len(per_chat) == count
    ok_limited = answered_all and span <= 1.1 * ideal_span and median_wait <= 1.1 * ideal_span / 2
    return {
        "db": kind,
        "limit": LIMIT if limit else None,
        "text": text,
        "users": count,
        "cpu_ms_per_update": cpu_ms,
        "cpu_utilisation": (cpu[-1][1] - cpu[0][1]) / span if len(cpu) > 1 else float("nan"),
        "replies": len(ok),
        "users_answered": len(per_chat),
        "users_answered_twice": sum(1 for n in per_chat.values() if n > 1),
        "chats_in_database": chats,
        "first_to_last_reply_s": span,
        "per_s": rate,
        "launch_to_last_reply_s": (ok[-1] - launched) if ok else None,
        "median_wait_s": median_wait,
        "ideal_median_wait_s": ideal_span / 2 if limit else None,
        "ideal_span_s": ideal_span if limit else None,
        "rejected_429": sum(1 for c in calls if c.status == 429),
        "tracebacks_in_log": log_text.count("Traceback"),
        "retry_after_in_log": log_text.count("RetryAfter"),
        "ok": ok_limited if limit else rate >= TARGET_PER_S and answered_all,
        "exit_code": bot.returncode,
    }


async def profile_in_process(kind: DbKind, count: int) -> JSON:
    """The same storm handled by the Application in this process under pyinstrument, with
    SQL transactions and statements counted per update."""
    from pyinstrument import Profiler

    db = await BenchDatabase(kind, "intake-profile").open()
    counter = SqlCounter()
    try:
        async with FakeServer() as fake:
            await inject(fake, list(range(FIRST_USER, FIRST_USER + count)))
            profiler = Profiler(async_mode="disabled")
            cpu0 = time.process_time()
            began = time.perf_counter()
            async with bot_in_process(fake, db, counter):
                profiler.start()
                while int((await fake.stats())["sent"]) < count:  # noqa: ASYNC110 (polling another process)
                    await asyncio.sleep(0.2)  # polling another process
                profiler.stop()
            seconds = time.perf_counter() - began
            cpu = time.process_time() - cpu0
    finally:
        await asyncio.to_thread(db.drop)
    name = f"intake-pyinstrument-{kind}"
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.txt").write_text(
        profiler.output_text(unicode=False, color=False, show_all=False)
    )
    (RESULTS / f"{name}.html").write_text(profiler.output_html())
    if profiler.last_session is not None:  # for other views: `pyinstrument --load ...`
        profiler.last_session.save(str(RESULTS / f"{name}.pyisession"))
    return {
        "db": kind,
        "users": count,
        "seconds": seconds,
        "cpu_ms_per_update": 1000 * cpu / count,
        "transactions_per_update": counter.transactions / count,
        "statements_per_update": counter.statements / count,
    }


async def main(
    quick: bool, dbs: list[str], users: int, profile: bool, limit: bool, topic: str | None
) -> None:
    info = machine_info()
    results = []
    text = f"/start {topic}" if topic else "/start"
    for kind in dbs:
        where = f"under a {LIMIT:g}/s limit" if limit else "without a limit"
        print(f"  tipsbot/{kind}: {users:,} new users send {text} {where} ...")
        results.append(await run(as_db(kind), users, profile, limit=limit, topic=topic))
        r = results[-1]
        print(
            f"    {r['per_s']:.1f} updates/s; {r['users_answered']:,} answered; "
            f"median wait {r['median_wait_s']:.1f} s; {r['rejected_429']} x 429; "
            f"{r['tracebacks_in_log']} tracebacks"
        )
    profiles = []
    if profile:
        for kind in dbs:
            print(f"  profiling {kind} in process (pyinstrument, 2,000 updates) ...")
            profiles.append(await profile_in_process(as_db(kind), 2000))
            print(f"    {profiles[-1]}")
    target = (
        f"all answered in <= 1.1 x N/{LIMIT:g} s" if limit else f">= {TARGET_PER_S:g} updates/s"
    )
    print_table(
        f"{text} storm of {users:,} new users (target {target})",
        [
            "db",
            "replies",
            "users answered",
            "chats stored",
            "first->last s",
            "updates/s",
            "median wait s",
            "429s",
            "tracebacks",
            "CPU ms/update",
            "verdict",
        ],
        [
            [
                r["db"],
                r["replies"],
                r["users_answered"],
                r["chats_in_database"],
                r["first_to_last_reply_s"],
                r["per_s"],
                r["median_wait_s"],
                r["rejected_429"],
                r["tracebacks_in_log"],
                r["cpu_ms_per_update"],
                verdict(r["ok"]),
            ]
            for r in results
        ],
    )
    name = "intake" + ("-limit" if limit else "") + ("-deeplink" if topic else "")
    write_results(
        name,
        {
            "benchmark": "intake",
            "limit": LIMIT if limit else None,
            "text": text,
            "quick": quick,
            "machine": info,
            "loadavg_at_end": loadavg(),
            "results": results,
            "profiles": profiles,
        },
    )


def cli() -> None:
    quick, rest = quick_flag(__doc__ or "")
    parser = argparse.ArgumentParser()
    parser.add_argument("--dbs", default=None)
    parser.add_argument("--users", type=int, default=None)
    parser.add_argument("--profile", action="store_true", help="py-spy the bot for 15 s")
    parser.add_argument("--limit", action="store_true", help=f"the fake enforces {LIMIT:g}/s")
    parser.add_argument("--deep-link", default=None, metavar="TOPIC", help="send /start TOPIC")
    args = parser.parse_args(rest)
    dbs = (args.dbs or ("sqlite" if quick else "sqlite,postgresql")).split(",")
    default_users = (300 if quick else 5000) if args.limit else (2000 if quick else 20_000)
    asyncio.run(
        main(quick, dbs, args.users or default_users, args.profile, args.limit, args.deep_link)
    )


if __name__ == "__main__":
    cli()
