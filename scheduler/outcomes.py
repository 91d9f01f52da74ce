"""What a failed send means (see ../shared/telegram.md), as pure functions: `classify` turns the
exception into a verdict, `decide` turns the verdict into what to record and do next. Both
send paths (the dispatcher and the on-demand lane) use them.

Order matters: PTB's BadRequest and TimedOut are NetworkError subclasses, so the specific cases
are decided first. A request that may have reached Telegram (read/write timeout, a connection
dropped after the request was written) is AMBIGUOUS: under at-most-once it is not resent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

import aiohttp
import httpx
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from domain.models import DeliveryStatus


class Verdict(StrEnum):
    RATE_LIMITED = "rate-limited"  # pause everything, then send this again
    UNREACHABLE = "unreachable"  # blocked, deactivated, kicked, chat not found: stop the chat
    MIGRATED = "migrated"  # rewrite the chat id and send again
    CONTENT = "content"  # Telegram refused the message itself: flag the tip, never retry
    REFUSED = "refused"  # another 400: failed, not retried
    RETRY = "retry"  # certainly not delivered: retry with backoff
    AMBIGUOUS = "ambiguous"  # may have been delivered
    FATAL = "fatal"  # the bot itself is misconfigured (bad token, another poller)


@dataclass(frozen=True, slots=True)
class Classified:
    verdict: Verdict
    code: int | None
    description: str
    retry_after: float = 0.0
    new_chat_id: int | None = None


CONTENT_MARKERS = ("can't parse entities", "message is too long", "caption is too long")
UNREACHABLE_MARKERS = ("chat not found", "user not found", "peer_id_invalid", "bot was blocked")
# Transport errors raised before the request was written: nothing reached Telegram. httpx for
# PTB's default transport, aiohttp for the dispatcher's (scheduler.transport).
NOT_SENT: tuple[type[BaseException], ...] = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    aiohttp.ClientConnectorError,
    aiohttp.ConnectionTimeoutError,
)
# Transport errors raised after the request may have been written.
MID_REQUEST: tuple[type[BaseException], ...] = (httpx.HTTPError, aiohttp.ClientError, TimeoutError)


def _seconds(value: object) -> float:
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value)  # type: ignore[arg-type]


def classify(exc: BaseException) -> Classified:
    message = str(getattr(exc, "message", exc))
    lowered = message.lower()
    if isinstance(exc, RetryAfter):
        return Classified(Verdict.RATE_LIMITED, 429, message, retry_after=_seconds(exc.retry_after))
    if isinstance(exc, ChatMigrated):
        return Classified(Verdict.MIGRATED, 400, message, new_chat_id=exc.new_chat_id)
    if isinstance(exc, Forbidden):
        return Classified(Verdict.UNREACHABLE, 403, message)
    if isinstance(exc, (InvalidToken, Conflict)):
        return Classified(Verdict.FATAL, 401 if isinstance(exc, InvalidToken) else 409, message)
    if isinstance(exc, BadRequest):
        if any(marker in lowered for marker in CONTENT_MARKERS):
            return Classified(Verdict.CONTENT, 400, message)
        if any(marker in lowered for marker in UNREACHABLE_MARKERS):
            return Classified(Verdict.UNREACHABLE, 400, message)
        return Classified(Verdict.REFUSED, 400, message)
    if isinstance(exc, TimedOut):
        cause = exc.__cause__
        verdict = Verdict.RETRY if isinstance(cause, NOT_SENT) else Verdict.AMBIGUOUS
        return Classified(verdict, None, message or "timed out")
    if isinstance(exc, NetworkError):
        cause = exc.__cause__
        if isinstance(cause, NOT_SENT):
            return Classified(Verdict.RETRY, None, message)
        if isinstance(cause, MID_REQUEST):  # the connection failed mid-request
            return Classified(Verdict.AMBIGUOUS, None, message)
        # No transport error behind it: Telegram answered with a 5xx (or another status).
        return Classified(Verdict.RETRY, 502, message)
    if isinstance(exc, TelegramError):
        return Classified(Verdict.REFUSED, None, message)
    return Classified(Verdict.AMBIGUOUS, None, f"{type(exc).__name__}: {message}")


def backoff_seconds(attempt: int, *, base: float = 2.0, cap: float = 300.0) -> float:
    """Exponential backoff after the `attempt`-th failed try (1 -> 2 s, 2 -> 4 s, ...)."""
    return float(min(cap, base**attempt))


@dataclass(frozen=True, slots=True)
class Decision:
    """What to do with a delivery whose request failed: the status to record and what else
    follows (pause every send, stop the chat, rewrite its id, flag the tip, stop sending)."""

    status: DeliveryStatus
    reason: str | None = None
    retry_in: float | None = None  # seconds from now; the delivery goes back in the queue
    pause_all: float = 0.0  # seconds every send waits (Telegram's flood control is per bot)
    unreachable: bool = False  # the chat stops; everything else waiting for it is skipped
    new_chat_id: int | None = None  # the group became a supergroup: send there
    flag: str | None = None  # editors must look at the tip (a content flag of this kind)
    fatal: bool = False  # the bot cannot send at all


def decide(
    failure: Classified, *, attempts: int, at_least_once: bool, max_attempts: int
) -> Decision:
    """The policy for a failed send: a pure function of the classified failure, the number of
    tries so far (this one included) and the delivery guarantee."""
    verdict = failure.verdict
    if verdict is Verdict.AMBIGUOUS and at_least_once:
        verdict = Verdict.RETRY
    if verdict is Verdict.RATE_LIMITED:
        return Decision(
            DeliveryStatus.RETRYING, retry_in=failure.retry_after, pause_all=failure.retry_after
        )
    if verdict is Verdict.UNREACHABLE:
        return Decision(DeliveryStatus.FAILED, "chat unreachable", unreachable=True)
    if verdict is Verdict.MIGRATED and failure.new_chat_id is not None:
        return Decision(
            DeliveryStatus.RETRYING,
            "group became a supergroup",
            retry_in=0.0,
            new_chat_id=failure.new_chat_id,
        )
    if verdict is Verdict.CONTENT:
        return Decision(DeliveryStatus.FAILED, "Telegram refused the message", flag=CONTENT_FLAG)
    if verdict is Verdict.RETRY and attempts < max_attempts:
        return Decision(DeliveryStatus.RETRYING, retry_in=backoff_seconds(attempts))
    if verdict is Verdict.AMBIGUOUS:
        return Decision(DeliveryStatus.UNKNOWN, "may have been delivered")
    if verdict is Verdict.FATAL:
        return Decision(DeliveryStatus.RETRYING, retry_in=60.0, fatal=True)
    return Decision(DeliveryStatus.FAILED)


CONTENT_FLAG = "telegram-refused"
RENDER_FLAG = "render-error"
