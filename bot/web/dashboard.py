"""The operators' dashboard: read-only, server-rendered pages over the database and the library.

/ overview (key numbers and three 30-day charts), /deliveries (the delivery log with filters,
pages and a CSV export), /tips (per-tip numbers, parents' questions per topic and language,
content errors, reviews due) and /health.
Pages show chat ids at most: no names, no message texts. Days and times are UTC.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from multidict import MultiMapping

from bot.spreadsheet import spreadsheet_safe
from bot.web import auth, templating
from bot.web.charts import Chart, Series, daily_chart
from bot.web.failures import STREAMING
from bot.web.keys import SERVICES
from bot.web.planner_state import planner_state
from domain.content.errors import display_path
from domain.content.model import REVIEW_DUE_DAYS, Library, ReviewState, review_state
from domain.db import read_session
from domain.delivery_log import LogFilter, LogRow, count_log, read_log_page
from domain.models import ChatStatus, DeliveryStatus
from domain.questions import question_gaps
from domain.stats import (
    GrowthDay,
    LagDay,
    TipActivity,
    collect_health,
    content_flags,
    day_range,
    deliveries_per_day,
    send_lag_per_day,
    stats_days,
    subscriber_growth,
    subscribers_by_status,
    tip_activity,
)

CHART_DAYS = 30
PAGE_SIZE = 50
CSV_LIMIT = 100_000
CSV_BATCH = 1_000
CSV_COLUMNS = tuple(f.name for f in dataclasses.fields(LogRow))
STATUSES = tuple(s.value for s in DeliveryStatus)
# The order bars stack in, bottom up: outcomes first, then what is still on its way.
STACK_ORDER = ("sent", "failed", "unknown", "skipped", "retrying", "sending", "planned")
SUBSCRIBER_STATUSES = tuple(s.value for s in ChatStatus)
# Filters outside these bounds cannot match and would overflow the database's types.
MAX_ID = 2**63 - 1
MIN_ID = -(2**63)
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)


def _now(request: web.Request) -> datetime:
    return request.app[SERVICES].clock().astimezone(UTC)


def _page(request: web.Request, template: str, **context: Any) -> web.Response:
    return templating.render(request, template, signed_in_as=auth.current_user(request), **context)


# Overview ------------------------------------------------------------------------------------


async def overview(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    now = _now(request)
    today = now.date()
    first, _ = stats_days(now, CHART_DAYS)
    async with read_session(services.sessions) as session:
        subscribers = await subscribers_by_status(session)
        health = await collect_health(session, now=now)
        per_day = await deliveries_per_day(session, first=first, last=today)
        growth = await subscriber_growth(session, first=first, last=today)
        lags = await send_lag_per_day(session, first=first, last=today)
    days = day_range(first, today)
    today_counts = per_day[today]
    return _page(
        request,
        "overview.html",
        title="Overview",
        today=today,
        subscribers=[(s, subscribers.get(s, 0)) for s in SUBSCRIBER_STATUSES],
        subscribers_total=sum(subscribers.values()),
        deliveries_today=[(s, today_counts.get(s, 0)) for s in STATUSES],
        deliveries_today_total=sum(today_counts.values()),
        queue_depth=health.queue_depth,
        in_flight=health.sending,
        charts=[
            deliveries_chart(days, per_day),
            growth_chart(days, growth),
            lag_chart(days, lags),
        ],
    )


def deliveries_chart(days: list[date], per_day: Mapping[date, Mapping[str, int]]) -> Chart:
    totals = {s: sum(per_day.get(d, {}).get(s, 0) for d in days) for s in STACK_ORDER}
    total = sum(totals.values())
    description = (
        f"Stacked bars, one per day from {days[0]:%d %B} to {days[-1]:%d %B %Y}: "
        f"{total:,} deliveries planned in all"
    )
    if total:
        busiest = max(days, key=lambda d: (sum(per_day.get(d, {}).values()), d))
        parts = ", ".join(f"{totals[s]:,} {s}" for s in STACK_ORDER if totals[s])
        description += (
            f" ({parts}); the busiest day was {busiest:%d %B} with "
            f"{sum(per_day.get(busiest, {}).values()):,}"
        )
    description += "."
    return daily_chart(
        id="chart-deliveries",
        title="Deliveries per day by status",
        description=description,
        days=days,
        series=[
            Series(s, [per_day.get(d, {}).get(s, 0) for d in days], f"s-{s}")
            for s in STACK_ORDER
            if totals[s]
        ]
        or [Series("sent", [0] * len(days), "s-sent")],
        x_label="Day planned (UTC)",
        y_label="Deliveries",
    )


def growth_chart(days: list[date], growth: list[GrowthDay]) -> Chart:
    new_total = sum(g.new for g in growth)
    description = (
        f"Bars for new subscribers per day and a line for active subscribers, from "
        f"{days[0]:%d %B} to {days[-1]:%d %B %Y}: {new_total:,} new in all; "
        f"{growth[-1].active:,} active now, {growth[0].active:,} of whom had joined by "
        f"{days[0]:%d %B}. The line counts today's active subscribers by the day they joined."
    )
    return daily_chart(
        id="chart-growth",
        title="Subscriber growth",
        description=description,
        days=days,
        series=[
            Series("New subscribers", [g.new for g in growth], "s-new"),
            Series(
                "Active (by day joined, cumulative)",
                [g.active for g in growth],
                "l-active",
                kind="line",
                axis="right",
            ),
        ],
        x_label="Day (UTC)",
        y_label="New per day",
        y2_label="Active, cumulative",
    )


def lag_chart(days: list[date], lags: list[LagDay]) -> Chart:
    by_day = {lag.day: lag for lag in lags}
    median = [by_day[d].median_seconds if d in by_day else None for d in days]
    p95 = [by_day[d].p95_seconds if d in by_day else None for d in days]
    if lags:
        worst = max(lags, key=lambda lag: lag.p95_seconds)
        summary = (
            f"{len(lags)} days with sends; the highest 95th percentile was "
            f"{worst.p95_seconds:,.1f} seconds on {worst.day:%d %B}, and the median on the last "
            f"day with sends ({lags[-1].day:%d %B}) was {lags[-1].median_seconds:,.1f} seconds."
        )
    else:
        summary = "no tips were sent in this period."
    return daily_chart(
        id="chart-lag",
        title="Send lag per day",
        description=(
            "Lines for the median and the 95th percentile of how long after its planned time "
            f"each tip was sent, from {days[0]:%d %B} to {days[-1]:%d %B %Y}: {summary}"
        ),
        days=days,
        series=[
            Series("Median", median, "l-median", kind="line", unit=" s"),
            Series("95th percentile", p95, "l-p95", kind="line", unit=" s"),
        ],
        x_label="Day sent (UTC)",
        y_label="Seconds late",
    )


# The delivery log ----------------------------------------------------------------------------


@dataclass
class LogQuery:
    """The log's filters as the form shows them, parsed; errors say what to fix, per field."""

    statuses: list[str] = field(default_factory=list)
    chat: str = ""
    tip: str = ""
    since: str = ""
    until: str = ""
    errors: dict[str, str] = field(default_factory=dict)
    filter: LogFilter = field(default_factory=LogFilter)

    def params(self) -> list[tuple[str, str]]:
        """The filters as query parameters (for page links and the CSV link)."""
        pairs = [("status", s) for s in self.statuses]
        pairs += [(k, v) for k, v in (("chat", self.chat), ("tip", self.tip)) if v]
        pairs += [(k, v) for k, v in (("since", self.since), ("until", self.until)) if v]
        return pairs

    def link(self, path: str, **extra: int) -> str:
        query = urlencode(self.params() + [(k, str(v)) for k, v in extra.items()])
        return f"{path}?{query}" if query else path


