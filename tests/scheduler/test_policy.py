"""The failure policy and the quiet-hours rule, as pure functions (no database, no bot)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from domain.cadence import Cadence
from domain.models import DeliveryStatus
from scheduler.outcomes import CONTENT_FLAG, Classified, Verdict, decide
from scheduler.quiet_hours import earliest_send
from tests.content.factories import make_tip


def failure(verdict: Verdict, **kwargs: object) -> Classified:
    return Classified(verdict, None, "x", **kwargs)  # type: ignore[arg-type]


def test_a_429_pauses_every_send_and_retries_after_it() -> None:
    d = decide(
        failure(Verdict.RATE_LIMITED, retry_after=7.0),
        attempts=1,
        at_least_once=False,
        max_attempts=5,
    )
    assert (d.status, d.retry_in, d.pause_all) == (DeliveryStatus.RETRYING, 7.0, 7.0)


def test_a_migrated_group_is_rewritten_and_sent_again_at_once() -> None:
    d = decide(
        failure(Verdict.MIGRATED, new_chat_id=-100), attempts=1, at_least_once=False, max_attempts=5
    )
    assert (d.status, d.new_chat_id, d.retry_in) == (DeliveryStatus.RETRYING, -100, 0.0)


def test_blocked_stops_the_chat_and_a_refused_message_flags_the_tip() -> None:
    blocked = decide(failure(Verdict.UNREACHABLE), attempts=1, at_least_once=True, max_attempts=5)
    assert (blocked.status, blocked.unreachable) == (DeliveryStatus.FAILED, True)
    content = decide(failure(Verdict.CONTENT), attempts=1, at_least_once=True, max_attempts=5)
    assert (content.status, content.flag, content.retry_in) == (
        DeliveryStatus.FAILED,
        CONTENT_FLAG,
        None,
    )


@pytest.mark.parametrize(
    ("at_least_once", "attempts", "status"),
    [
        (False, 1, DeliveryStatus.UNKNOWN),  # may have been delivered: never resent
        (True, 1, DeliveryStatus.RETRYING),
        (True, 5, DeliveryStatus.FAILED),  # out of attempts
    ],
)
def test_an_ambiguous_send_follows_the_guarantee(
    at_least_once: bool, attempts: int, status: DeliveryStatus
) -> None:
    d = decide(
        failure(Verdict.AMBIGUOUS), attempts=attempts, at_least_once=at_least_once, max_attempts=5
    )
    assert d.status is status


def test_a_5xx_backs_off_then_gives_up_and_a_bad_token_stops_sending() -> None:
    first = decide(failure(Verdict.RETRY), attempts=1, at_least_once=False, max_attempts=3)
    second = decide(failure(Verdict.RETRY), attempts=2, at_least_once=False, max_attempts=3)
    last = decide(failure(Verdict.RETRY), attempts=3, at_least_once=False, max_attempts=3)
    assert (first.retry_in, second.retry_in, last.status) == (2.0, 4.0, DeliveryStatus.FAILED)
    fatal = decide(failure(Verdict.FATAL), attempts=1, at_least_once=False, max_attempts=3)
    assert fatal.fatal and fatal.status is DeliveryStatus.RETRYING


LONDON = ZoneInfo("Europe/London")
NIGHT = datetime(2026, 12, 6, 23, 30, tzinfo=UTC)
CADENCE = Cadence(
    days=frozenset(range(7)),
    send_time=time(9),
    timezone=LONDON,
    quiet_start=time(21),
    quiet_end=time(8),
)


def test_only_urgent_tips_marked_so_go_out_in_quiet_hours() -> None:
    tip = make_tip()
    morning = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
    assert earliest_send(tip, CADENCE, NIGHT) == morning
    assert earliest_send(replace(tip, ignore_quiet_hours=True), CADENCE, NIGHT) == morning
    urgent = replace(tip, urgent=True, ignore_quiet_hours=True)
    assert earliest_send(urgent, CADENCE, NIGHT) == NIGHT
