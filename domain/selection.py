"""Which tip a chat gets next: pure rules over the library and the chat's profile.

The order, first rule that applies wins:
1. urgent alerts;
2. tips whose window is closing (a dated window ending, or a child growing out of the tip's
   age or pregnancy window) within CLOSING_DAYS, soonest first;
3. the rest of a week the chat has started (a series written as weeks: fact, then the thing
   to try, then the follow-up), so a week's three tips stay together;
4. the catch-up: the essentials for the family's current stage, most important first;
5. the next part of a series the chat has started (parts the family has grown out of are
   skipped: a family that joins late still gets the later parts);
6. otherwise the topic that has waited longest (topics with more thumbs down than up wait
   longer), and in it the highest priority, then the narrowest window.
Never a tip twice, nothing outside its windows, season, regions or past review_by. All
children of a chat share one budget: the chat gets one tip per slot, chosen across them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from domain.content.index import TipIndex
from domain.content.model import Tip
from domain.schoolyear import CUTOFFS, TERM_ORDER, school_place

CLOSING_DAYS = 14
# A new family's first few tips are its stage's essentials: a short catch-up, not a flood.
CATCH_UP_TIPS = 3
DAYS_PER_WEEK = 7
PREGNANCY_WEEKS = 40
# A topic whose thumbs down outnumber its thumbs up counts as sent this many turns later.
DISLIKE_PENALTY = 2
# A pregnancy whose family has not told the bot about the birth this many days after the due
# date is taken as born on the due date: nearly every baby has arrived by 42 weeks (labour is
# induced by then), so newborn tips fit far better than pregnancy ones. The bot asks on the
# due date and a week later (domain.child_prompt); an answer sets the real birth date.
ASSUME_BORN_AFTER_DAYS = 14


@dataclass(frozen=True, slots=True)
class ChildStage:
    """A child as the rules see it: a due date (pregnancy) or a birth date."""

    due_date: date | None = None
    birth_date: date | None = None
    stopped: bool = False  # "our situation has changed": no stage content for this child

    def pregnancy_week(self, today: date) -> int | None:
        if self.stopped or self.due_date is None or self.is_born(today):
            return None
        days_pregnant = PREGNANCY_WEEKS * DAYS_PER_WEEK - (self.due_date - today).days
        return days_pregnant // DAYS_PER_WEEK

    def age_days(self, today: date) -> int | None:
        birth = self.birth_date_on(today)
        if self.stopped or birth is None:
            return None
        return (today - birth).days

    def birth_date_on(self, today: date) -> date | None:
        """The birth date the rules use on `today`: the one given, once it has come; else the
        due date, once ASSUME_BORN_AFTER_DAYS have passed without news of the birth."""
        if self.birth_date is not None:
            return self.birth_date if self.birth_date <= today else None
        if self.due_date is not None and is_presumed_born(self.due_date, today):
            return self.due_date
        return None

    def is_born(self, today: date) -> bool:
        """Born by `today` (or presumed born, see `birth_date_on`). A birth date still ahead
        (a timeline that plans the birth on the due date) leaves the child a pregnancy until
        then."""
        return self.birth_date_on(today) is not None


def is_presumed_born(due_date: date, today: date) -> bool:
    """No birth date given, and the due date is ASSUME_BORN_AFTER_DAYS or more behind."""
    return today >= due_date + timedelta(days=ASSUME_BORN_AFTER_DAYS)


@dataclass(frozen=True, slots=True)
class Profile:
    """One chat at one moment, as far as choosing a tip goes."""

    topics: frozenset[str]
    region: str
    children: tuple[ChildStage, ...] = ()
    sent: frozenset[str] = frozenset()
    # Primary topics of the tips sent, oldest first (only the recent ones matter).
    recent_topics: tuple[str, ...] = ()
    # Net feedback per topic: thumbs up minus thumbs down.
    topic_feedback: Mapping[str, int] = field(default_factory=dict)


def window_days_left(tip: Tip, profile: Profile, today: date) -> int | None:
    """Days until the family (any child) grows out of the tip's audience; None if unbounded.

    Returns None too when no child is inside the tip's windows (see `matches_audience`).
    """
    best: int | None = None
    for child in profile.children:
        week = child.pregnancy_week(today)
        if tip.pregnancy is not None and week is not None and tip.pregnancy.contains(week):
            assert child.due_date is not None
            weeks_to_end = PREGNANCY_WEEKS - tip.pregnancy.until_week
            end = child.due_date - timedelta(days=weeks_to_end * DAYS_PER_WEEK)
            left = max((end - today).days, 0)
            best = left if best is None else min(best, left)
        age = child.age_days(today)
        if tip.child_age is not None and age is not None and tip.child_age.contains(age):
            left = tip.child_age.until_days - age
            best = left if best is None else min(best, left)
        birth = child.birth_date_on(today)
        if in_school_window(tip, child, profile.region, today):
            assert tip.school_year is not None and birth is not None
            left_in_year = tip.school_year.days_left(birth, profile.region, today)
            if left_in_year is not None:
                best = left_in_year if best is None else min(best, left_in_year)
    return best


def matches_audience(tip: Tip, profile: Profile, today: date) -> bool:
    if tip.is_for_everyone:
        return True
    for child in profile.children:
        week = child.pregnancy_week(today)
        if tip.pregnancy is not None and week is not None and tip.pregnancy.contains(week):
            return True
        age = child.age_days(today)
        if tip.child_age is not None and age is not None and tip.child_age.contains(age):
            return True
        if in_school_window(tip, child, profile.region, today):
            return True
    return False


def in_school_window(tip: Tip, child: ChildStage, region: str, today: date) -> bool:
    """The child (born, not stopped) is in the tip's school-year window in `region`."""
    birth = child.birth_date_on(today)
    if tip.school_year is None or child.age_days(today) is None or birth is None:
        return False
    if region not in CUTOFFS:  # school years are the UK nations'; other regions have none
        return False
    return tip.school_year.contains(school_place(birth, region, today))


