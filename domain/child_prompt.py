"""The questions about a chat's children that the delivery engine asks: who is asked, and when.

The deep-link welcome's "expecting, or a baby or child?": a chat that subscribed by a deep link
is asked in the welcome (`note_asked`). If it still has no child after ASK_AGAIN_AFTER_TIPS
tips, it is asked once more (outside its quiet hours), and never again: the chat is marked
before the question is sent (`claim_chats_to_ask_again`), so at most once.

"Has your baby arrived?": a chat with a pregnancy whose due date has come is asked in its
first send slot from the due date, and once more in its first send slot ASK_ARRIVAL_AGAIN_DAYS
later if it has not said the baby is born (`claim_arrival_questions`); never in quiet hours
(a slot inside them waits for their end, as a tip does),
and each time at most once, since the chat is marked before the question goes out. From
ASSUME_BORN_AFTER_DAYS after the due date it is not asked: the tips then take the baby as born
on the due date (domain.selection). An answer, or a new due date, settles the question
(`settle_arrival`), so a later pregnancy is asked about in its turn.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import exists, func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.cadence import cadence_for, in_quiet_hours, latest_slot_at_or_before
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
from domain.selection import ASSUME_BORN_AFTER_DAYS, is_presumed_born

ASK_AGAIN_AFTER_TIPS = 3
ASK_ARRIVAL_AGAIN_DAYS = 7
ARRIVAL_STATES = frozenset({ChildPrompt.ARRIVAL.value, ChildPrompt.ARRIVAL_AGAIN.value})


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


def arrival_question_due(
    prompt: str, due_date: date, today: date
) -> tuple[ChildPrompt, date] | None:
    """For a chat in `prompt` with a pregnancy due on `due_date`: whether "has your baby
    arrived?" is due on `today`, as the state it moves to and the day the occasion began
    (it goes out in the first send slot from that day); None when it is not due."""
    if today < due_date or is_presumed_born(due_date, today):
        return None
    if prompt == ChildPrompt.ARRIVAL_AGAIN:
        return None
    if prompt == ChildPrompt.ARRIVAL:
        again = due_date + timedelta(days=ASK_ARRIVAL_AGAIN_DAYS)
        return (ChildPrompt.ARRIVAL_AGAIN, again) if today >= again else None
    return ChildPrompt.ARRIVAL, due_date


def settle_arrival(chat: Chat) -> None:
    """The family answered (born, or their situation changed) or gave a new due date: the
    next due date is asked about afresh."""
    if chat.child_prompt in ARRIVAL_STATES:
        chat.child_prompt = ChildPrompt.NONE.value


@dataclass(frozen=True)
class ArrivalQuestion:
    """A chat to ask whether the baby due on `child.due_date` has arrived."""

    chat: Chat
    child: Child


async def claim_arrival_questions(
    session: AsyncSession, *, now: datetime, limit: int
) -> list[ArrivalQuestion]:
    """Active chats whose "has your baby arrived?" is due now (see the module docstring), in
    their send slot today and outside their quiet hours: marked as asked (the caller commits
    before sending). A chat with several pregnancies (twins) is asked about the earliest."""
    day = timedelta(days=1)  # the chats' own dates are up to a day either side of UTC's
    query = (
        select(Chat, Schedule, Child)
        .join(Schedule, col(Schedule.chat_id) == col(Chat.id))
        .join(Child, col(Child.chat_id) == col(Chat.id))
        .where(
            col(Chat.status) == ChatStatus.ACTIVE.value,
            col(Chat.child_prompt) != ChildPrompt.ARRIVAL_AGAIN.value,
            col(Child.birth_date).is_(None),
            col(Child.content_stopped_at).is_(None),
            col(Child.due_date) <= now.date() + day,
            col(Child.due_date) > now.date() - timedelta(days=ASSUME_BORN_AFTER_DAYS) - day,
        )
        .order_by(col(Chat.id), col(Child.due_date), col(Child.id))
    )
    claimed: list[ArrivalQuestion] = []
    seen: set[int] = set()
    for chat, schedule, child in await session.exec(query):
        if chat.id is None or chat.id in seen or child.due_date is None:
            continue
        seen.add(chat.id)
        cadence = cadence_for(schedule, chat.timezone)
        today = now.astimezone(cadence.timezone).date()
        due = arrival_question_due(chat.child_prompt, child.due_date, today)
        slot = latest_slot_at_or_before(cadence, now)
        if due is None or slot is None or in_quiet_hours(cadence, now):
            continue
        state, since = due
        if slot.astimezone(cadence.timezone).date() < since:
            continue  # no send slot yet since the occasion began
        marked = await session.exec(
            update(Chat)
            .where(col(Chat.id) == chat.id, col(Chat.child_prompt) == chat.child_prompt)
            .values(child_prompt=state.value)
        )
        if marked.rowcount == 1:  # another planner got there first otherwise
            claimed.append(ArrivalQuestion(chat, child))
            if len(claimed) == limit:
                break
    return claimed
