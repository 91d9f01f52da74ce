"""`tipsbot broadcast TIP`: plan one tip for every matching active chat; the running bot sends."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from bot.cli.common import check_choices, fail, get_settings, load_tips, parse_moment
from bot.cli.database import with_database
from domain.content.model import REGIONS

if TYPE_CHECKING:
    from bot.cli.database import Sessions


@click.command("broadcast")
@click.argument("tip_id")
@click.option(
    "--topic", "topics", multiple=True, help="Only chats following this topic (repeatable)."
)
@click.option(
    "--region",
    "regions",
    multiple=True,
    type=click.Choice(REGIONS),
    help="Only chats in this region (repeatable).",
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
    from scheduler.broadcast import BroadcastFilter, plan_broadcast

    settings = get_settings(ctx)
    now = parse_moment(at)
    library = load_tips(settings, now)
    tip = library.tips.get(tip_id)
    if tip is None:
        fail(f"no tip with id {tip_id!r} in {settings.content_dir}")
    check_choices("--topic", topics, library.topics)
    check_choices("--language", languages, library.languages)
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

    with_database(settings, work)
