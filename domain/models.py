"""The database tables (SQLModel) and the value sets their string columns hold.

Personal data lives only in rows that hang off `Chat` with ON DELETE CASCADE, so deleting a
chat (/forget) removes every personal row. Tables without a chat reference (content flags,
leases, system events, tip and question counters) hold no personal data. The one exception is
opt-in: `UnansweredQuestion` keeps what parents typed, with no chat reference (so /forget cannot
find it), only when the operator turns ASK_KEEP_UNANSWERED on, and only for its own retention.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from domain.dbtypes import UTCDateTime, utcnow


class ChatKind(StrEnum):
    PRIVATE = "private"
    GROUP = "group"
    SUPERGROUP = "supergroup"


class ChatStatus(StrEnum):
    ONBOARDING = "onboarding"  # started /start, has not confirmed yet: gets no scheduled tips
    ACTIVE = "active"
    PAUSED = "paused"  # until paused_until (or until /resume when that is empty)
    STOPPED = "stopped"  # the chat asked to stop
    BLOCKED = "blocked"  # Telegram refuses: blocked, deactivated, kicked, chat not found


class ChildPrompt(StrEnum):
    """Where a chat stands with the questions about its children (domain.child_prompt): the
    deep link's "expecting, or a baby or child?", and "has your baby arrived?" once a due date
    has come."""

    NONE = "none"  # never asked this way (the walk-through has its own children step)
    ASKED = "asked"  # asked in the welcome; asked once more after a few tips if still no child
    REASKED = "reasked"  # asked once more: never again
    ARRIVAL = "arrival"  # asked whether the baby has arrived; once more a week later
    ARRIVAL_AGAIN = "arrival2"  # asked that once more: not again for this due date


class DeliveryStatus(StrEnum):
    PLANNED = "planned"
    SENDING = "sending"
    SENT = "sent"
    RETRYING = "retrying"
    FAILED = "failed"
    UNKNOWN = "unknown"  # the request may or may not have reached Telegram
    SKIPPED = "skipped"  # not sent on purpose; `reason` says why


class DeliveryLane(StrEnum):
    SCHEDULED = "scheduled"
    BROADCAST = "broadcast"
    ON_DEMAND = "on-demand"  # /tip, "more on this topic"


def _utc(*, nullable: bool = True, index: bool = False) -> Column[datetime]:
    return Column(UTCDateTime(), nullable=nullable, index=index)


def _chat_fk() -> Column[int]:
    return Column(Integer, ForeignKey("chat.id", ondelete="CASCADE"), nullable=False, index=True)


class Chat(SQLModel, table=True):
    """A subscriber: a private chat with a parent, or a group."""

    id: int | None = Field(default=None, primary_key=True)
    telegram_id: int = Field(sa_column=Column(BigInteger, nullable=False, unique=True))
    kind: str = Field(max_length=16)
    language: str = Field(max_length=8)
    region: str = Field(max_length=24)
    timezone: str = Field(max_length=64)
    status: str = Field(max_length=16, index=True)
    status_reason: str | None = Field(default=None, max_length=200)
    paused_until: datetime | None = Field(default=None, sa_column=_utc())
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc(nullable=False))
    status_changed_at: datetime = Field(default_factory=utcnow, sa_column=_utc(nullable=False))
    child_prompt: str = Field(
        default=ChildPrompt.NONE.value,
        max_length=8,
        index=True,
        sa_column_kwargs={"server_default": ChildPrompt.NONE.value},
    )
    # The onboarding step the chat is on (domain.chats.SETUP_STEPS); None once it has
    # subscribed, so /resume or an undone /stop never subscribes a chat half set up.
    setup_step: str | None = Field(default=None, max_length=8)


class Schedule(SQLModel, table=True):
    """When a chat wants tips: weekdays and a local time, with quiet hours.

    `next_slot_at` is the next send slot in UTC, kept up to date by the planner so that finding
    due chats is one indexed range scan.
    """

    chat_id: int = Field(
        sa_column=Column(Integer, ForeignKey("chat.id", ondelete="CASCADE"), primary_key=True)
    )
    days: str = Field(max_length=32)  # "mon,wed,fri"; all seven = daily
    send_time: str = Field(max_length=5)  # "10:00", local to the chat's time zone
    quiet_start: str = Field(max_length=5)
    quiet_end: str = Field(max_length=5)
    next_slot_at: datetime | None = Field(default=None, sa_column=_utc(index=True))
    last_slot_at: datetime | None = Field(default=None, sa_column=_utc())


class ChatTopic(SQLModel, table=True):
    """A topic a chat subscribes to."""

    __tablename__ = "chat_topic"
    chat_id: int = Field(
        sa_column=Column(Integer, ForeignKey("chat.id", ondelete="CASCADE"), primary_key=True)
    )
    topic_id: str = Field(max_length=48, primary_key=True)


class Child(SQLModel, table=True):
    """A child (or a pregnancy) that tips are timed for. No names are stored."""

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_column=_chat_fk())
    due_date: date | None = None
    birth_date: date | None = None
    # "Our situation has changed": pregnancy and baby content stops for this child at once.
    content_stopped_at: datetime | None = Field(default=None, sa_column=_utc())
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc(nullable=False))


class Delivery(SQLModel, table=True):
    """One tip for one chat: at most one row per (chat, tip), whatever happens."""

    __table_args__ = (
        UniqueConstraint("chat_id", "tip_id", name="uq_delivery_chat_tip"),
        Index("ix_delivery_status_not_before", "status", "not_before"),
    )
    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_column=_chat_fk())
    tip_id: str = Field(max_length=64, index=True)
    language: str = Field(max_length=8)
    lane: str = Field(max_length=16)
    status: str = Field(max_length=16)
    reason: str | None = Field(default=None, max_length=200)
    slot_at: datetime = Field(sa_column=_utc(nullable=False))
    planned_at: datetime = Field(sa_column=_utc(nullable=False, index=True))
    not_before: datetime = Field(sa_column=_utc(nullable=False))
    claimed_by: str | None = Field(default=None, max_length=64)
    claim_expires_at: datetime | None = Field(default=None, sa_column=_utc())
    attempts: int = 0
    sent_at: datetime | None = Field(default=None, sa_column=_utc(index=True))
    telegram_message_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    error_code: int | None = None
    error_description: str | None = Field(default=None, max_length=300)
    latency_ms: int | None = None


class SentTip(SQLModel, table=True):
    """Tips a chat had whose delivery rows were purged by retention: never send them again."""

    __tablename__ = "sent_tip"
    chat_id: int = Field(
        sa_column=Column(Integer, ForeignKey("chat.id", ondelete="CASCADE"), primary_key=True)
    )
    tip_id: str = Field(max_length=64, primary_key=True)


class DeliveryAttempt(SQLModel, table=True):
    """Every request made for a delivery, with its outcome: the operators' log."""

    __tablename__ = "delivery_attempt"
    id: int | None = Field(default=None, primary_key=True)
    delivery_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("delivery.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    telegram_chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    started_at: datetime = Field(sa_column=_utc(nullable=False, index=True))
    finished_at: datetime | None = Field(default=None, sa_column=_utc())
    outcome: str = Field(max_length=16)
    error_code: int | None = None
    error_description: str | None = Field(default=None, max_length=300)
    telegram_message_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    latency_ms: int | None = None


class Feedback(SQLModel, table=True):
    """A thumbs up (+1) or down (-1) on a tip; pressing again changes it."""

    __table_args__ = (UniqueConstraint("chat_id", "tip_id", name="uq_feedback_chat_tip"),)
    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_column=_chat_fk())
    tip_id: str = Field(max_length=64, index=True)
    value: int
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc(nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_utc(nullable=False))


