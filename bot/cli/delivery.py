"""`tipsbot send-due`, `broadcast` and `deliveries`: the delivery engine from the shell."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import json
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import click
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.content.loader import load_library
from domain.content.model import Library
from domain.db import create_engine, make_session_factory
from domain.delivery_log import LogFilter, LogRow, read_log
from domain.i18n import Catalogs
from domain.migrations import upgrade_async
from domain.settings import Settings
from scheduler.broadcast import BroadcastFilter, plan_broadcast
from scheduler.engine import DeliveryEngine, sending_bot
from scheduler.planner import plan_due

T = TypeVar("T")


def parse_moment(value: str | None) -> datetime:
    """ISO-8601; a time without a zone is taken as UTC."""
    if value is None:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not an ISO-8601 time like 2026-12-01T10:00"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


Sessions = async_sessionmaker[AsyncSession]


def _with_database(settings: Settings, work: Callable[[Sessions], Awaitable[T]]) -> T:
    async def run() -> T:
        await upgrade_async(settings.database_url)
        engine = create_engine(settings.database_url)
        try:
            return await work(make_session_factory(engine))
        finally:
            await engine.dispose()

    return asyncio.run(run())


def _library(settings: Settings, today: datetime) -> Library:
    return load_library(settings.content_dir, today=today.date())


@click.command("send-due")
@click.option("--at", "at", help="Act as if it were this time (ISO-8601; default now).")
@click.option("--dry-run", is_flag=True, help="Print who would get what; send nothing.")
@click.pass_context
def send_due(ctx: click.Context, at: str | None, dry_run: bool) -> None:
    """Plan the due slots and send them, once, then exit (for cron and catch-up)."""
    from bot.cli import get_settings

    settings = get_settings(ctx)
    moment = parse_moment(at)
    library = _library(settings, moment)

    async def work(sessions: Sessions) -> None:
        limit = timedelta(hours=settings.catch_up_limit_hours)
        if dry_run:
            report = await plan_due(
                sessions,
                library,
                now=moment,
                batch_size=settings.planner_batch_size,
                catch_up_limit=limit,
                dry_run=True,
            )
            for plan in report.plans:
                when = plan.not_before.isoformat()
                click.echo(f"{when}  chat {plan.telegram_id}  {plan.tip_id}  ({plan.language})")
            click.echo(
                f"{report.chats_due} chats due; {report.planned} would get a tip; "
                f"{report.nothing_to_send} have nothing left; "
                f"{report.missed_slots_skipped} missed slots too old"
            )
            return
        async with sending_bot(settings) as bot:
            engine = DeliveryEngine(
                settings=settings,
                bot=bot,
                sessions=sessions,
                library=lambda: library,
                catalogs=Catalogs(settings.default_language),
                clock=lambda: moment,
            )
            tick = await engine.tick()
            sent = await engine.send_until_idle()
        planned = tick.planned.planned if tick.planned else 0
        click.echo(f"planned {planned}; sent {engine.dispatcher.sent_count} of {sent} claimed")

    _with_database(settings, work)


@click.command("broadcast")
@click.argument("tip_id")
@click.option(
    "--topic", "topics", multiple=True, help="Only chats following this topic (repeatable)."
)
@click.option(
    "--region", "regions", multiple=True, help="england, wales, scotland or northern-ireland."
)
@click.option("--language", "languages", multiple=True, help="Only chats using this language.")
@click.option("--at", "at", help="Plan as if it were this time (ISO-8601; default now).")
@click.option("--dry-run", is_flag=True, help="Count the chats and the time; plan nothing.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_context
def broadcast(
    ctx: click.Context,
    tip_id: str,
    topics: tuple[str, ...],
    regions: tuple[str, ...],
    languages: tuple[str, ...],
    at: str | None,
    dry_run: bool,
    yes: bool,
) -> None:
    """Send one tip to every matching active chat as soon as possible (the running bot sends it)."""
    from bot.cli import fail, get_settings

    settings = get_settings(ctx)
    now = parse_moment(at)
    library = _library(settings, now)
    tip = library.tips.get(tip_id)
    if tip is None:
        fail(f"no tip with id {tip_id!r} in {settings.content_dir}")
    assert tip is not None
    wanted = BroadcastFilter(frozenset(topics), frozenset(regions), frozenset(languages))

    async def work(sessions: Sessions) -> None:
        preview = await plan_broadcast(sessions, tip, wanted, now=now, dry_run=True)
        rate = settings.effective_send_rate
        minutes = preview.duration(rate).total_seconds() / 60
        click.echo(
            f"{tip_id}: {preview.chats} chats; about {minutes:.1f} min at {rate:g}/s"
            + (
                f"; {preview.at_night} wait for the end of their quiet hours"
                if preview.at_night
                else ""
            )
        )
        if dry_run or preview.chats == 0:
            return
        if not yes and not click.confirm("Plan this broadcast?", default=False):
            click.echo("nothing planned")
            return
        done = await plan_broadcast(sessions, tip, wanted, now=now, dry_run=False)
        click.echo(f"planned {done.planned}; the running bot (tipsbot run) sends them")

    _with_database(settings, work)


COLUMNS = (
    "id",
    "planned_at",
    "sent_at",
    "chat",
    "tip",
    "language",
    "lane",
    "status",
    "attempts",
    "error_code",
    "error",
    "reason",
    "message_id",
    "latency_ms",
)


@click.command("deliveries")
@click.option(
    "--status",
    "statuses",
    multiple=True,
    help="planned, sending, sent, retrying, failed, unknown, skipped.",
)
@click.option("--chat", type=int, help="A Telegram chat id.")
@click.option("--tip", help="A tip id.")
@click.option("--since", help="Planned at or after (ISO-8601).")
@click.option("--until", help="Planned before (ISO-8601).")
@click.option("--limit", type=click.IntRange(1, 100_000), default=50, show_default=True)
@click.option(
    "--format",
    "output",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
)
@click.option("--follow", is_flag=True, help="Keep printing new deliveries as they are planned.")
@click.pass_context
def deliveries(
    ctx: click.Context,
    statuses: tuple[str, ...],
    chat: int | None,
    tip: str | None,
    since: str | None,
    until: str | None,
    limit: int,
    output: str,
    follow: bool,
) -> None:
    """The delivery log: every tip planned or sent, newest first."""
    from bot.cli import get_settings

    settings = get_settings(ctx)
    wanted = LogFilter(
        statuses,
        chat,
        tip,
        parse_moment(since) if since else None,
        parse_moment(until) if until else None,
        limit,
    )

    async def work(sessions: Sessions) -> None:
        async with sessions() as session:
            rows = await read_log(session, wanted)
        click.echo(render(rows, output), nl=False)
        if not follow:
            return
        last = max((r.id for r in rows), default=0)
        while True:
            await asyncio.sleep(1.0)
            async with sessions() as session:
                fresh = await read_log(session, LogFilter(**{**wanted.__dict__, "after_id": last}))
            if fresh:
                last = fresh[-1].id
                click.echo(render(fresh, output, header=False), nl=False)
                sys.stdout.flush()

    with contextlib.suppress(KeyboardInterrupt):  # --follow ends with Ctrl-C
        _with_database(settings, work)


def render(rows: list[LogRow], output: str, *, header: bool = True) -> str:
    if output == "json":
        return "".join(json.dumps(r.as_dict(), ensure_ascii=False) + "\n" for r in rows)
    if output == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
        if header:
            writer.writeheader()
        writer.writerows(r.as_dict() for r in rows)
        return buffer.getvalue()
    shown = (
        "planned_at",
        "chat",
        "tip",
        "language",
        "lane",
        "status",
        "attempts",
        "error_code",
        "latency_ms",
    )
    table = [[_cell(r.as_dict()[c]) for c in shown] for r in rows]
    widths = [max([len(c)] + [len(row[i]) for row in table]) for i, c in enumerate(shown)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(shown, widths, strict=True))] if header else []
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)) for row in table]
    if header and not rows:
        lines.append("(no deliveries match)")
    return "".join(line.rstrip() + "\n" for line in lines)


def _cell(value: object) -> str:
    if value is None:
        return "-"
    text = str(value)
    return text[:19] if len(text) > 19 and text[4:5] == "-" else text
