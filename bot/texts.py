"""Sentences shared by several screens: the schedule and subscription summaries."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from babel.dates import format_time, get_day_names

from domain.cadence import FREQUENCY_PRESETS, cadence_for, first_send_at, parse_days, parse_hhmm
from domain.chats import SETUP_STEPS, ChatProfile
from domain.content.model import Library
from domain.i18n import Translator
from domain.models import ChatStatus


def step_line(step: str, t: Translator) -> str:
    """ "Step n of N" for one of onboarding's steps (domain.chats.SETUP_STEPS)."""
    return t.gettext("Step %(n)d of %(total)d") % {
        "n": SETUP_STEPS.index(step) + 1,
        "total": len(SETUP_STEPS),
    }


def sentence_case(text: str) -> str:
    """Upper-case the first letter only (str.capitalize would lower-case the rest)."""
    return text[:1].upper() + text[1:]


def day_names(days: str, t: Translator) -> str:
    names = get_day_names("abbreviated", locale=t.locale)
    return t.join(names[d] for d in sorted(parse_days(days)))


def local_time(value: time, t: Translator) -> str:
    return format_time(value, format="short", locale=t.locale)


def frequency_label(per_week: int, t: Translator) -> str:
    if per_week == len(FREQUENCY_PRESETS[7]):
        return t.gettext("every day")
    return t.ngettext("%(n)d tip a week", "%(n)d tips a week", per_week) % {"n": per_week}


def schedule_line(profile: ChatProfile, t: Translator) -> str:
    schedule = profile.schedule
    per_week = len(parse_days(schedule.days))
    if per_week == len(FREQUENCY_PRESETS[7]):  # seven day names say less than "every day"
        return t.gettext("Every day at %(time)s (%(zone)s)") % {
            "time": local_time(parse_hhmm(schedule.send_time), t),
            "zone": profile.chat.timezone,
        }
    return t.gettext("%(frequency)s: %(days)s at %(time)s (%(zone)s)") % {
        "frequency": sentence_case(frequency_label(per_week, t)),
        "days": day_names(schedule.days, t),
        "time": local_time(parse_hhmm(schedule.send_time), t),
        "zone": profile.chat.timezone,
    }


def topics_line(profile: ChatProfile, library: Library, t: Translator) -> str:
    names = [
        f"{topic.emoji} {topic.name(t.language)}"
        for topic in library.topics.values()
        if topic.id in profile.topics
    ]
    # Topic names hold an "and" themselves ("Money and support"): commas only.
    return t.join(names, conjunction=False) if names else t.gettext("no topics yet")


def when_line(moment: datetime | None, zone: str, t: Translator) -> str:
    if moment is None:
        return t.gettext("No tips are planned.")
    local = moment.astimezone(ZoneInfo(zone))
    return t.gettext("Your next tip comes on %(date)s at %(time)s.") % {
        "date": t.sentence_date(local.date()),
        "time": local_time(local.time(), t),
    }


def plan_line(profile: ChatProfile, now: datetime, t: Translator) -> str:
    """What comes next for the chat: the pause and how it ends while paused, else the next tip
    (a pause until /resume has no next tip to name)."""
    chat = profile.chat
    if chat.status == ChatStatus.PAUSED:
        if chat.paused_until is None:
            return t.gettext("Tips are paused. Send /resume when you want them again.")
        if chat.paused_until > now:
            local = chat.paused_until.astimezone(ZoneInfo(chat.timezone))
            return t.gettext(
                "Tips are paused until %(date)s. They start again by "
                "themselves; /resume brings them back sooner."
            ) % {"date": t.date(local.date(), "full")}
    if chat.status not in (ChatStatus.ACTIVE, ChatStatus.PAUSED):
        return when_line(None, chat.timezone, t)
    cadence = cadence_for(profile.schedule, chat.timezone)
    return when_line(first_send_at(cadence, now, chat.paused_until), chat.timezone, t)