def is_eligible(tip: Tip, profile: Profile, today: date, *, series_next: Mapping[str, int]) -> bool:
    return (
        tip.id not in profile.sent
        and tip.is_sendable(today)
        and tip.is_open_in(profile.region, today)
        and not profile.topics.isdisjoint(tip.topics)
        and matches_audience(tip, profile, today)
        and (tip.series is None or tip.series_part == series_next.get(tip.series, 1))
    )


def next_series_parts(tips: Iterable[Tip], sent: frozenset[str]) -> dict[str, int]:
    """For every series, the part number a chat should get next (the lowest unsent part)."""
    parts: dict[str, list[tuple[int, bool]]] = {}
    for tip in tips:
        if tip.series is not None and tip.series_part is not None:
            parts.setdefault(tip.series, []).append((tip.series_part, tip.id in sent))
    nexts: dict[str, int] = {}
    for name, numbered in parts.items():
        unsent = sorted(number for number, was_sent in numbered if not was_sent)
        if unsent:
            nexts[name] = unsent[0]
    return nexts


def _is_grown_out(tip: Tip, profile: Profile, today: date) -> bool:
    """True when every child of the family is past the tip's audience windows for good."""
    if tip.is_for_everyone or not profile.children:
        return False
    for child in profile.children:
        age = child.age_days(today)
        week = child.pregnancy_week(today)
        if age is not None:
            if tip.child_age is not None and age < tip.child_age.until_days:
                return False
            if _school_window_ahead(tip, child, profile.region, today):
                return False
        elif week is not None:
            if (
                tip.child_age is not None
                or (tip.pregnancy is not None and week < tip.pregnancy.until_week)
                or (tip.school_year is not None and profile.region in CUTOFFS)
            ):
                return False
        else:
            return False
    return True


def _school_window_ahead(tip: Tip, child: ChildStage, region: str, today: date) -> bool:
    """The child (born) is in the tip's school-year window or will be in a later term."""
    window = tip.school_year
    birth = child.birth_date_on(today)
    if window is None or birth is None or region not in CUTOFFS:
        return False
    place = school_place(birth, region, today)
    last_year = window.until_year - 1
    if place.year != last_year:
        return place.year < last_year
    now = TERM_ORDER.index(place.term)
    return any(TERM_ORDER.index(term) >= now for term in window.terms)


def passed_series_parts(tips: Iterable[Tip], profile: Profile, today: date) -> frozenset[str]:
    """Unsent series parts the family has grown out of: they no longer hold the series back."""
    return frozenset(
        t.id
        for t in tips
        if t.series is not None and t.id not in profile.sent and _is_grown_out(t, profile, today)
    )


def started_series(tips: Iterable[Tip], sent: frozenset[str]) -> frozenset[str]:
    return frozenset(t.series for t in tips if t.series is not None and t.id in sent)


def started_weeks(tips: Iterable[Tip], sent: frozenset[str]) -> frozenset[tuple[str, int]]:
    """The (series, week) pairs of which the chat has had at least one tip."""
    return frozenset(
        (t.series, t.series_week)
        for t in tips
        if t.series is not None and t.series_week is not None and t.id in sent
    )


def _topic_wait(topic: str, profile: Profile) -> int:
    """How many sends ago this topic last went out (large = waited long); disliked topics less."""
    wait = len(profile.recent_topics) + 1
    for position, sent_topic in enumerate(reversed(profile.recent_topics)):
        if sent_topic == topic:
            wait = position
            break
    if profile.topic_feedback.get(topic, 0) < 0:
        wait = max(wait - DISLIKE_PENALTY, -1)
    return wait


def _primary_in(tip: Tip, profile: Profile) -> str:
    """The first of the tip's topics that the chat subscribes to."""
    return next(t for t in tip.topics if t in profile.topics)


