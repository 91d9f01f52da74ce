"""The tips of a library looked up by audience for one day, so that choosing a tip for a family
looks only at the tips its children's ages (or pregnancy weeks) can reach, not at every tip.

An index is built for one `today`: it holds only the tips sendable that day (reviewed in time,
inside their dates and season). Lookups by age or week are remembered as they are made.
Everything stays in the library's order (a tip's `position`), which the rules rely on for ties.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from domain.content.model import Tip
from domain.schoolyear import SchoolPlace

# Distinct ages (days) and weeks remembered; a bound so a long-lived index cannot grow forever.
MEMO_LIMIT = 50_000


class TipIndex:
    """The tips sendable on `today`, by audience; every tip's series and week, for series rules."""

    def __init__(self, tips: Sequence[Tip], today: date) -> None:
        self.tips = tuple(tips)
        self.today = today
        self.position = {id(tip): n for n, tip in enumerate(self.tips)}
        sendable = [tip for tip in self.tips if tip.is_sendable(today)]
        self.for_everyone: tuple[Tip, ...] = tuple(t for t in sendable if t.is_for_everyone)
        self._by_age = tuple(t for t in sendable if t.child_age is not None)
        self._by_week = tuple(t for t in sendable if t.pregnancy is not None)
        self._by_school_year = tuple(t for t in sendable if t.school_year is not None)
        self._age_memo: dict[int, tuple[Tip, ...]] = {}
        self._week_memo: dict[int, tuple[Tip, ...]] = {}
        # Every tip of every series, sendable or not: the next part of a series is the lowest
        # part not yet sent, and a series counts as started once any of its tips was sent.
        parts: dict[str, list[tuple[int, str]]] = {}
        members: dict[str, list[str]] = {}
        week_members: dict[tuple[str, int], list[str]] = {}
        for tip in self.tips:
            if tip.series is None:
                continue
            members.setdefault(tip.series, []).append(tip.id)
            if tip.series_week is not None:
                week_members.setdefault((tip.series, tip.series_week), []).append(tip.id)
            if tip.series_part is not None:
                parts.setdefault(tip.series, []).append((tip.series_part, tip.id))
        self._parts = {name: sorted(numbered) for name, numbered in parts.items()}
        self._members = {name: frozenset(ids) for name, ids in members.items()}
        self._week_members = {week: frozenset(ids) for week, ids in week_members.items()}

    def for_child_age(self, age_days: int) -> tuple[Tip, ...]:
        """Sendable tips whose child age window contains `age_days`."""
        found = self._age_memo.get(age_days)
        if found is None:
            if len(self._age_memo) > MEMO_LIMIT:
                self._age_memo.clear()
            found = tuple(t for t in self._by_age if t.child_age.contains(age_days))  # type: ignore[union-attr]
            self._age_memo[age_days] = found
        return found

    def for_pregnancy_week(self, week: int) -> tuple[Tip, ...]:
        """Sendable tips whose pregnancy window contains `week`."""
        found = self._week_memo.get(week)
        if found is None:
            if len(self._week_memo) > MEMO_LIMIT:
                self._week_memo.clear()
            found = tuple(t for t in self._by_week if t.pregnancy.contains(week))  # type: ignore[union-attr]
            self._week_memo[week] = found
        return found

    def for_school_place(self, place: SchoolPlace) -> tuple[Tip, ...]:
        """Sendable tips whose school-year window holds `place` (few: not remembered)."""
        return tuple(t for t in self._by_school_year if t.school_year.contains(place))  # type: ignore[union-attr]

    def in_order(self, groups: Iterable[tuple[Tip, ...]]) -> list[Tip]:
        """The tips of all `groups`, each once, in the library's order."""
        unique = {id(tip): tip for group in groups for tip in group}
        position = self.position
        return sorted(unique.values(), key=lambda tip: position[id(tip)])

    def next_part(self, series: str, sent: frozenset[str]) -> int | None:
        """The lowest part of `series` not in `sent`; None when every part was sent."""
        for number, tip_id in self._parts.get(series, ()):
            if tip_id not in sent:
                return number
        return None

    def is_started(self, series: str, sent: frozenset[str]) -> bool:
        """True when any tip of `series` is in `sent`."""
        members = self._members.get(series)
        return members is not None and not members.isdisjoint(sent)

    def is_week_started(self, series: str, week: int, sent: frozenset[str]) -> bool:
        """True when any tip of that week of `series` is in `sent`."""
        members = self._week_members.get((series, week))
        return members is not None and not members.isdisjoint(sent)