def _parse_moment(text: str, *, end_of_day: bool) -> datetime:
    """A day (2026-11-01) or an ISO-8601 time; a time without a zone is UTC. `end_of_day` makes
    a bare day mean the end of that day, so "until 2026-11-01" includes it."""
    if len(text) == 10:
        day = date.fromisoformat(text)
        start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        return start + timedelta(days=1) if end_of_day else start
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_log_query(query: MultiMapping[str], *, limit: int) -> LogQuery:
    wanted = LogQuery(
        statuses=[s for s in STATUSES if s in query.getall("status", [])],
        chat=query.get("chat", "").strip(),
        tip=query.get("tip", "").strip()[:64],
        since=query.get("since", "").strip(),
        until=query.get("until", "").strip(),
    )
    unknown = [s for s in query.getall("status", []) if s not in STATUSES]
    if unknown:
        wanted.errors["status"] = f"Unknown status {unknown[0]!r}; pick from the list."
    chat: int | None = None
    if wanted.chat:
        try:
            chat = int(wanted.chat)
        except ValueError:
            wanted.errors["chat"] = "A chat id is a whole number, like 123456789 or -1001234567."
        else:
            if not MIN_ID <= chat <= MAX_ID:
                chat = None
                wanted.errors["chat"] = "No chat has an id that long; check the number."
    moments: dict[str, datetime | None] = {"since": None, "until": None}
    for name in moments:
        text = getattr(wanted, name)
        if text:
            try:
                moment = _parse_moment(text, end_of_day=name == "until")
            except (ValueError, OverflowError):
                wanted.errors[name] = "Use a date like 2026-11-01 (UTC)."
                continue
            if not EARLIEST <= moment <= LATEST:
                wanted.errors[name] = (
                    f"Use a date between {EARLIEST:%Y} and {LATEST:%Y}, like 2026-11-01 (UTC)."
                )
            else:
                moments[name] = moment
    wanted.filter = LogFilter(
        statuses=tuple(wanted.statuses),
        chat=chat,
        tip=wanted.tip or None,
        since=moments["since"],
        until=moments["until"],
        limit=limit,
    )
    return wanted


