"""`tipsbot deliveries`: the delivery log as a table, CSV or JSON lines; --follow keeps
printing new rows and rows whose status changed."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import dataclasses
import io
import json
import sys
from typing import TYPE_CHECKING

import click

from bot.cli.common import check_choices, get_settings, parse_moment
from bot.cli.database import with_database
from bot.spreadsheet import spreadsheet_safe

if TYPE_CHECKING:
    from bot.cli.database import Sessions
    from domain.delivery_log import LogRow

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
# The table's columns, with the widths --follow starts from so that later rows line up.
TABLE_COLUMNS = {
    "planned_at": 19,
    "chat": 14,
    "tip": 32,
    "language": 8,
    "lane": 11,
    "status": 8,
    "attempts": 8,
    "error_code": 10,
    "latency_ms": 10,
}
SETTLED = frozenset({"sent", "failed", "skipped"})  # statuses that --follow stops watching
POLL_SECONDS = 1.0


@click.command("deliveries")
@click.option(
    "--status",
    "statuses",
    multiple=True,
    help="Only this status, e.g. sent or failed (repeatable).",
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
@click.option(
    "--follow",
    is_flag=True,
    help="Keep printing new deliveries, and rows again when their status changes.",
)
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
    from domain.delivery_log import LogFilter, read_log, read_log_rows
    from domain.models import DeliveryStatus

    check_choices("--status", statuses, [s.value for s in DeliveryStatus])
    settings = get_settings(ctx)
    wanted = LogFilter(
        statuses,
        chat,
        tip,
        parse_moment(since) if since else None,
        parse_moment(until) if until else None,
        limit,
    )
    printer = Printer(output, widths=dict(TABLE_COLUMNS) if follow else None)

    async def work(sessions: Sessions) -> None:
        async with sessions() as session:
            rows = await read_log(session, wanted)
        click.echo(printer.render(rows), nl=False)
        if not follow:
            return
        last = max((r.id for r in rows), default=0)
        watched = {r.id: r.status for r in rows if r.status not in SETTLED}
        while True:
            await asyncio.sleep(POLL_SECONDS)
            async with sessions() as session:
                changed = [
                    r
                    for r in await read_log_rows(session, sorted(watched))
                    if r.status != watched[r.id]
                ]
                fresh = await read_log(session, dataclasses.replace(wanted, after_id=last))
            for row in changed + fresh:
                watched[row.id] = row.status
                if row.status in SETTLED:
                    del watched[row.id]
            if fresh:
                last = fresh[-1].id
            if changed or fresh:
                click.echo(printer.render(changed + fresh), nl=False)
                sys.stdout.flush()

    with contextlib.suppress(KeyboardInterrupt):  # --follow ends with Ctrl-C
        with_database(settings, work)


class Printer:
    """Renders rows in one format; the header comes once, and with fixed `widths` (--follow)
    every table row lines up with the header, widening only for a cell that does not fit."""

    def __init__(self, output: str, *, widths: dict[str, int] | None = None) -> None:
        self.output = output
        self.widths = widths
        self.header = True

    def render(self, rows: list[LogRow]) -> str:
        header, self.header = self.header, False
        if self.output == "json":
            return "".join(json.dumps(r.as_dict(), ensure_ascii=False) + "\n" for r in rows)
        if self.output == "csv":
            buffer = io.StringIO()
            writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
            if header:
                writer.writeheader()
            writer.writerows({k: spreadsheet_safe(v) for k, v in r.as_dict().items()} for r in rows)
            return buffer.getvalue()
        return self._table(rows, header=header)

    def _table(self, rows: list[LogRow], *, header: bool) -> str:
        table = [[_cell(c, r.as_dict()[c]) for c in TABLE_COLUMNS] for r in rows]
        widths = self.widths or {c: len(c) for c in TABLE_COLUMNS}
        for row in table:
            for column, value in zip(TABLE_COLUMNS, row, strict=True):
                widths[column] = max(widths[column], len(value), len(column))
        lines = [list(TABLE_COLUMNS)] if header else []
        lines += table
        text = "".join(
            "  ".join(v.ljust(widths[c]) for c, v in zip(TABLE_COLUMNS, line, strict=True)).rstrip()
            + "\n"
            for line in lines
        )
        if header and not rows:
            text += "(no deliveries match)\n"
        return text


def _cell(column: str, value: object) -> str:
    if value is None:
        return "-"
    text = str(value)
    return text[:19] if column == "planned_at" else text  # to the second, without the zone
