"""`tipsbot stats` and `tipsbot db purge`: numbers and housekeeping for operators."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import click

from bot.cli.common import get_settings, parse_moment
from bot.cli.database import with_database

if TYPE_CHECKING:
    from bot.cli.database import Sessions
    from domain.questions import QuestionGap
    from domain.stats import Stats


def _section(title: str, rows: dict[str, int] | list[tuple[str, int]]) -> list[str]:
    items = rows.items() if isinstance(rows, dict) else rows
    lines = [title]
    lines += [f"  {key:<40} {value:>8}" for key, value in items] or ["  (none)"]
    return lines


def render_stats(stats: Stats, days: int) -> str:
    lines = [f"tipsbot stats for the last {days} days (since {stats.since:%Y-%m-%d %H:%M} UTC)", ""]
    lines += _section("Subscribers by status", stats.subscribers_by_status)
    lines += _section("Subscribers by topic", stats.subscribers_by_topic)
    lines += _section("Subscribers by language", stats.subscribers_by_language)
    lines += _section("Subscribers by region", stats.subscribers_by_region)
    lines.append("Deliveries per day")
    statuses = sorted({s for day in stats.deliveries_per_day.values() for s in day})
    lines.append("  " + "day".ljust(12) + "".join(s.rjust(10) for s in statuses))
    for day, counts in stats.deliveries_per_day.items():
        lines.append(
            "  " + day.ljust(12) + "".join(str(counts.get(s, 0)).rjust(10) for s in statuses)
        )
    lines += _section("Failure reasons", stats.failure_reasons)
    if stats.lag_median_seconds is None or stats.lag_p95_seconds is None:
        lines.append("Send lag: no tips sent")
    else:
        lines.append(
            f"Send lag (due -> sent): median {stats.lag_median_seconds:.1f} s, "
            f"95th percentile {stats.lag_p95_seconds:.1f} s"
        )
    lines.append("Most helpful tips (thumbs up - down)")
    lines += [f"  {s.tip_id:<40} +{s.up} -{s.down}" for s in stats.most_helpful] or ["  (none)"]
    lines.append("Least helpful tips")
    lines += [f"  {s.tip_id:<40} +{s.up} -{s.down}" for s in stats.least_helpful] or ["  (none)"]
    lines.append('"Did you try it?" answers under follow-ups')
    lines += [
        f"  {tip:<40} tried: {n['yes']} yes / {n['not_yet']} not yet"
        for tip, n in sorted(stats.tried.items())
    ] or ["  (none)"]
    lines.append("Questions parents asked, by topic and language (gaps first; `tipsbot questions`)")
    lines += question_lines(stats.questions)
    lines.append("Stops and blocks that followed a tip")
    after = sorted(stats.after_tip.items(), key=lambda kv: -sum(kv[1].values()))[:10]
    lines += [
        f"  {tip:<40} " + ", ".join(f"{kind} {n}" for kind, n in sorted(kinds.items()))
        for tip, kinds in after
    ] or ["  (none)"]
    return "\n".join(lines) + "\n"


def question_lines(gaps: list[QuestionGap]) -> list[str]:
    """Questions per topic and language ("(no topic)" when none matched), gaps first."""
    lines = [
        "  "
        + "topic".ljust(24)
        + "lang".ljust(6)
        + "".join(h.rjust(12) for h in ("asked", "answered", "unanswered", "urgent"))
        + "not what I asked".rjust(18)
    ]
    for gap in gaps:
        numbers = (gap.asked, gap.answered, gap.unanswered, gap.urgent)
        lines.append(
            "  "
            + (gap.topic or "(no topic)").ljust(24)
            + gap.language.ljust(6)
            + "".join(str(n).rjust(12) for n in numbers)
            + str(gap.not_what_i_asked).rjust(18)
        )
    return lines if gaps else [*lines, "  (none)"]


@click.command("stats")
@click.option("--days", type=click.IntRange(1, 3650), default=30, show_default=True)
@click.option(
    "--format", "output", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@click.option("--at", "at", help="Count as if it were this time (ISO-8601; default now).")
@click.pass_context
def stats_command(ctx: click.Context, days: int, output: str, at: str | None) -> None:
    """Subscribers, deliveries per day, failures, lag, feedback and stops after tips.

    The same numbers as the dashboard: the last DAYS UTC days, today included.
    """
    from domain.stats import collect_stats

    now = parse_moment(at)

    async def work(sessions: Sessions) -> Stats:
        async with sessions() as session:
            return await collect_stats(session, now=now, days=days)

    stats = with_database(get_settings(ctx), work)
    if output == "json":
        click.echo(json.dumps(stats.as_dict(), indent=2, ensure_ascii=False))
    else:
        click.echo(render_stats(stats, days), nl=False)


@click.command("purge")
@click.pass_context
def purge_command(ctx: click.Context) -> None:
    """Delete delivery rows older than LOG_RETENTION_DAYS, and kept question texts older than
    ASK_UNANSWERED_RETENTION_DAYS, now (the bot does it daily)."""
    from domain.questions import purge_old_questions
    from domain.retention import purge_old_deliveries

    settings = get_settings(ctx)

    async def work(sessions: Sessions) -> tuple[int, int]:
        now = datetime.now(UTC)
        async with sessions() as session:
            count = await purge_old_deliveries(session, now=now, days=settings.log_retention_days)
            questions = await purge_old_questions(
                session, now=now, days=settings.ask_unanswered_retention_days
            )
            await session.commit()
            return count, questions

    count, questions = with_database(settings, work)
    click.echo(f"purged {count} delivery rows older than {settings.log_retention_days} days")
    click.echo(
        f"purged {questions} kept question texts older than "
        f"{settings.ask_unanswered_retention_days} days"
    )
