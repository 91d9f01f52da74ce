"""The deep-link welcome's "expecting, or a baby or child?" question: who is asked once more.

A chat that subscribed by a deep link is asked in the welcome (`note_asked`). If it still has
no child after ASK_AGAIN_AFTER_TIPS tips, it is asked once more (outside its quiet hours), and
never again: the chat is marked before the question is sent (`claim_chats_to_ask_again`), so
at most once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.cadence import cadence_for, in_quiet_hours
from domain.models import (
    Chat,
    ChatStatus,
    Child,
    ChildPrompt,
    Delivery,
    DeliveryStatus,
    Schedule,
    SentTip,
)

ASK_AGAIN_AFTER_TIPS = 3


def note_asked(chat: Chat) -> None:
    """The welcome asked: the chat may be asked once more (unless it was already)."""
    if chat.child_prompt == ChildPrompt.NONE.value:
        chat.child_prompt = ChildPrompt.ASKED.value


async def claim_chats_to_ask_again(
    session: AsyncSession, *, now: datetime, limit: int, after_tips: int = ASK_AGAIN_AFTER_TIPS
) -> list[Chat]:
    """Active chats asked in the welcome that have no child yet and have had `after_tips` tips,
    outside their quiet hours at `now`: marked as asked once more (the caller commits before
    sending)."""
    sent = (
        select(func.count())
        .select_from(Delivery)
        .where(
            col(Delivery.chat_id) == col(Chat.id),
            col(Delivery.status) == DeliveryStatus.SENT.value,
        )
        .scalar_subquery()
    )
    kept = (  # tips whose delivery rows retention has purged
        select(func.count())
        .select_from(SentTip)
        .where(col(SentTip.chat_id) == col(Chat.id))
        .scalar_subquery()
    )
    no_child = ~exists().where(col(Child.chat_id) == col(Chat.id))
    query = (
        select(Chat, Schedule)
        .join(Schedule, col(Schedule.chat_id) == col(Chat.id))
        .where(
            col(Chat.child_prompt) == ChildPrompt.ASKED.value,
            col(Chat.status) == ChatStatus.ACTIVE.value,
            no_child,
            sent + kept >= after_tips,
        )
        .order_by(col(Chat.id))
        .limit(limit * 4)  # room for those in their quiet hours, left for a later tick
    )
    chats = [
        chat
        for chat, schedule in await session.exec(query)
        if not in_quiet_hours(cadence_for(schedule, chat.timezone), now)
    ][:limit]
    if chats:
        await session.exec(
            update(Chat)
            .where(
                col(Chat.id).in_([c.id for c in chats]),
                col(Chat.child_prompt) == ChildPrompt.ASKED.value,
            )
            .values(child_prompt=ChildPrompt.REASKED.value)
        )
    return chats
