"""Injected faults (one-off or random, per method/chat) and optional flood-limit enforcement."""

from __future__ import annotations

import math
import random
from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal, get_args

from ._models import ApiError

JSONDict = dict[str, Any]

FaultKind = Literal[
    "429",
    "blocked",
    "deactivated",
    "kicked",
    "chat_not_found",
    "5xx",
    "reset",
    "lost",
    "hang",
    "error",
]
FAULT_KINDS: tuple[str, ...] = get_args(FaultKind)
# Faults answered instead of processing the request; the others process it, then lose the answer.
REJECTING_KINDS = frozenset(
    {"429", "blocked", "deactivated", "kicked", "chat_not_found", "5xx", "error"}
)
SEND_METHODS = frozenset({"sendMessage", "sendPhoto"})
# What Telegram's flood control counts: every message the bot sends or changes, whatever the
# code path (replies, edits, broadcasts). Not counted: chat actions, callback answers, reads.
COUNTED_METHODS = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendMediaGroup",
        "copyMessage",
        "forwardMessage",
        "editMessageText",
        "editMessageCaption",
        "editMessageMedia",
        "editMessageReplyMarkup",
    }
)
# Faults without an explicit method never hit polling: a test that wants a flaky getUpdates
# says so with method="getUpdates".
_UNTARGETED_EXEMPT = frozenset({"getupdates"})

_CANNED: dict[str, tuple[int, str]] = {
    "blocked": (403, "Forbidden: bot was blocked by the user"),
    "deactivated": (403, "Forbidden: user is deactivated"),
    "kicked": (403, "Forbidden: bot was kicked from the group chat"),
    "chat_not_found": (400, "Bad Request: chat not found"),
    "5xx": (502, "Bad Gateway"),
}


