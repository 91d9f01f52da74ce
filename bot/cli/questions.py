"""`tipsbot questions`: for editors, what parents asked that tipsbot could not answer well.

The counts per topic and language are always there (no chat, no text). The texts of
unanswered questions are there only when the operator keeps them (ASK_KEEP_UNANSWERED), with no
chat id, for ASK_UNANSWERED_RETENTION_DAYS.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime, time
from typing import TYPE_CHECKING

import click

from bot.cli.common import get_settings, parse_moment
from bot.cli.database import with_database
from bot.cli.ops import question_lines

if TYPE_CHECKING:
    from bot.cli.database import Sessions
    from domain.models import UnansweredQuestion
    from domain.questions import QuestionGap


@click.command("questions")
@click.option("--days", type=click.IntRange(1, 3650), default=30, show_default=True)
@click.option("--language", help="Only questions asked in this language (en, cy, pl, uk, ur).")
@click.option(
    "--format", "output", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@click.option("--at", "at", help="Count as if it were this time (ISO-8601; default now).")
@click.pass_context
def questions(
    ctx: click.Context, days: int, language: str | None, output: str, at: str | None
) -> None:
    """Parents' questions by topic and language, gaps first, and the kept unanswered texts.

    The last DAYS UTC days, today included. Texts are listed only when ASK_KEEP_UNANSWERED is
    on; they carry no chat id.
    """
    from domain.questions import question_gaps, unanswered_questions
    from domain.stats import stats_days

    settings = get_settings(ctx)
    now = parse_moment(at)
    first, last = stats_days(now, days)

    async def work(sessions: Sessions) -> tuple[list[QuestionGap], list[UnansweredQuestion]]:
        async with sessions() as session:
            gaps = await question_gaps(session, first=first, last=last)
            texts = await unanswered_questions(
                session, since=datetime.combine(first, time(), UTC), language=language
            )
        if language is not None:
            gaps = [g for g in gaps if g.language == language]
        return gaps, texts

    gaps, texts = with_database(settings, work)
    if output == "json":
        data = {
            "since": first.isoformat(),
            "keeping_texts": settings.ask_keep_unanswered,
            "gaps": [asdict(g) for g in gaps],
            "unanswered": [
                {
                    "asked_at": q.asked_at.isoformat(),
                    "language": q.language,
                    "topic": q.topic,
                    "text": q.text,
                }
                for q in texts
            ],
        }
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    click.echo(f"Questions in the last {days} days (since {first.isoformat()}, UTC)")
    for line in question_lines(gaps):
        click.echo(line)
    click.echo("")
    if not settings.ask_keep_unanswered and not texts:
        click.echo(
            "Unanswered question texts are not kept (set ASK_KEEP_UNANSWERED=true to keep them, "
            f"without chat ids, for ASK_UNANSWERED_RETENTION_DAYS="
            f"{settings.ask_unanswered_retention_days} days)."
        )
        return
    click.echo(f"Unanswered questions, newest first ({len(texts)}; no chat ids are kept)")
    for q in texts:
        click.echo(f"  {q.asked_at:%Y-%m-%d %H:%M}  {q.language:<4} {q.topic or '-':<16} {q.text}")
    if not texts:
        click.echo("  (none)")
