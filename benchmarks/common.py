"""Shared machinery for the benchmarks.

- :class:`FakeServer`: the fake Bot API (``python -m tests.fakebotapi``) as a separate process,
  with a client for its JSON control API; its records are the ground truth every benchmark
  measures against (arrival times are ``time.monotonic()`` of that process, which on Linux is
  the same clock as ours).
- :class:`BenchDatabase`: a fresh SQLite file or PostgreSQL database, migrated with Alembic,
  seeded with set-based bulk INSERTs (one ``INSERT ... SELECT`` over a generated series per
  table, not the ORM row by row).
- :class:`TipsbotProcess`: ``tipsbot run [--send-only]`` as a child process, its CPU time from
  /proc while it runs and its rusage (peak RSS) from ``os.wait4`` when it ends.
- Statistics (sliding one-second windows, percentiles) and reports (a printed table and
  ``benchmarks/results/<name>.json``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import platform
import re
import resource
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import httpx
import psycopg

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
LATENCY = (0.05, 0.15)  # the fake's answer delay, seconds (uniform)
BROADCAST_TIP = "h-safe-sleep-on-back"
PG_ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
CLK_TCK = os.sysconf("SC_CLK_TCK")
DbKind = Literal["sqlite", "postgresql"]
JSON = dict[str, Any]


# =========================================================================================
# The machine
# =========================================================================================
def loadavg() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def wait_until_quiet(threshold: float = 0.7, max_wait: float = 600.0) -> float:
    """Wait (up to `max_wait` s) for the 1-minute load average to fall under `threshold`;
    returns the load measured when we went ahead."""
    deadline = time.monotonic() + max_wait
    load = loadavg()
    while load >= threshold and time.monotonic() < deadline:
        print(f"  load average {load:.2f} >= {threshold}: waiting for a quiet machine ...")
        time.sleep(20)
        load = loadavg()
    return load


def machine_info() -> JSON:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            mem_kb = int(line.split()[1])
    pg_version = "unavailable"
    with contextlib.suppress(Exception), psycopg.connect(PG_ADMIN_DSN, connect_timeout=3) as conn:
        row = conn.execute("SHOW server_version").fetchone()
        pg_version = str(row[0]) if row else pg_version
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "bot", "scheduler", "domain"],
        cwd=REPO,
        capture_output=True,
        text=True,
    ).stdout.split("\n")
    return {
        "git_commit": commit,
        "uncommitted_code_changes": [line[3:] for line in dirty if line.strip()],
        "nproc": os.cpu_count(),
        "cpu_model": cpu,
        "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "postgresql": pg_version,
        "sqlite": sqlite3.sqlite_version,
        "loadavg_at_start": loadavg(),
    }


def proc_cpu_seconds(pid: int) -> float:
    """user + system CPU seconds of a running process (from /proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def self_cpu_seconds() -> float:
    return time.process_time()


def self_peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# =========================================================================================
# Statistics
# =========================================================================================
def max_in_window(times: Sequence[float], window: float = 1.0) -> int:
    """The most events in any half-open interval [t, t + window) (times need not be sorted)."""
    ordered = sorted(times)
    best = 0
    start = 0
    for end, t in enumerate(ordered):
        while ordered[start] <= t - window:
            start += 1
        best = max(best, end - start + 1)
    return best


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0-100), linear interpolation; NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def median(values: Iterable[float]) -> float:
    items = list(values)
    return statistics.median(items) if items else float("nan")


# =========================================================================================
# Reports
# =========================================================================================
def fmt(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if value != value:  # NaN
            return "-"
        if abs(value) >= 1000:
            return f"{value:,.0f}"
        if abs(value) >= 100:
            return f"{value:.1f}"
        return f"{value:.3g}" if abs(value) < 1 else f"{value:.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def print_table(title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    cells = [[fmt(v) for v in row] for row in rows]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(headers)]
    print(f"\n{title}")
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for row in cells:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))


