"""The tip index gives exactly the choices of the plain rules over the whole library."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.content.index import TipIndex
from domain.content.model import ALL_MONTHS, SeriesRole, Tip, week_part
from domain.selection import (
    ChildStage,
    Profile,
    choose_from_index,
    choose_next_tip,
    eligible_tips,
    indexed_eligible_tips,
    started_weeks,
)
from tests.rules.factories import make_tip, week_tip, years

TODAY = date(2026, 11, 26)
TOPICS = ["health", "welfare", "learning"]
REGIONS = ["england", "wales"]


def rarely(values: st.SearchStrategy[date]) -> st.SearchStrategy[date | None]:
    """None three times in four: most tips have no dates and are reviewed in time."""
    return st.one_of(st.none(), st.none(), st.none(), values)


@st.composite
def tips_(draw: st.DrawFn) -> list[Tip]:
    """Libraries that exercise every rule: audiences, dates, seasons, review, series."""
    names = st.text("abcdefgh", min_size=1, max_size=4)
    ids = draw(st.lists(names, min_size=8, max_size=30, unique=True))
    tips = []
    for tip_id in ids:
        lo = draw(st.integers(0, years(2)))
        week = draw(st.integers(0, 41))
        series = draw(st.none() | st.sampled_from(["s1", "s2", "weeks"]))
        offset = st.integers(-20, 20).map(lambda d: TODAY + timedelta(days=d))
        tips.append(
            make_tip(
                tip_id,
                topics=tuple(draw(st.lists(st.sampled_from(TOPICS), min_size=1, unique=True))),
                child_age=draw(st.none() | st.just((lo, lo + draw(st.integers(1, 400))))),
                pregnancy=draw(st.none() | st.just((week, week + draw(st.integers(1, 12))))),
                priority=draw(st.integers(1, 5)),
                urgent=draw(st.booleans()),
                essential=draw(st.booleans()),
                months=draw(st.just(ALL_MONTHS) | st.frozensets(st.integers(1, 12), min_size=1)),
                regions=draw(st.frozensets(st.sampled_from(REGIONS), min_size=1)),
                date_from=draw(rarely(offset)),
                date_until=draw(rarely(offset)),
                review_by=draw(rarely(offset).map(lambda d: d or date(2030, 1, 1))),
                series=series,
                series_part=draw(st.integers(1, 4)) if series is not None else None,
            )
        )
        if series == "weeks":  # a series written as weeks: fact, try, follow-up
            week = draw(st.integers(1, 2))
            role = draw(st.sampled_from(list(SeriesRole)))
            # Mostly for every family and always sendable, so a started week can go on.
            tips[-1] = replace(
                tips[-1],
                series_part=week_part(week, role),
                series_week=week,
                series_role=role,
                child_age=None if draw(st.booleans()) else tips[-1].child_age,
                pregnancy=None,
                date_from=None,
                date_until=None,
                months=ALL_MONTHS,
                review_by=date(2030, 1, 1),
                regions=frozenset(REGIONS),
                urgent=False,
            )
    return tips


def children_() -> st.SearchStrategy[tuple[ChildStage, ...]]:
    due = st.integers(-20, 290).map(lambda d: TODAY + timedelta(days=d))
    born = st.integers(-10, years(2) + 400).map(lambda d: TODAY - timedelta(days=d))
    child = st.builds(
        ChildStage,
        due_date=st.none() | due,
        birth_date=st.none() | born,
        stopped=st.sampled_from([False, False, False, True]),
    )
    return st.lists(child, max_size=3).map(tuple)


@settings(max_examples=300, deadline=None)
@given(tips=tips_(), children=children_(), catch_up=st.booleans(), data=st.data())
def test_the_index_chooses_as_the_rules_do(
    tips: list[Tip], children: tuple[ChildStage, ...], catch_up: bool, data: st.DataObject
) -> None:
    ids = [t.id for t in tips]
    sent = data.draw(st.frozensets(st.sampled_from(ids), max_size=4)) if ids else frozenset()
    # Often a week under way: some of the weeks' tips sent, so the started-week rule applies.
    week_ids = [t.id for t in tips if t.series_week is not None]
    if week_ids:
        sent |= data.draw(st.frozensets(st.sampled_from(week_ids), max_size=3))
    profile = Profile(
        topics=data.draw(st.frozensets(st.sampled_from(TOPICS), min_size=1)),
        region=data.draw(st.sampled_from(REGIONS)),
        children=children,
        sent=sent,
        recent_topics=tuple(data.draw(st.lists(st.sampled_from(TOPICS), max_size=5))),
        topic_feedback=data.draw(st.dictionaries(st.sampled_from(TOPICS), st.integers(-3, 3))),
    )
    index = TipIndex(tips, TODAY)
    weeks = started_weeks(tips, sent)
    for tip in tips:
        if tip.series is not None and tip.series_week is not None:
            started = (tip.series, tip.series_week) in weeks
            assert index.is_week_started(tip.series, tip.series_week, sent) == started
    assert indexed_eligible_tips(index, profile) == eligible_tips(tips, profile, TODAY)
    assert choose_from_index(index, profile, catch_up=catch_up) == choose_next_tip(
        tips, profile, TODAY, catch_up=catch_up
    )


def test_the_index_reaches_only_the_tips_a_stage_can_get() -> None:
    baby = make_tip("baby", child_age=(0, 100))
    toddler = make_tip("toddler", child_age=(400, 800))
    bump = make_tip("bump", pregnancy=(10, 20))
    everyone = make_tip("everyone")
    stale = make_tip("stale", review_by=TODAY - timedelta(days=1))
    index = TipIndex([baby, toddler, bump, everyone, stale], TODAY)
    assert index.for_everyone == (everyone,)
    assert index.for_child_age(50) == (baby,)
    assert index.for_child_age(100) == ()
    assert index.for_pregnancy_week(15) == (bump,)
    assert index.in_order([(bump,), (everyone, baby), (baby,)]) == [baby, bump, everyone]


def test_series_parts_and_starts_count_every_tip_of_the_series() -> None:
    first = make_tip("p1", series="words", series_part=1, review_by=TODAY - timedelta(days=1))
    second = make_tip("p2", series="words", series_part=2)
    index = TipIndex([second, first], TODAY)
    assert index.next_part("words", frozenset()) == 1
    assert index.next_part("words", frozenset({"p1"})) == 2
    assert index.next_part("words", frozenset({"p1", "p2"})) is None
    assert index.next_part("other", frozenset()) is None
    assert not index.is_started("words", frozenset({"x"}))
    assert index.is_started("words", frozenset({"p1"}))


def test_a_week_counts_as_started_once_any_of_its_tips_was_sent() -> None:
    fact = week_tip("w1-fact", "talk", 1, SeriesRole.FACT, review_by=TODAY - timedelta(days=1))
    tried = week_tip("w1-try", "talk", 1, SeriesRole.TRY)
    next_fact = week_tip("w2-fact", "talk", 2, SeriesRole.FACT)
    index = TipIndex([next_fact, tried, fact], TODAY)
    assert not index.is_week_started("talk", 1, frozenset({"w2-fact"}))
    assert index.is_week_started("talk", 1, frozenset({"w1-fact"}))
    assert index.is_week_started("talk", 2, frozenset({"w2-fact"}))
    assert not index.is_week_started("other", 1, frozenset({"w1-fact"}))
    assert index.next_part("talk", frozenset({"w1-fact"})) == week_part(1, SeriesRole.TRY)
