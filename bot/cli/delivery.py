"""`tipsbot send-due`: plan the due slots and send them once, from the shell or cron.

`broadcast` and `deliveries` live in their own modules; the delivery engine is imported only
when `send-due` runs, so `tipsbot send-due --help` stays fast.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, TextIO

import click

from bot.cli.common import get_settings, parse_moment
from bot.cli.common import load_tips as _library
from bot.cli.database import with_database as _with_database

if TYPE_CHECKING:
    from bot.cli.database import Sessions
    from domain.settings import Settings


def _lock_sqlite(settings: Settings) -> TextIO | None:
    from bot.delivery import AnotherProcess, lock_sqlite

    try:
        return lock_sqlite(settings.database_url)
    except AnotherProcess as exc:
        raise click.ClickException(str(exc)) from None


@click.command("send-due")
@click.option("--at", "at", help="Act as if it were this time (ISO-8601; default now).")
@click.option("--dry-run", is_flag=True, help="Print who would get what; send nothing.")
@click.pass_context
def send_due(ctx: click.Context, at: str | None, dry_run: bool) -> None:
    """Plan the due slots and send them, once, then exit (for cron and catch-up)."""
    from domain.dbtypes import utcnow
    from domain.i18n import Catalogs
    from scheduler.engine import DeliveryEngine, sending_bot
    from scheduler.planner import plan_due

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
        engine = DeliveryEngine(
            settings=settings,
            bot=sending_bot(settings),
            sessions=sessions,
            library=lambda: library,
            catalogs=Catalogs(settings.default_language),
            clock=utcnow,  # leases and sent_at are real time; --at is only what is planned for
        )
        tick, claimed = await engine.run_once(at=moment if at else None)
        if tick.planned is None:
            click.echo("another process holds the planner lease: it plans; sending what is due")
        planned = tick.planned.planned if tick.planned else 0
        click.echo(f"planned {planned}; sent {engine.sent_count} of {claimed} claimed")

    # SQLite takes one sending process at a time: refused next to a running `tipsbot run`.
    lock = None if dry_run or not settings.is_sqlite else _lock_sqlite(settings)
    try:
        _with_database(settings, work)
    finally:
        if lock is not None:
            lock.close()
