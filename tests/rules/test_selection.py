"""Which tip next: the order of the rules, and what is never chosen."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.content.model import Tip
from domain.selection import ChildStage, Profile, choose_next_tip, eligible_tips
from tests.rules.factories import make_tip, months, years

TODAY = date(2026, 11, 26)
BABY = ChildStage(birth_date=TODAY - timedelta(days=months(4)))  # about 4 months old
BUMP = ChildStage(due_date=TODAY + timedelta(weeks=20))  # 20 weeks pregnant


def profile(**kw: object) -> Profile:
    base: dict[str, object] = {
        "topics": frozenset({"health", "welfare", "learning"}),
        "region": "england",
        "children": (BABY,),
    }
    base.update(kw)
    return Profile(**base)  # type: ignore[arg-type]


def test_nothing_outside_windows_regions_season_or_review() -> None:
    tips = [
        make_tip("too-old", child_age=(months(6), months(12))),
        make_tip("scotland-only", regions=frozenset({"scotland"})),
        make_tip("summer", months=frozenset({6, 7, 8})),
        make_tip("stale", review_by=TODAY - timedelta(days=1)),
        make_tip("expired", date_until=TODAY - timedelta(days=1)),
        make_tip("future", date_from=TODAY + timedelta(days=3)),
        make_tip("pregnancy", pregnancy=(12, 28)),
        make_tip("other-topic", topics=("sleep",)),
        make_tip("fits", child_age=(months(3), months(6))),
    ]
    assert [t.id for t in eligible_tips(tips, profile(), TODAY)] == ["fits"]


def test_never_the_same_tip_twice() -> None:
    tips = [make_tip("a"), make_tip("b")]
    assert choose_next_tip(tips, profile(sent=frozenset({"a", "b"})), TODAY) is None
    chosen = choose_next_tip(tips, profile(sent=frozenset({"a"})), TODAY)
    assert chosen is not None and chosen.id == "b"


def test_urgent_beats_a_closing_window_which_beats_priority() -> None:
    closing = make_tip("closing", child_age=(months(3), months(4) + 5))
    important = make_tip("important", priority=5)
    urgent = make_tip("urgent", urgent=True, priority=1)
    assert choose_next_tip([closing, important, urgent], profile(), TODAY).id == "urgent"  # type: ignore[union-attr]
    assert choose_next_tip([closing, important], profile(), TODAY).id == "closing"  # type: ignore[union-attr]


def test_dated_window_closing_soonest_goes_first() -> None:
    soon = make_tip("deadline-soon", date_until=TODAY + timedelta(days=3))
    later = make_tip("deadline-later", date_until=TODAY + timedelta(days=10))
    assert choose_next_tip([later, soon], profile(), TODAY).id == "deadline-soon"  # type: ignore[union-attr]


def test_series_go_in_order_and_a_started_series_continues() -> None:
    parts = [
        make_tip(f"s{n}", series="words", series_part=n, topics=("learning",)) for n in (1, 2, 3)
    ]
    other = make_tip("other", priority=5)
    first = choose_next_tip([*parts, other], profile(topics=frozenset({"learning"})), TODAY)
    assert first is not None and first.id == "s1"
    chosen = choose_next_tip([*parts, other], profile(sent=frozenset({"s1"})), TODAY)
    assert chosen is not None and chosen.id == "s2"
    assert "s3" not in [t.id for t in eligible_tips(parts, profile(), TODAY)]


def test_topics_rotate_so_none_starves() -> None:
    tips = [make_tip(f"h{i}", priority=5) for i in range(5)] + [
        make_tip(f"l{i}", topics=("learning",), priority=1) for i in range(5)
    ]
    sent: set[str] = set()
    recent: list[str] = []
    picked_topics = []
    for _ in range(6):
        tip = choose_next_tip(
            tips, profile(sent=frozenset(sent), recent_topics=tuple(recent)), TODAY
        )
        assert tip is not None
        sent.add(tip.id)
        recent.append(tip.primary_topic)
        picked_topics.append(tip.primary_topic)
    assert picked_topics.count("learning") == 3
    assert picked_topics.count("health") == 3


def test_a_disliked_topic_is_not_favoured() -> None:
    tips = [make_tip("h", topics=("health",)), make_tip("w", topics=("welfare",))]
    chosen = choose_next_tip(tips, profile(topic_feedback={"health": -2}), TODAY)
    assert chosen is not None and chosen.id == "w"
    # ...but still comes when it is all there is.
    only = choose_next_tip(tips[:1], profile(topic_feedback={"health": -2}), TODAY)
    assert only is not None and only.id == "h"


def test_catch_up_gives_the_stage_essentials_first() -> None:
    essential = make_tip("must-know", child_age=(months(3), months(6)), essential=True, priority=2)
    nice = make_tip("nice", priority=5)
    assert choose_next_tip([essential, nice], profile(), TODAY, catch_up=True).id == "must-know"  # type: ignore[union-attr]


def test_several_children_each_get_their_stage_within_one_choice() -> None:
    for_bump = make_tip("bump", pregnancy=(18, 24))
    for_baby = make_tip("baby", child_age=(months(3), months(6)))
    both = profile(children=(BABY, BUMP))
    assert {t.id for t in eligible_tips([for_bump, for_baby], both, TODAY)} == {"bump", "baby"}


def test_situation_changed_stops_stage_content_for_that_child_only() -> None:
    stopped = ChildStage(due_date=BUMP.due_date, stopped=True)
    tips = [make_tip("bump", pregnancy=(18, 24)), make_tip("everyone")]
    assert [t.id for t in eligible_tips(tips, profile(children=(stopped,)), TODAY)] == ["everyone"]


def test_pregnancy_week_counts_from_the_due_date() -> None:
    assert ChildStage(due_date=TODAY).pregnancy_week(TODAY) == 40
    assert ChildStage(due_date=TODAY + timedelta(weeks=28)).pregnancy_week(TODAY) == 12
    assert ChildStage(due_date=TODAY, birth_date=TODAY).pregnancy_week(TODAY) is None


tip_ids = st.text("abcdefgh", min_size=1, max_size=4)


@st.composite
def libraries(draw: st.DrawFn) -> list[Tip]:
    ids = draw(st.lists(tip_ids, min_size=1, max_size=25, unique=True))
    tips = []
    for tip_id in ids:
        lo = draw(st.integers(0, years(5)))
        tips.append(
            make_tip(
                tip_id,
                topics=(draw(st.sampled_from(["health", "welfare", "learning"])),),
                child_age=draw(st.none() | st.just((lo, lo + draw(st.integers(1, 400))))),
                priority=draw(st.integers(1, 5)),
                urgent=draw(st.booleans()),
                essential=draw(st.booleans()),
                months=draw(st.frozensets(st.integers(1, 12), min_size=1)),
                regions=draw(st.frozensets(st.sampled_from(["england", "wales"]), min_size=1)),
            )
        )
    return tips


@settings(max_examples=150, deadline=None)
@given(tips=libraries(), age=st.integers(0, years(5)), catch_up=st.booleans(), data=st.data())
def test_the_choice_is_always_eligible_and_exhausts_without_repeats(
    tips: list[Tip],
    age: int,
    catch_up: bool,
    data: st.DataObject,
) -> None:
    child = ChildStage(birth_date=TODAY - timedelta(days=age))
    region = data.draw(st.sampled_from(["england", "wales"]))
    sent: set[str] = set()
    recent: list[str] = []
    allowed = {t.id for t in eligible_tips(tips, profile(children=(child,), region=region), TODAY)}
    while True:
        p = profile(
            children=(child,), region=region, sent=frozenset(sent), recent_topics=tuple(recent)
        )
        tip = choose_next_tip(tips, p, TODAY, catch_up=catch_up)
        if tip is None:
            break
        assert tip.id not in sent
        assert tip.id in allowed
        sent.add(tip.id)
        recent.append(tip.primary_topic)
    assert sent == allowed