def _window_width(tip: Tip) -> int:
    widths = []
    if tip.child_age is not None:
        widths.append(tip.child_age.until_days - tip.child_age.from_days)
    if tip.pregnancy is not None:
        widths.append((tip.pregnancy.until_week - tip.pregnancy.from_week) * 7)
    if tip.school_year is not None:
        terms = len(tip.school_year.terms)
        widths.append((tip.school_year.until_year - tip.school_year.from_year) * terms * 122)
    return min(widths) if widths else 10_000


def _closing_in(tip: Tip, profile: Profile, today: date) -> int | None:
    candidates = []
    if tip.date_until is not None:
        candidates.append((tip.date_until - today).days)
    deadline = tip.deadlines.get(profile.region)
    if deadline is not None:
        candidates.append((deadline - today).days)
    left = window_days_left(tip, profile, today)
    if left is not None:
        candidates.append(left)
    soonest = min(candidates) if candidates else None
    return soonest if soonest is not None and soonest <= CLOSING_DAYS else None


def eligible_tips(tips: Sequence[Tip], profile: Profile, today: date) -> list[Tip]:
    series_next = next_series_parts(tips, profile.sent | passed_series_parts(tips, profile, today))
    return [t for t in tips if is_eligible(t, profile, today, series_next=series_next)]


def choose_next_tip(
    tips: Sequence[Tip], profile: Profile, today: date, *, catch_up: bool = False
) -> Tip | None:
    """The tip this chat should get next, or None when nothing is eligible.

    `catch_up` is set for a chat that joined late and has not yet had its stage's essentials.
    """
    started = started_series(tips, profile.sent)
    weeks = started_weeks(tips, profile.sent)
    return _best(
        eligible_tips(tips, profile, today),
        profile,
        today,
        catch_up,
        started.__contains__,
        lambda series, week: (series, week) in weeks,
    )


def indexed_eligible_tips(index: TipIndex, profile: Profile) -> list[Tip]:
    """`eligible_tips(index.tips, profile, index.today)`, looking only at the tips the family's
    audience can reach."""
    today = index.today
    groups = [index.for_everyone]
    for child in profile.children:
        week = child.pregnancy_week(today)
        if week is not None:
            groups.append(index.for_pregnancy_week(week))
        age = child.age_days(today)
        if age is not None:
            groups.append(index.for_child_age(age))
            birth = child.birth_date_on(today)
            if birth is not None and profile.region in CUTOFFS:
                place = school_place(birth, profile.region, today)
                groups.append(index.for_school_place(place))
    sent, region, topics = profile.sent, profile.region, profile.topics
    done = sent | passed_series_parts(index.tips, profile, today)
    eligible = []
    for tip in index.in_order(groups) if len(groups) > 1 else groups[0]:
        if tip.id in sent or not tip.is_open_in(region, today) or topics.isdisjoint(tip.topics):
            continue
        if tip.series is not None and tip.series_part != (index.next_part(tip.series, done) or 1):
            continue
        eligible.append(tip)
    return eligible


def choose_from_index(index: TipIndex, profile: Profile, *, catch_up: bool = False) -> Tip | None:
    """`choose_next_tip(index.tips, profile, index.today, catch_up=catch_up)`, faster."""
    return _best(
        indexed_eligible_tips(index, profile),
        profile,
        index.today,
        catch_up,
        lambda series: index.is_started(series, profile.sent),
        lambda series, week: index.is_week_started(series, week, profile.sent),
    )


def _best(
    candidates: Sequence[Tip],
    profile: Profile,
    today: date,
    catch_up: bool,
    is_started: Callable[[str], bool],
    is_week_started: Callable[[str, int], bool],
) -> Tip | None:
    """The rules' order (see the module docstring) applied to the eligible `candidates`."""
    if not candidates:
        return None
    urgent = [t for t in candidates if t.urgent]
    if urgent:
        return min(urgent, key=lambda t: (-t.priority, t.id))
    closing = [
        (days, t) for t in candidates if (days := _closing_in(t, profile, today)) is not None
    ]
    if closing:
        return min(closing, key=lambda pair: (pair[0], -pair[1].priority, pair[1].id))[1]
    in_started_week = [
        t
        for t in candidates
        if t.series is not None
        and t.series_week is not None
        and is_week_started(t.series, t.series_week)
    ]
    if in_started_week:
        return min(
            in_started_week, key=lambda t: (-_topic_wait(_primary_in(t, profile), profile), t.id)
        )
    if catch_up:
        essentials = [t for t in candidates if t.essential and not t.is_for_everyone]
        if essentials:
            return min(essentials, key=lambda t: (-t.priority, _window_width(t), t.id))
    continuing = [t for t in candidates if t.series is not None and is_started(t.series)]
    if continuing:
        return min(continuing, key=lambda t: (-_topic_wait(_primary_in(t, profile), profile), t.id))
    return min(
        candidates,
        key=lambda t: (
            -_topic_wait(_primary_in(t, profile), profile),
            -t.priority,
            not t.essential,
            _window_width(t),
            t.id,
        ),
    )


def needs_catch_up(sent_count: int) -> bool:
    """True for a chat's first CATCH_UP_TIPS tips (see the module docstring, rule 4)."""
    return sent_count < CATCH_UP_TIPS