class TriedAnswer(SQLModel, table=True):
    """ "Did you try it?" under a week's follow-up: yes or not yet; pressing again changes it."""

    __tablename__ = "tried_answer"
    __table_args__ = (UniqueConstraint("chat_id", "tip_id", name="uq_tried_answer_chat_tip"),)
    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_column=_chat_fk())
    tip_id: str = Field(max_length=64, index=True)
    tried: bool
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc(nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_utc(nullable=False))


class ChatEvent(SQLModel, table=True):
    """Subscription changes over time (joined, paused, stopped, blocked ...), for stats."""

    __tablename__ = "chat_event"
    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_column=_chat_fk())
    kind: str = Field(max_length=24, index=True)
    at: datetime = Field(default_factory=utcnow, sa_column=_utc(nullable=False, index=True))
    last_tip_id: str | None = Field(default=None, max_length=64)
    detail: str | None = Field(default=None, max_length=200)


class TipCounter(SQLModel, table=True):
    """Anonymous per-tip tallies that outlive /forget (stops and blocks that followed a tip)."""

    __tablename__ = "tip_counter"
    tip_id: str = Field(max_length=64, primary_key=True)
    kind: str = Field(max_length=24, primary_key=True)
    count: int = 0


class ContentFlag(SQLModel, table=True):
    """A tip Telegram refused (parse error, too long): for editors, never retried."""

    __tablename__ = "content_flag"
    __table_args__ = (UniqueConstraint("tip_id", "language", "kind", name="uq_content_flag"),)
    id: int | None = Field(default=None, primary_key=True)
    tip_id: str = Field(max_length=64)
    language: str = Field(max_length=8)
    kind: str = Field(max_length=24)
    description: str = Field(max_length=300)
    first_seen: datetime = Field(sa_column=_utc(nullable=False))
    last_seen: datetime = Field(sa_column=_utc(nullable=False))
    count: int = 1