def _int_param(query: MultiMapping[str], name: str) -> int | None:
    """A row id for paging; None when absent. BadId when it cannot be one."""
    value = query.get(name, "")
    if not value:
        return None
    if not value.isascii() or not value.isdigit() or int(value) > MAX_ID:
        raise BadId(f"{name}={value[:30]!r} is not a row id from a page link.")
    return int(value)


class BadId(ValueError):
    """A paging parameter that no link of ours produces."""


async def deliveries(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    wanted = parse_log_query(request.query, limit=PAGE_SIZE)
    rows: list[LogRow] = []
    has_older = has_newer = False
    matching = 0
    try:
        before_id = _int_param(request.query, "before")
        after_id = _int_param(request.query, "after")
    except BadId as exc:
        wanted.errors["page"] = str(exc)
    if not wanted.errors:
        async with read_session(services.sessions) as session:
            page = await read_log_page(
                session, wanted.filter, before_id=before_id, after_id=after_id
            )
            matching = await count_log(session, wanted.filter)
        rows, has_older, has_newer = page.rows, page.has_older, page.has_newer
    return _page(
        request,
        "deliveries.html",
        title="Deliveries",
        status=400 if wanted.errors else 200,
        wanted=wanted,
        statuses=STATUSES,
        rows=rows,
        matching=matching,
        newer_link=wanted.link("/deliveries", after=rows[0].id) if has_newer else None,
        older_link=wanted.link("/deliveries", before=rows[-1].id) if has_older else None,
        csv_link=wanted.link("/deliveries.csv"),
        csv_limit=CSV_LIMIT,
    )


async def deliveries_csv(request: web.Request) -> web.StreamResponse:
    """Every matching delivery (newest first, at most CSV_LIMIT), streamed in batches."""
    services = request.app[SERVICES]
    wanted = parse_log_query(request.query, limit=CSV_BATCH)
    if wanted.errors:
        return web.Response(status=400, text="\n".join(wanted.errors.values()) + "\n")
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": 'attachment; filename="deliveries.csv"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        }
    )
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    written = 0
    async with read_session(services.sessions) as session:
        page = await read_log_page(session, wanted.filter, before_id=None)
        await response.prepare(request)
        request[STREAMING] = True
        while True:
            for row in page.rows[: CSV_LIMIT - written]:
                writer.writerow({k: spreadsheet_safe(v) for k, v in row.as_dict().items()})
                written += 1
            await response.write(buffer.getvalue().encode("utf-8"))
            buffer.seek(0)
            buffer.truncate()
            if not page.has_older or not page.rows or written >= CSV_LIMIT:
                break
            page = await read_log_page(session, wanted.filter, before_id=page.rows[-1].id)
    await response.write_eof()
    return response


