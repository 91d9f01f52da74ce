"""A /start storm: N new users each send /start; updates processed per second.

The updates are queued in the fake Bot API (its own process, latency 50-150 ms on every
request) before ``tipsbot run`` (polling) starts, so the bot drains a backlog of N /start
messages through getUpdates (100 per call) as fast as it can: for each, a chat row with its
schedule and event is created and the first onboarding step is sent. Processed per second =
replies counted at the server (its ground truth) over the time from the first to the last
reply. Flood limits are not enforced here: real Telegram would hold replies to about 30/s
overall, which would measure Telegram, not tipsbot.

    uv run python -m benchmarks.intake [--quick] [--dbs sqlite,postgresql] [--users N]
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
INJECTORS = 16


def start_update(user_id: int) -> JSON:
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
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        }
    }


async def inject(fake: FakeServer, users: list[int]) -> float:
    """Queue a /start from every user (INJECTORS requests at a time); returns seconds."""
    queue = list(reversed(users))
    began = time.perf_counter()

    async def worker() -> None:
        while queue:
            await fake.post("inject_update", {"update": start_update(queue.pop())})

    await asyncio.gather(*(worker() for _ in range(INJECTORS)))
    return time.perf_counter() - began


async def run(kind: DbKind, count: int, profile: bool, **extra_env: str) -> JSON:
    db = await BenchDatabase(kind, "intake").open()
    users = list(range(FIRST_USER, FIRST_USER + count))
    try:
        async with FakeServer() as fake:
            injected_in = await inject(fake, users)
            print(f"    {count:,} /start updates queued in {injected_in:.1f} s")
            log = RESULTS / f"intake-{kind}.log"
            RESULTS.mkdir(parents=True, exist_ok=True)
            log.write_text("")
            env = tipsbot_env(fake, db, **extra_env)
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
    return {
        "db": kind,
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
        "ok": rate >= TARGET_PER_S and len(per_chat) == count,
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


async def main(quick: bool, dbs: list[str], users: int, profile: bool) -> None:
    info = machine_info()
    results = []
    for kind in dbs:
        print(f"  tipsbot/{kind}: {users:,} new users send /start ...")
        results.append(await run(as_db(kind), users, profile))
        print(f"    {results[-1]['per_s']:.0f} updates/s")
    profiles = []
    if profile:
        for kind in dbs:
            print(f"  profiling {kind} in process (pyinstrument, 2,000 updates) ...")
            profiles.append(await profile_in_process(as_db(kind), 2000))
            print(f"    {profiles[-1]}")
    print_table(
        f"/start storm of {users:,} new users (target >= {TARGET_PER_S:g} updates/s)",
        [
            "db",
            "replies",
            "users answered",
            "chats stored",
            "first->last s",
            "updates/s",
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
                r["cpu_ms_per_update"],
                verdict(r["ok"]),
            ]
            for r in results
        ],
    )
    write_results(
        "intake",
        {
            "benchmark": "intake",
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
    args = parser.parse_args(rest)
    dbs = (args.dbs or ("sqlite" if quick else "sqlite,postgresql")).split(",")
    asyncio.run(main(quick, dbs, args.users or (2000 if quick else 20_000), args.profile))


if __name__ == "__main__":
    cli()