class Lease(SQLModel, table=True):
    """A named lease held by one process at a time (the planner), with an expiry."""

    name: str = Field(max_length=48, primary_key=True)
    holder: str = Field(max_length=64)
    expires_at: datetime = Field(sa_column=_utc(nullable=False))
    heartbeat_at: datetime = Field(sa_column=_utc(nullable=False))


class SystemEvent(SQLModel, table=True):
    """Rare engine events operators should see: rate-limit pauses, capacity warnings, reloads."""

    __tablename__ = "system_event"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_column=_utc(nullable=False, index=True))
    kind: str = Field(max_length=32, index=True)
    detail: str = Field(max_length=500)


class AskKind(StrEnum):
    """What happened to a parent's question, as counted in `AskCount`."""

    ASKED = "asked"
    ANSWERED = "answered"  # at least one tip shown (or the urgent-help tip)
    UNANSWERED = "unanswered"  # below the confidence threshold: "no tip on that yet"
    URGENT = "urgent"  # a danger sign: the nation's urgent-help tip came first
    NOT_WHAT_I_ASKED = "not-what-i-asked"  # a tap under an answer


class AskCount(SQLModel, table=True):
    """Questions per UTC day, topic, language and outcome, for editors: no chat, no text.

    `topic` is the topic of the answer (or of the tip marked "not what I asked"); "" when the
    question matched no topic."""

    __tablename__ = "ask_count"
    day: date = Field(primary_key=True)
    topic: str = Field(max_length=48, primary_key=True)
    language: str = Field(max_length=8, primary_key=True)
    kind: str = Field(max_length=24, primary_key=True)
    count: int = 0


class UnansweredQuestion(SQLModel, table=True):
    """The text of a question tipsbot had no tip for, kept only when the operator turns
    ASK_KEEP_UNANSWERED on, without any chat reference, for ASK_UNANSWERED_RETENTION_DAYS."""

    __tablename__ = "unanswered_question"
    id: int | None = Field(default=None, primary_key=True)
    asked_at: datetime = Field(sa_column=_utc(nullable=False, index=True))
    language: str = Field(max_length=8)
    topic: str = Field(max_length=48)  # the nearest topic, "" when none
    text: str = Field(max_length=500)
