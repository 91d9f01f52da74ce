"""A chat's selection profile (what the pure rules need), read from the database."""

from __future__ import annotations

import functools
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from sqlalchemy import ColumnElement, Integer, Select, String, any_, bindparam, func
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.chats import ChatProfile
from domain.content.model import Library
from domain.models import ChatTopic, Child, Delivery, Feedback, SentTip
from domain.selection import ChildStage, Profile

RECENT = 12  # how many recent tips the topic rotation looks at


async def selection_profile(
    session: AsyncSession, *, profile: ChatProfile, library: Library
) -> Profile:
    """The selection profile of one chat (`load_profiles` for a single chat)."""
    chat = profile.chat
    assert chat.id is not None
    connection = await session.connection()
    return (await load_profiles(connection, [(chat.id, chat.region)], library))[chat.id]


# The rows of many chats at once (one query per table for a whole planning batch), as plain
# columns: no ORM objects. The chat ids go in one parameter, so each statement compiles once
# and its text stays short: an array on PostgreSQL, a JSON array on SQLite (psycopg would
# re-parse a text with hundreds of placeholders on every call; SQLAlchemy would rewrite it).
def _of_chats(column: Any, dialect: str) -> ColumnElement[bool]:
    if dialect == "postgresql":
        return cast("ColumnElement[bool]", column == any_(bindparam("ids", type_=ARRAY(Integer))))
    each = func.json_each(bindparam("ids_json", type_=String())).table_valued("value")
    return cast("ColumnElement[bool]", column.in_(sa_select(each.c.value)))


@dataclass(frozen=True, slots=True)
class _Queries:
    topics: Select[int, str]
    children: Select[int, date | None, date | None, bool]
    purged: Select[int, str]
    delivered: Select[int, str]
    feedback: Select[int, str, int]


@functools.cache
def _queries(dialect: str) -> _Queries:
    return _Queries(
        topics=sa_select(col(ChatTopic.chat_id), col(ChatTopic.topic_id)).where(
            _of_chats(col(ChatTopic.chat_id), dialect)
        ),
        children=sa_select(
            col(Child.chat_id),
            col(Child.due_date),
            col(Child.birth_date),
            col(Child.content_stopped_at).is_not(None),
        )
        .where(_of_chats(col(Child.chat_id), dialect))
        .order_by(col(Child.id)),
        purged=sa_select(col(SentTip.chat_id), col(SentTip.tip_id)).where(
            _of_chats(col(SentTip.chat_id), dialect)
        ),
        delivered=sa_select(col(Delivery.chat_id), col(Delivery.tip_id))
        .where(_of_chats(col(Delivery.chat_id), dialect))
        .order_by(col(Delivery.id)),
        feedback=sa_select(col(Feedback.chat_id), col(Feedback.tip_id), col(Feedback.value)).where(
            _of_chats(col(Feedback.chat_id), dialect)
        ),
    )


async def load_profiles(
    connection: AsyncConnection, chats: Sequence[tuple[int, str]], library: Library
) -> dict[int, Profile]:
    """The selection profile of each of `chats` (chat id, region), as `selection_profile`
    builds it for one chat, read in five queries for all of them."""
    dialect = connection.dialect.name
    queries = _queries(dialect)
    chat_ids = [chat_id for chat_id, _ in chats]
    ids = {"ids": chat_ids} if dialect == "postgresql" else {"ids_json": json.dumps(chat_ids)}
    topics: defaultdict[int, set[str]] = defaultdict(set)
    for chat_id, topic in await connection.execute(queries.topics, ids):
        topics[chat_id].add(topic)
    children: defaultdict[int, list[ChildStage]] = defaultdict(list)
    for chat_id, due_date, birth_date, stopped in await connection.execute(queries.children, ids):
        children[chat_id].append(ChildStage(due_date, birth_date, bool(stopped)))
    sent: defaultdict[int, list[str]] = defaultdict(list)
    for chat_id, tip_id in await connection.execute(queries.purged, ids):
        sent[chat_id].append(tip_id)
    for chat_id, tip_id in await connection.execute(queries.delivered, ids):
        sent[chat_id].append(tip_id)
    tips = library.tips
    feedback: defaultdict[int, dict[str, int]] = defaultdict(dict)
    for chat_id, tip_id, value in await connection.execute(queries.feedback, ids):
        tip = tips.get(tip_id)
        if tip is not None:
            by_topic = feedback[chat_id]
            by_topic[tip.primary_topic] = by_topic.get(tip.primary_topic, 0) + value
    no_children: tuple[ChildStage, ...] = ()
    empty: frozenset[str] = frozenset()
    profiles = {}
    for chat_id, region in chats:
        history = sent.get(chat_id)
        kids = children.get(chat_id)
        profiles[chat_id] = Profile(
            topics=frozenset(topics.get(chat_id, ())),
            region=region,
            children=tuple(kids) if kids else no_children,
            sent=frozenset(history) if history else empty,
            recent_topics=tuple(tips[t].primary_topic for t in history[-RECENT:] if t in tips)
            if history
            else (),
            topic_feedback=feedback.get(chat_id) or {},
        )
    return profiles
