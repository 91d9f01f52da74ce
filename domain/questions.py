"""Parents' questions as editors see them: counts per UTC day, topic, language and outcome, and
(only when the operator opts in) the texts of questions tipsbot had no tip for.

Nothing here refers to a chat: a count cannot be traced to a family, and a kept text has no chat
id (so /forget cannot find it, and need not). Kept texts go through `redact` first and are
deleted by `purge_old_questions` after their own retention.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import delete, func
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.models import AskCount, AskKind, UnansweredQuestion

MAX_TEXT = 500
NO_TOPIC = ""

# What a parent might type that identifies someone: e-mail addresses, @handles and links, and
# long runs of digits (phone numbers, NHS numbers, postcodes' digits are short and stay).
_EMAIL = re.compile(r"\S+@\S+\.\S+")
_HANDLE = re.compile(r"(?<!\w)@\w{3,}")
_LINK = re.compile(r"(?i)\b(?:https?://|www\.|t\.me/)\S+")
_DIGITS = re.compile(r"\+?\d[\d\s\-().]{5,}\d")
REDACTED = "…"


def redact(text: str) -> str:
    """`text` without e-mail addresses, @handles, links and phone-like numbers, on one line,
    at most MAX_TEXT characters."""
    for pattern in (_EMAIL, _LINK, _HANDLE, _DIGITS):
        text = pattern.sub(REDACTED, text)
    return " ".join(text.split())[:MAX_TEXT]


async def count_question(
    session: AsyncSession, *, day: date, topic: str | None, language: str, kinds: Iterable[AskKind]
) -> None:
    """Add one to each of `kinds` for this day, topic and language (an upsert: two questions
    at the same moment both count)."""
    maker = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    for kind in kinds:
        statement = maker(AskCount).values(
            day=day, topic=topic or NO_TOPIC, language=language, kind=kind.value, count=1
        )
        statement = statement.on_conflict_do_update(
            index_elements=["day", "topic", "language", "kind"],
            set_={"count": AskCount.__table__.c["count"] + 1},  # type: ignore[attr-defined]
        )
        await session.exec(statement)


async def keep_unanswered(
    session: AsyncSession, *, now: datetime, language: str, topic: str | None, text: str
) -> None:
    """Keep an unanswered question's text (redacted) for editors, with no chat reference."""
    kept = redact(text)
    if kept:
        session.add(
            UnansweredQuestion(asked_at=now, language=language, topic=topic or NO_TOPIC, text=kept)
        )


async def unanswered_questions(
    session: AsyncSession, *, since: datetime, language: str | None = None, limit: int = 500
) -> list[UnansweredQuestion]:
    """Kept texts asked since `since` (in one language, if given), newest first."""
    query = select(UnansweredQuestion).where(col(UnansweredQuestion.asked_at) >= since)
    if language is not None:
        query = query.where(col(UnansweredQuestion.language) == language)
    query = query.order_by(col(UnansweredQuestion.asked_at).desc()).limit(limit)
    return list((await session.exec(query)).all())


async def purge_old_questions(session: AsyncSession, *, now: datetime, days: int) -> int:
    """Delete kept question texts older than `days`."""
    result = await session.exec(
        delete(UnansweredQuestion).where(
            col(UnansweredQuestion.asked_at) < now - timedelta(days=days)
        )
    )
    return int(result.rowcount)


@dataclass(frozen=True)
class QuestionGap:
    """Questions in one topic and language over a range of days, by outcome."""

    topic: str  # "" when the question matched no topic
    language: str
    asked: int = 0
    answered: int = 0
    unanswered: int = 0
    urgent: int = 0
    not_what_i_asked: int = 0


async def question_gaps(session: AsyncSession, *, first: date, last: date) -> list[QuestionGap]:
    """Per topic and language, the questions of these UTC days by outcome; the ones editors
    should look at (unanswered, then "not what I asked") first."""
    rows = await session.exec(
        select(AskCount.topic, AskCount.language, AskCount.kind, func.sum(AskCount.count))
        .where(col(AskCount.day) >= first, col(AskCount.day) <= last)
        .group_by(col(AskCount.topic), col(AskCount.language), col(AskCount.kind))
    )
    table: dict[tuple[str, str], dict[str, int]] = {}
    for topic, language, kind, n in rows.all():
        table.setdefault((str(topic), str(language)), {})[str(kind)] = int(n or 0)
    gaps = [
        QuestionGap(
            topic,
            language,
            asked=counts.get(AskKind.ASKED, 0),
            answered=counts.get(AskKind.ANSWERED, 0),
            unanswered=counts.get(AskKind.UNANSWERED, 0),
            urgent=counts.get(AskKind.URGENT, 0),
            not_what_i_asked=counts.get(AskKind.NOT_WHAT_I_ASKED, 0),
        )
        for (topic, language), counts in table.items()
    ]
    return sorted(gaps, key=lambda g: (-g.unanswered, -g.not_what_i_asked, g.topic, g.language))


def utc_today(now: datetime) -> date:
    return now.astimezone(UTC).date()