def write_results(name: str, data: JSON) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(data, indent=2, default=str) + "\n")
    print(f"\nresults written to {path.relative_to(REPO)}")
    return path


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


# =========================================================================================
# The fake Bot API in its own process
# =========================================================================================
@dataclass
class FakeServer:
    """``python -m tests.fakebotapi`` as a child process, and a client for its control API."""

    latency: tuple[float, float] = LATENCY
    enforce_limits: bool = False
    fault_rate: str | None = None
    record_calls: bool = True
    seed: int = 1
    url: str = ""
    token: str = ""
    proc: subprocess.Popen[bytes] | None = None
    client: httpx.AsyncClient | None = None

    @property
    def base_url(self) -> str:
        return f"{self.url}/bot"

    async def __aenter__(self) -> FakeServer:
        args = [
            sys.executable,
            "-m",
            "tests.fakebotapi",
            "--port",
            "0",
            "--latency",
            f"{self.latency[0]},{self.latency[1]}",
            "--seed",
            str(self.seed),
        ]
        if self.enforce_limits:
            args.append("--enforce-limits")
        if self.fault_rate:
            args += ["--fault-rate", self.fault_rate]
        if not self.record_calls:
            args.append("--no-record-calls")
        self.proc = await asyncio.to_thread(
            subprocess.Popen, args, cwd=REPO, stdout=subprocess.PIPE
        )
        assert self.proc.stdout is not None
        line = await asyncio.to_thread(self.proc.stdout.readline)
        match = re.search(rb"listening on (\S+) token=(\S+)", line)
        if match is None:
            self.proc.kill()
            raise RuntimeError(f"the fake Bot API did not start: {line!r}")
        self.url, self.token = match.group(1).decode(), match.group(2).decode()
        self.client = httpx.AsyncClient(base_url=self.url, timeout=120.0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.client is not None:
            await self.client.aclose()
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.to_thread(self.proc.wait, 10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                await asyncio.to_thread(self.proc.wait)

    def cpu_seconds(self) -> float:
        assert self.proc is not None
        return proc_cpu_seconds(self.proc.pid)

    async def get(self, path: str, **params: Any) -> Any:
        assert self.client is not None
        response = await self.client.get(f"/_control/{path}", params=params)
        response.raise_for_status()
        return response.json()["result"]

    async def post(self, path: str, body: JSON | None = None) -> Any:
        assert self.client is not None
        response = await self.client.post(f"/_control/{path}", json=body or {})
        response.raise_for_status()
        return response.json()["result"]

    async def stats(self) -> JSON:
        result: JSON = await self.get("stats")
        return result

    async def reset(self) -> None:
        await self.post("reset")

    async def configure(self, **settings: Any) -> JSON:
        result: JSON = await self.post("config", settings)
        return result

    async def _all(self, what: str, since: int = 0, page: int = 5000) -> list[JSON]:
        items: list[JSON] = []
        while True:
            result = await self.get(what, since=since, limit=page)
            items += result["items"]
            since = result["next"]
            if since >= result["total"] or not result["items"]:
                return items

    async def calls(self, since: int = 0) -> list[JSON]:
        """Every request the server received (needs record_calls), in completion order."""
        return await self._all("calls", since)

    async def sent(self, since: int = 0) -> list[JSON]:
        """Every message the server accepted, in completion order."""
        return await self._all("sent", since)

    async def send_calls(self, since: int = 0) -> list[SendCall]:
        """sendMessage/sendPhoto requests, reduced to what the measurements need."""
        return [
            SendCall(
                chat_id=int(c["params"].get("chat_id", 0)),
                status=int(c["status"]),
                fault=c.get("fault"),
                arrival=float(c["monotonic"]),
            )
            for c in await self.calls(since)
            if c["method"] in ("sendMessage", "sendPhoto")
        ]


@dataclass(frozen=True, slots=True)
class SendCall:
    chat_id: int
    status: int  # HTTP status answered (0: connection reset before processing)
    fault: str | None  # injected fault or "flood" (the enforced limit), if any
    arrival: float  # the server's monotonic clock when the request arrived

    @property
    def delivered(self) -> bool:
        """The message reached the chat (accepted; for `lost`, the answer was then dropped)."""
        return self.status == 200


def window_stats(calls: Sequence[SendCall], rate: float, seconds: float) -> JSON:
    """Throughput over the first `seconds` after the first send arrived, and the densest
    one-second windows (all requests, and accepted ones)."""
    if not calls:
        return {"accepted": 0, "fraction": 0.0, "max_1s_all": 0, "max_1s_accepted": 0}
    start = min(c.arrival for c in calls)
    inside = [c for c in calls if c.arrival < start + seconds]
    accepted = [c for c in inside if c.delivered]
    return {
        "window_s": seconds,
        "requests": len(inside),
        "accepted": len(accepted),
        "rejected_429": sum(1 for c in inside if c.status == 429),
        "achieved_per_s": len(accepted) / seconds,
        "fraction": len(accepted) / (rate * seconds),
        "max_1s_all": max_in_window([c.arrival for c in inside]),
        "max_1s_accepted": max_in_window([c.arrival for c in accepted]),
        # Where the limit was touched: seconds after the first arrival.
        "windows_over_rate_at_s": windows_over(
            [c.arrival - start for c in inside], int(rate), limit=20
        ),
        "rejected_429_at_s": [round(c.arrival - start, 3) for c in inside if c.status == 429][:50],
    }


def windows_over(times: Sequence[float], cap: int, *, limit: int) -> list[float]:
    """Starts of one-second windows [t, t + 1) holding more than `cap` events (first `limit`)."""
    ordered = sorted(times)
    found: list[float] = []
    start = 0
    for end, t in enumerate(ordered):
        while ordered[start] <= t - 1.0:
            start += 1
        if end - start + 1 > cap and (not found or ordered[start] - found[-1] > 1.0):
            found.append(round(ordered[start], 3))
            if len(found) >= limit:
                break
    return found


# =========================================================================================
# Databases
# =========================================================================================
def sqlite_timestamp(moment: datetime) -> str:
    """How SQLAlchemy stores a UTC datetime in SQLite (tipsbot's UTCDateTime, naive UTC)."""
    return moment.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")


@dataclass
class BenchDatabase:
    """A fresh database for one benchmark run; ``drop()`` removes it."""

    kind: DbKind
    label: str = "bench"
    url: str = ""
    path: Path | None = None
    name: str | None = None
    _dir: tempfile.TemporaryDirectory[str] | None = field(default=None, repr=False)

    def create(self) -> BenchDatabase:
        if self.kind == "sqlite":
            self._dir = tempfile.TemporaryDirectory(prefix=f"tipsbot-{self.label}-")
            self.path = Path(self._dir.name) / "tipsbot.db"
            self.url = f"sqlite+aiosqlite:///{self.path}"
        else:
            self.name = f"bench_{self.label}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
            with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{self.name}"')
            self.url = PG_URL.format(name=self.name)
        from domain.migrations import upgrade

        upgrade(self.url)
        return self

    async def open(self) -> BenchDatabase:
        """:meth:`create` from inside an event loop (Alembic runs its own loop)."""
        return await asyncio.to_thread(self.create)

    @property
    def workdir(self) -> Path:
        """A directory for the tipsbot process to run in (no stray .env is read there)."""
        if self._dir is None:
            self._dir = tempfile.TemporaryDirectory(prefix=f"tipsbot-{self.label}-")
        return Path(self._dir.name)

    def drop(self) -> None:
        if self.kind == "postgresql" and self.name:
            with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            self.name = None
        if self._dir is not None:
            self._dir.cleanup()
            self._dir = None

    # -- raw access (for seeding and ground-truth queries) --------------------------------
    def _pg_dsn(self) -> str:
        assert self.name is not None
        return f"postgresql://postgres@127.0.0.1:5432/{self.name}"

    def execute(self, statements: Sequence[tuple[str, Sequence[Any]]]) -> None:
        """Run SQL statements in one transaction (``?`` placeholders on SQLite, ``%s`` on PG)."""
        if self.kind == "sqlite":
            conn = sqlite3.connect(str(self.path), timeout=60)
            try:
                with conn:
                    for sql, params in statements:
                        conn.execute(sql, params)
            finally:
                conn.close()
        else:
            with psycopg.connect(self._pg_dsn()) as pg:
                for sql, params in statements:
                    pg.execute(sql.replace("%", "%%").replace("?", "%s"), params)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        if self.kind == "sqlite":
            conn = sqlite3.connect(str(self.path), timeout=60)
            try:
                return conn.execute(sql, params).fetchall()
            finally:
                conn.close()
        with psycopg.connect(self._pg_dsn()) as pg:
            return pg.execute(sql.replace("%", "%%").replace("?", "%s"), params).fetchall()

    def ts(self, moment: datetime) -> Any:
        return sqlite_timestamp(moment) if self.kind == "sqlite" else moment

    def _series(self, first: int, count: int) -> str:
        """SQL for a table `seq(i)` of `first` .. `first + count - 1`."""
        if self.kind == "sqlite":
            return (
                f"WITH RECURSIVE seq(i) AS (SELECT {first} UNION ALL SELECT i + 1 FROM seq "
                f"WHERE i < {first + count - 1}) "
            )
        return f"WITH seq(i) AS (SELECT generate_series({first}, {first + count - 1})) "

    def seed_subscribers(
        self,
        count: int,
        *,
        first_id: int = 1,
        telegram_offset: int = 1_000_000,
        next_slot_at: datetime,
        today: date,
        now: datetime,
        days: str = "mon,tue,wed,thu,fri,sat,sun",
        send_time: str = "06:00",
        quiet: tuple[str, str] = ("00:00", "00:00"),
        children: bool = True,
    ) -> float:
        """`count` active private chats (chat ids first_id.., Telegram ids telegram_offset +
        chat id), each with a schedule whose next slot is `next_slot_at`, all three topics and
        (with `children`) 3 in 5 with a baby or toddler, 1 in 5 expecting. Languages: 6 in 10
        en, then cy, pl, uk, ur. Quiet hours off by default. Returns the seconds it took."""
        began = time.perf_counter()
        seq = self._series(first_id, count)
        ts, slot = self.ts(now), self.ts(next_slot_at)
        language = (
            "CASE i % 10 WHEN 6 THEN 'cy' WHEN 7 THEN 'pl' WHEN 8 THEN 'uk' "
            "WHEN 9 THEN 'ur' ELSE 'en' END"
        )
        if self.kind == "sqlite":
            birth = "date(?, '-' || ((i * 37) % 1460) || ' days')"
            due = "date(?, '+' || ((i * 11) % 250) || ' days')"
        else:
            birth = "(?::date - ((i * 37) % 1460))"
            due = "(?::date + ((i * 11) % 250))"
        topics = (
            "(SELECT 'health' AS t UNION ALL SELECT 'welfare' UNION ALL SELECT 'learning') AS tt"
        )
        statements: list[tuple[str, Sequence[Any]]] = [
            (
                seq + "INSERT INTO chat (id, telegram_id, kind, language, region, timezone, "
                "status, created_at, status_changed_at) "
                f"SELECT i, i + {telegram_offset}, 'private', {language}, 'england', "
                "'Europe/London', 'active', ?, ? FROM seq",
                (ts, ts),
            ),
            (
                seq + "INSERT INTO schedule (chat_id, days, send_time, quiet_start, quiet_end, "
                "next_slot_at) SELECT i, ?, ?, ?, ?, ? FROM seq",
                (days, send_time, quiet[0], quiet[1], slot),
            ),
            (
                seq + "INSERT INTO chat_topic (chat_id, topic_id) "
                f"SELECT i, tt.t FROM seq CROSS JOIN {topics}",
                (),
            ),
        ]
        if children:
            statements += [
                (
                    seq + "INSERT INTO child (chat_id, birth_date, created_at) "
                    f"SELECT i, {birth}, ? FROM seq WHERE i % 5 IN (0, 1, 2)",
                    (today.isoformat(), ts),
                ),
                (
                    seq + "INSERT INTO child (chat_id, due_date, created_at) "
                    f"SELECT i, {due}, ? FROM seq WHERE i % 5 = 3",
                    (today.isoformat(), ts),
                ),
            ]
        if self.kind == "postgresql":
            statements.append(
                (
                    "SELECT setval(pg_get_serial_sequence('chat', 'id'), "
                    "(SELECT max(id) FROM chat))",
                    (),
                )
            )
        self.execute(statements)
        self.execute([("ANALYZE", ())])
        return time.perf_counter() - began

    def delivery_statuses(self) -> dict[int, tuple[str, int]]:
        """Telegram chat id -> (delivery status, attempts) for every delivery row."""
        rows = self.query(
            "SELECT chat.telegram_id, delivery.status, delivery.attempts FROM delivery "
            "JOIN chat ON chat.id = delivery.chat_id"
        )
        return {int(t): (str(s), int(a)) for t, s, a in rows}

    def status_counts(self) -> dict[str, int]:
        rows = self.query("SELECT status, count(*) FROM delivery GROUP BY status")
        return {str(s): int(n) for s, n in rows}


def now_utc() -> datetime:
    return datetime.now(UTC)


async def seed_writers(db: BenchDatabase, count: int, *, first_user: int, after: int) -> None:
    """`count` parents who write to the bot (Telegram ids from `first_user`), seeded after the
    `after` chats of a planned broadcast: none of them gets it, and their own schedule never
    comes due (50 years ahead)."""
    now = now_utc()
    await asyncio.to_thread(
        db.seed_subscribers,
        count,
        first_id=after + 1,
        telegram_offset=first_user - after - 1,
        next_slot_at=now.replace(year=now.year + 50),
        today=now.date(),
        now=now,
    )


async def seed_broadcast(db: BenchDatabase, count: int) -> tuple[int, float, float]:
    """`count` subscribers whose own schedule never comes due (50 years ahead), and the
    benchmark tip planned for all of them as a broadcast: only the broadcast reaches them.
    Returns (planned, seconds seeding, seconds planning)."""
    now = now_utc()
    seeded_in = await asyncio.to_thread(
        db.seed_subscribers,
        count,
        next_slot_at=now.replace(year=now.year + 50),
        today=now.date(),
        now=now,
        children=False,
    )
    planned, planned_in = await plan_broadcast_now(db)
    return planned, seeded_in, planned_in


async def plan_broadcast_now(db: BenchDatabase, *, at: datetime | None = None) -> tuple[int, float]:
    """Plan the benchmark tip for every matching chat with scheduler.broadcast.plan_broadcast;
    returns (planned, seconds)."""
    from domain.content.loader import load_library
    from domain.db import create_engine, make_session_factory
    from scheduler.broadcast import BroadcastFilter, plan_broadcast

    moment = at or now_utc() - timedelta(minutes=1)
    library = load_library(REPO / "content", today=moment.date())
    engine = create_engine(db.url)
    try:
        began = time.perf_counter()
        plan = await plan_broadcast(
            make_session_factory(engine),
            library.tips[BROADCAST_TIP],
            BroadcastFilter(),
            now=moment,
            dry_run=False,
        )
        seconds = time.perf_counter() - began
    finally:
        await engine.dispose()
    # What autovacuum's autoanalyze would do after a bulk insert (it is off on this machine's
    # PostgreSQL; see docs/benchmarks.md): fresh statistics for the delivery table.
    await asyncio.to_thread(db.execute, [("ANALYZE", ())])
    return plan.planned, seconds


@contextlib.asynccontextmanager
async def autoanalyze(db: BenchDatabase, every: float = 30.0) -> AsyncIterator[None]:
    """On PostgreSQL, run ANALYZE every `every` seconds while the block runs: what autovacuum's
    autoanalyze does on a default server (this machine's has autovacuum=off). Fresh statistics
    also invalidate cached generic plans of statements psycopg prepared earlier."""
    if db.kind != "postgresql":
        yield
        return

    async def loop() -> None:
        while True:
            await asyncio.sleep(every)
            await asyncio.to_thread(db.execute, [("ANALYZE", ())])

    task = asyncio.create_task(loop())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


# =========================================================================================
# The tipsbot process
# =========================================================================================
def tipsbot_env(fake: FakeServer, db: BenchDatabase, **settings: str) -> dict[str, str]:
    inherited = {
        k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_"))
    }
    return {
        **inherited,
        "TELEGRAM_BOT_TOKEN": fake.token,
        "TELEGRAM_BASE_URL": fake.base_url,
        "DATABASE_URL": db.url,
        "CONTENT_DIR": str(REPO / "content"),
        "CONTENT_RELOAD_SECONDS": "0",
        "PTB_TIMEDELTA": "true",
        "LOG_LEVEL": "WARNING",
        **settings,
    }


@dataclass
class TipsbotProcess:
    """``tipsbot run [ARGS]`` (the console script of this environment) as a child process."""

    env: dict[str, str]
    cwd: Path
    args: Sequence[str] = ()
    log: Path | None = None
    proc: subprocess.Popen[bytes] | None = None
    rusage: resource.struct_rusage | None = None
    returncode: int | None = None

    def start(self) -> TipsbotProcess:
        script = Path(sys.executable).parent / "tipsbot"
        command = [str(script), "run", *self.args]
        out = open(self.log, "ab") if self.log else subprocess.DEVNULL  # noqa: SIM115
        try:
            self.proc = subprocess.Popen(
                command, cwd=self.cwd, env=self.env, stdout=out, stderr=subprocess.STDOUT
            )
        finally:
            if not isinstance(out, int):
                out.close()
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def _try_reap(self) -> bool:
        """Collect the exit status and rusage if the process has ended (never via Popen.poll,
        which would reap it without its rusage)."""
        if self.returncode is not None:
            return True
        try:
            pid, status, usage = os.wait4(self.pid, os.WNOHANG)
        except ChildProcessError:
            return True
        if pid != self.pid:
            return False
        self.rusage = usage
        self.returncode = os.waitstatus_to_exitcode(status)
        assert self.proc is not None
        self.proc.returncode = self.returncode
        return True

    def alive(self) -> bool:
        return self.proc is not None and not self._try_reap()

    def cpu_seconds(self) -> float:
        return proc_cpu_seconds(self.pid)

    async def _reap(self, within: float) -> bool:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if self._try_reap():
                return True
            await asyncio.sleep(0.05)
        return False

    async def stop(self, within: float = 60.0) -> int:
        """SIGTERM, wait (SIGKILL after `within` seconds); returns the exit code."""
        if self._try_reap():
            assert self.returncode is not None
            return self.returncode
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGTERM)
        if not await self._reap(within):
            await self.kill()
        assert self.returncode is not None
        return self.returncode

    async def kill(self) -> None:
        """SIGKILL now and reap."""
        if self._try_reap():
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        await self._reap(30.0)

    @property
    def peak_rss_mb(self) -> float:
        assert self.rusage is not None
        return self.rusage.ru_maxrss / 1024

    @property
    def cpu_total(self) -> float:
        assert self.rusage is not None
        return self.rusage.ru_utime + self.rusage.ru_stime


async def wait_for_sends(fake: FakeServer, count: int, within: float) -> float | None:
    """Poll the fake's stats until `count` sends were accepted; the monotonic time or None."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        stats = await fake.stats()
        if stats["sent"] >= count:
            return time.monotonic()
        await asyncio.sleep(0.05)
    return None


def quick_flag(description: str) -> tuple[bool, list[str]]:
    """Parse the common command line: ``--quick`` plus benchmark-specific extras."""
    import argparse

    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="a short run for development")
    parser.add_argument(
        "--no-wait", action="store_true", help="do not wait for the load average to drop"
    )
    args, rest = parser.parse_known_args()
    if not args.quick and not args.no_wait:
        wait_until_quiet()
    return bool(args.quick), rest


def thread_cpu_seconds(pid: int) -> tuple[float, float]:
    """(main thread, all other threads) CPU seconds of a running process, from /proc."""
    main = others = 0.0
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(FileNotFoundError):
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
            seconds = (int(fields[11]) + int(fields[12])) / CLK_TCK
            if int(task.name) == pid:
                main += seconds
            else:
                others += seconds
    return main, others


def pg_backend_cpu_seconds(db: BenchDatabase) -> float:
    """CPU seconds of the PostgreSQL server processes connected to `db` right now."""
    if db.kind != "postgresql" or db.name is None:
        return 0.0
    with psycopg.connect(PG_ADMIN_DSN) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s", (db.name,)
        ).fetchall()
    total = 0.0
    for (pid,) in rows:
        with contextlib.suppress(FileNotFoundError, ProcessLookupError):
            total += proc_cpu_seconds(int(pid))
    return total


@contextlib.asynccontextmanager
async def engine_in_process(
    fake: FakeServer,
    db: BenchDatabase,
    *,
    rate: float,
    paid: bool,
    request: Any = None,
    **settings: Any,
) -> AsyncIterator[Any]:
    """The delivery engine wired as `tipsbot run` wires it (bot/delivery.py: its own Bot with
    a connection pool of the dispatcher's concurrency), in this process, started; stopped on
    exit. Yields the DeliveryEngine. `request` replaces the Bot's transport (experiments)."""
    from telegram import Bot

    from domain.content.loader import load_library
    from domain.db import create_engine, make_session_factory
    from domain.dbtypes import utcnow
    from domain.i18n import Catalogs
    from domain.settings import load_settings
    from scheduler.engine import DeliveryEngine, sending_bot

    rates: dict[str, Any] = (
        {"paid_broadcast": True, "paid_send_rate": rate} if paid else {"send_rate": rate}
    )
    config = load_settings(
        telegram_bot_token=fake.token,
        telegram_base_url=fake.base_url,
        database_url=db.url,
        content_dir=REPO / "content",
        **rates,
        **settings,
    )
    engine = create_engine(config.database_url)
    library = load_library(config.content_dir, today=now_utc().date())
    bot = (
        sending_bot(config)
        if request is None
        else Bot(
            config.bot_token(),
            base_url=config.telegram_base_url,
            base_file_url=config.base_file_url,
            request=request,
        )
    )
    await bot.initialize()
    delivery = DeliveryEngine(
        settings=config,
        bot=bot,
        sessions=make_session_factory(engine),
        library=lambda: library,
        catalogs=Catalogs(config.default_language),
        clock=utcnow,
    )
    await delivery.start()
    try:
        yield delivery
    finally:
        await delivery.stop()
        await bot.shutdown()
        await engine.dispose()


async def py_spy(pid: int, seconds: float, name: str, *, rate: int = 200) -> Path | None:
    """Sample `pid` with py-spy for `seconds` (CPU-active samples, all threads); writes
    results/<name>.txt (where the samples are: inclusive and self, by function) from the
    collapsed stacks in results/<name>.raw. None when py-spy is not available."""
    spy = Path(sys.executable).parent / "py-spy"
    if not spy.exists():
        return None
    RESULTS.mkdir(parents=True, exist_ok=True)
    raw = RESULTS / f"{name}.raw"
    process = await asyncio.create_subprocess_exec(
        str(spy),
        "record",
        "--pid",
        str(pid),
        "--duration",
        str(int(seconds)),
        "--rate",
        str(rate),
        "--format",
        "raw",
        "--output",
        str(raw),
        "--nonblocking",
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    await process.wait()
    if not raw.exists():
        return None
    summary = RESULTS / f"{name}.txt"
    summary.write_text(summarise_stacks(raw.read_text()))
    return summary


def summarise_stacks(raw: str, top: int = 45) -> str:
    """py-spy's raw (collapsed) stacks -> the functions holding the most samples."""
    inclusive: dict[str, int] = {}
    own: dict[str, int] = {}
    total = 0
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        samples = int(count)
        total += samples
        frames = [re.sub(r":\d+\)$", ")", f) for f in stack.split(";")[1:]]
        for frame in set(frames):
            inclusive[frame] = inclusive.get(frame, 0) + samples
        if frames:
            own[frames[-1]] = own.get(frames[-1], 0) + samples
    lines = [f"{total} samples (CPU-active, all threads)", "", "inclusive (by function):"]
    for frame, n in sorted(inclusive.items(), key=lambda kv: -kv[1])[:top]:
        lines.append(f"  {n / total:6.1%}  {frame}")
    lines += ["", "self (by function):"]
    for frame, n in sorted(own.items(), key=lambda kv: -kv[1])[:top]:
        lines.append(f"  {n / total:6.1%}  {frame}")
    return "\n".join(lines) + "\n"


@dataclass
class SqlCounter:
    """Counts transactions and statements on an engine (SQLAlchemy events)."""

    transactions: int = 0
    statements: int = 0

    def attach(self, engine: Any) -> None:
        from sqlalchemy import event

        def on_begin(_conn: Any) -> None:
            self.transactions += 1

        def on_execute(*_args: Any) -> None:
            self.statements += 1

        event.listen(engine.sync_engine, "begin", on_begin)
        event.listen(engine.sync_engine, "before_cursor_execute", on_execute)


@contextlib.asynccontextmanager
async def bot_in_process(
    fake: FakeServer, db: BenchDatabase, counter: SqlCounter | None = None, **settings: Any
) -> AsyncIterator[Any]:
    """The PTB Application as `tipsbot run` builds it (bot.app.build_application), polling the
    fake in this process, without the delivery engine. For profiling handlers."""
    from telegram import Update

    from bot.app import build_application
    from bot.services import LibraryHolder, Services
    from domain.content.loader import load_library
    from domain.db import create_engine, make_session_factory
    from domain.i18n import Catalogs
    from domain.settings import load_settings

    config = load_settings(
        telegram_bot_token=fake.token,
        telegram_base_url=fake.base_url,
        database_url=db.url,
        content_dir=REPO / "content",
        content_reload_seconds=0,
        **settings,
    )
    engine = create_engine(config.database_url)
    if counter is not None:
        counter.attach(engine)
    services = Services(
        settings=config,
        db=engine,
        sessions=make_session_factory(engine),
        library=LibraryHolder(load_library(config.content_dir, today=now_utc().date())),
        catalogs=Catalogs(config.default_language),
    )
    application = build_application(services)
    try:
        async with application:
            await application.start()
            assert application.updater is not None
            await application.updater.start_polling(allowed_updates=Update.ALL_TYPES)
            try:
                yield application
            finally:
                await application.updater.stop()
                await application.stop()
    finally:
        await engine.dispose()


def as_db(name: str) -> DbKind:
    """A --dbs item as a database kind."""
    if name not in ("sqlite", "postgresql"):
        raise SystemExit(f"unknown database {name!r}: use sqlite or postgresql")
    return "sqlite" if name == "sqlite" else "postgresql"