# Tips ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TipLine:
    tip_id: str
    topic: str
    in_library: bool
    activity: TipActivity
    asks_tried: bool = False  # a week's follow-up asking "did you try it?"

    @property
    def tried(self) -> str | None:
        """ "12 yes / 5 not yet" for a tip that asks or was answered; None otherwise."""
        a = self.activity
        if not (self.asks_tried or a.tried_yes or a.tried_not_yet):
            return None
        return f"{a.tried_yes} yes / {a.tried_not_yet} not yet"


@dataclass(frozen=True)
class ReviewLine:
    tip_id: str
    language: str
    review_by: date
    days_left: int  # negative when overdue


TIP_SORTS = {  # key -> (column, descending)
    "tip": ("Tip", False),
    "sent": ("Sent", True),
    "up": ("Thumbs up", True),
    "down": ("Thumbs down", True),
    "rate": ("Stop-after rate", True),
}


def _sort_key(line: TipLine, sort: str) -> tuple[float, int, str]:
    """Biggest first for the numbers (then most sent, then by id); by id for "tip"."""
    a = line.activity
    rate = a.stop_after_rate if a.stop_after_rate is not None else -1.0
    value = {"tip": 0.0, "sent": a.sent, "up": a.up, "down": a.down, "rate": rate}[sort]
    return (-value, -a.sent if sort != "tip" else 0, line.tip_id)


def review_list(library: Library, today: date) -> list[ReviewLine]:
    """Tips and translations whose review is overdue or due (within REVIEW_DUE_DAYS)."""
    lines = []
    for tip in library.tips.values():
        dates = {tip.language: tip.review_by}
        dates |= {lang: t.review_by for lang, t in tip.translations.items() if t.review_by}
        for language, review_by in dates.items():
            if review_state(review_by, today) is not ReviewState.CURRENT:
                lines.append(ReviewLine(tip.id, language, review_by, (review_by - today).days))
    return sorted(lines, key=lambda r: (r.review_by, r.tip_id, r.language))


async def tips(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    library = services.library.current
    today = _now(request).date()
    sort = request.query.get("sort", "sent")
    sort = sort if sort in TIP_SORTS else "sent"
    first, last = stats_days(_now(request), CHART_DAYS)
    async with read_session(services.sessions) as session:
        activity = await tip_activity(session)
        flags = await content_flags(session)
        questions = await question_gaps(session, first=first, last=last)
    lines = [
        TipLine(
            tip.id,
            tip.primary_topic,
            True,
            activity.get(tip.id, TipActivity(tip.id)),
            asks_tried=tip.asks_tried,
        )
        for tip in library.tips.values()
    ]
    lines += [
        TipLine(tip_id, "", False, counts)
        for tip_id, counts in activity.items()
        if tip_id not in library.tips
    ]
    lines.sort(key=lambda line: _sort_key(line, sort))
    errors = [
        (display_path(p.path, library.content_dir), p.line, p.message) for p in library.errors
    ]
    return _page(
        request,
        "tips.html",
        title="Tips",
        lines=lines,
        sort=sort,
        sorts=TIP_SORTS,
        library_errors=errors,
        flags=flags,
        reviews=review_list(library, today),
        review_days=REVIEW_DUE_DAYS,
        retention_days=services.settings.log_retention_days,
        questions=questions,
        question_days=CHART_DAYS,
    )


# Health --------------------------------------------------------------------------------------


async def health(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    now = _now(request)
    async with read_session(services.sessions) as session:
        state = await collect_health(session, now=now)
    planner = planner_state(
        state.last_planner_tick,
        now=now,
        interval_seconds=services.settings.planner_interval_seconds,
    )
    return _page(
        request,
        "health.html",
        title="Health",
        health=state,
        planner=planner,
        library_errors=len(services.library.current.errors),
    )


def add_routes(app: web.Application) -> None:
    templating.setup(app)
    app.router.add_get("/", overview)
    app.router.add_get("/deliveries", deliveries)
    app.router.add_get("/deliveries.csv", deliveries_csv)
    app.router.add_get("/tips", tips)
    app.router.add_get("/health", health)