def chat_key(value: Any) -> int | str | None:
    """A chat_id parameter as a comparable key (ints stay ints, "@name" stays a string)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = str(value)
    try:
        return int(text)
    except ValueError:
        return text


@dataclass(slots=True)
class FaultRule:
    """When a matching request arrives, answer it with ``kind`` instead of normally.

    Matching: ``methods`` (lower-case names; None = every method except getUpdates) and
    ``chat_id`` (None = any). Firing: at most ``remaining`` more times (None = unlimited), each
    time with ``probability`` (None = always).
    """

    kind: FaultKind
    methods: frozenset[str] | None
    chat_id: int | str | None
    remaining: int | None
    probability: float | None
    retry_after: int
    status: int | None
    description: str | None
    parameters: JSONDict | None
    hang_seconds: float
    fired: int = 0

    def matches(self, method_lower: str, key: int | str | None) -> bool:
        if self.remaining is not None and self.remaining <= 0:
            return False
        if self.methods is None:
            if method_lower in _UNTARGETED_EXEMPT:
                return False
        elif method_lower not in self.methods:
            return False
        return self.chat_id is None or self.chat_id == key

    def error(self) -> ApiError:
        """The error response for rejecting kinds."""
        if self.kind == "429":
            return ApiError(
                self.status or 429,
                self.description or f"Too Many Requests: retry after {self.retry_after}",
                {"retry_after": self.retry_after, **(self.parameters or {})},
            )
        if self.kind == "error":
            return ApiError(
                self.status or 400, self.description or "Bad Request: injected", self.parameters
            )
        status, description = _CANNED[self.kind]
        return ApiError(self.status or status, self.description or description, self.parameters)

    def to_json(self) -> JSONDict:
        return {
            "kind": self.kind,
            "methods": sorted(self.methods) if self.methods is not None else None,
            "chat_id": self.chat_id,
            "remaining": self.remaining,
            "probability": self.probability,
            "retry_after": self.retry_after,
            "status": self.status,
            "description": self.description,
            "parameters": self.parameters,
            "hang_seconds": self.hang_seconds,
            "fired": self.fired,
        }


class Faults:
    """The fault switchboard of one server: ``api.faults.add(...)`` / ``api.faults.clear()``."""

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(seed)
        self._rules: list[FaultRule] = []
        self.fired: Counter[str] = Counter()

    @property
    def rules(self) -> list[FaultRule]:
        return list(self._rules)

    def add(
        self,
        kind: FaultKind,
        *,
        method: str | Iterable[str] | None = None,
        chat_id: int | str | None = None,
        count: int | None = None,
        probability: float | None = None,
        retry_after: int = 2,
        status: int | None = None,
        description: str | None = None,
        parameters: JSONDict | None = None,
        hang_seconds: float = 30.0,
    ) -> FaultRule:
        """Add a rule and return it (its ``fired`` counts how often it hit).

        ``count`` defaults to 1 without ``probability`` and to unlimited with it; pass
        ``probability=1.0`` for "every matching request from now on".
        ``kind="error"`` answers ``status`` (default 400) with ``description``/``parameters``;
        ``kind="hang"`` processes the request, then holds the connection ``hang_seconds`` (or
        until the server stops) and drops it, so a client read timeout fires first.
        """
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {FAULT_KINDS}")
        if probability is not None and not 0.0 <= probability <= 1.0:
            raise ValueError("probability must be within [0, 1]")
        if isinstance(method, str):
            methods: frozenset[str] | None = frozenset({method.lower()})
        elif method is None:
            methods = None
        else:
            methods = frozenset(m.lower() for m in method)
        if count is None and probability is None:
            count = 1
        rule = FaultRule(
            kind=kind,
            methods=methods,
            chat_id=chat_key(chat_id),
            remaining=count,
            probability=probability,
            retry_after=retry_after,
            status=status,
            description=description,
            parameters=parameters,
            hang_seconds=hang_seconds,
        )
        self._rules.append(rule)
        return rule

    def remove(self, rule: FaultRule) -> None:
        self._rules.remove(rule)

    def clear(self) -> None:
        self._rules.clear()

    def pick(self, method: str, key: int | str | None) -> FaultRule | None:
        """The rule that fires for this request, if any (consumes one of its counts)."""
        if not self._rules:
            return None
        method_lower = method.lower()
        for rule in self._rules:
            if not rule.matches(method_lower, key):
                continue
            if rule.probability is not None and self._rng.random() >= rule.probability:
                continue
            if rule.remaining is not None:
                rule.remaining -= 1
            rule.fired += 1
            self.fired[rule.kind] += 1
            return rule
        return None


@dataclass(slots=True, frozen=True)
class FloodLimits:
    """Telegram's flood limits, enforced on the arrival time of each counted request
    (`COUNTED_METHODS`: sends and edits alike, whichever code path made them).

    One limit over all of a bot's messages: all together stay under ``paid_per_second``; those
    without ``allow_paid_broadcast`` also under ``overall_per_second``. Each limit has its
    switch: ``overall`` (the bot-wide limits), ``per_chat`` (``private_per_second`` in one
    private chat), ``per_group`` (``group_per_minute`` in one group or channel).
    """

    overall_per_second: int = 30
    paid_per_second: int = 1000
    private_per_second: int = 1
    group_per_minute: int = 20
    overall: bool = True
    per_chat: bool = True
    per_group: bool = True


class FloodLimiter:
    """Sliding windows of arrival times; O(1) amortised per request. Arrival times must be
    passed in non-decreasing order (the server checks each request as it arrives)."""

    def __init__(self, limits: FloodLimits) -> None:
        self.limits = limits
        self._free: deque[float] = deque()
        self._all: deque[float] = deque()
        self._per_chat: dict[int | str, deque[float]] = {}
        self.rejected = 0

    @staticmethod
    def _retry_after(times: deque[float], now: float, window: float, cap: int) -> int | None:
        cutoff = now - window
        while times and times[0] <= cutoff:
            times.popleft()
        if len(times) < cap:
            return None
        return max(1, math.ceil(times[0] - cutoff))

    def _chat_window(self, key: int | str | None) -> tuple[deque[float], float, int] | None:
        if key is None:
            return None
        limits = self.limits
        private = isinstance(key, int) and key > 0
        if (private and not limits.per_chat) or (not private and not limits.per_group):
            return None
        times = self._per_chat.get(key)
        if times is None:
            times = self._per_chat[key] = deque()
        if private:
            return times, 1.0, limits.private_per_second
        return times, 60.0, limits.group_per_minute

    def check(self, key: int | str | None, paid: bool, now: float) -> int | None:
        """None if the request may go (and count it), else the retry_after to answer with."""
        limits = self.limits
        chat = self._chat_window(key)
        if chat is not None:
            retry = self._retry_after(chat[0], now, chat[1], chat[2])
            if retry is not None:
                self.rejected += 1
                return retry
        if limits.overall:
            # Every message counts against the paid ceiling; free ones also against the limit.
            retry = self._retry_after(self._all, now, 1.0, limits.paid_per_second)
            if retry is None and not paid:
                retry = self._retry_after(self._free, now, 1.0, limits.overall_per_second)
            if retry is not None:
                self.rejected += 1
                return retry
        if chat is not None:
            chat[0].append(now)
        self._all.append(now)
        if not paid:
            self._free.append(now)
        return None
