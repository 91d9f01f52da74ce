"""A chat's selection profile (what the pure rules need), read from the database."""

from __future__ import annotations

from collections import Counter

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.chats import ChatProfile, feedback_by_tip
from domain.content.model import Library
from domain.models import Delivery, SentTip
from domain.selection import ChildStage, Profile

RECENT = 12  # how many recent tips the topic rotation looks at


async def sent_tip_ids(session: AsyncSession, *, chat_id: int) -> list[str]:
    """Every tip planned or sent to the chat, oldest first (a tip is never chosen twice)."""
    rows = await session.exec(
        select(Delivery.tip_id).where(col(Delivery.chat_id) == chat_id).order_by(col(Delivery.id))
    )
    purged = await session.exec(select(SentTip.tip_id).where(col(SentTip.chat_id) == chat_id))
    return [*purged.all(), *rows.all()]


async def selection_profile(
    session: AsyncSession, *, profile: ChatProfile, library: Library
) -> Profile:
    chat = profile.chat
    assert chat.id is not None
    sent = await sent_tip_ids(session, chat_id=chat.id)
    recent = [
        library.tips[tip_id].primary_topic for tip_id in sent[-RECENT:] if tip_id in library.tips
    ]
    topic_feedback: Counter[str] = Counter()
    for tip_id, value in (await feedback_by_tip(session, chat_id=chat.id)).items():
        if tip_id in library.tips:
            topic_feedback[library.tips[tip_id].primary_topic] += value
    return Profile(
        topics=profile.topics,
        region=chat.region,
        children=tuple(
            ChildStage(
                due_date=c.due_date,
                birth_date=c.birth_date,
                stopped=c.content_stopped_at is not None,
            )
            for c in profile.children
        ),
        sent=frozenset(sent),
        recent_topics=tuple(recent),
        topic_feedback=dict(topic_feedback),
    )
