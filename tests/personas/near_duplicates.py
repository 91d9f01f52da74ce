"""Near-duplicate advice: a simple, documented measure over the library's English texts.

Two tips are near-duplicates when
- their bodies share at least BODY_OVERLAP of their words (Jaccard over the sets of words of
  four letters or more, lower-cased: short words are mostly "and", "your", numbers), or
- their titles, lower-cased without a bracketed nation or punctuation, match with a difflib
  ratio of at least TITLE_RATIO and carry the same numbers ("8-week" and "12-week vaccines"
  are different appointments, not the same advice).
Parts of one series are a course, never duplicates. Pairs the measure flags that are not the
same advice are listed in DISTINCT with the reason; every other flagged pair must never reach
one family twice.

Pairs just under the bar (overlap 0.3 to 0.5) were read by hand in December 2026: two were the
same advice and were merged (w-healthy-start-pregnancy into g-healthy-start-check,
g-child-benefit-every-child into w-child-benefit-claim); the rest are different advice or a
deadline reminder for families who have not yet claimed.
"""

from __future__ import annotations

import difflib
import itertools
import re
from collections.abc import Iterable

from domain.content.model import Tip

BODY_OVERLAP = 0.5
TITLE_RATIO = 0.85

# Flagged by the measure, read, and found to be different advice.
DISTINCT: dict[frozenset[str], str] = {
    frozenset({"h-27-month-contact-wales", "h-3-and-a-half-year-contact-wales"}): (
        "two health visitor contacts at different ages, each saying what its visit covers"
    ),
    frozenset({"w-pregnancy-and-baby-payment", "w-pregnancy-baby-payment-deadline"}): (
        "the grant in pregnancy, and its closing deadline at 6 months for those yet to apply"
    ),
}


def _title(tip: Tip) -> str:
    lowered = re.sub(r"\(.*?\)", "", tip.title.lower())
    return " ".join(re.sub(r"[^a-z0-9½ ]+", " ", lowered).split())


def _words(tip: Tip) -> frozenset[str]:
    return frozenset(re.findall(r"[a-z]{4,}", tip.master.body_markdown.lower()))


def _numbers(text: str) -> list[str]:
    return re.findall(r"[0-9½]+", text)


def similar(a: Tip, b: Tip) -> bool:
    """The measure in the module docstring, without the DISTINCT list."""
    if a.series is not None and a.series == b.series:
        return False
    words_a, words_b = _words(a), _words(b)
    if len(words_a & words_b) >= BODY_OVERLAP * len(words_a | words_b):
        return True
    title_a, title_b = _title(a), _title(b)
    return (
        _numbers(title_a) == _numbers(title_b)
        and difflib.SequenceMatcher(None, title_a, title_b).ratio() >= TITLE_RATIO
    )


def near_duplicate_pairs(tips: Iterable[Tip]) -> list[tuple[Tip, Tip]]:
    """Every pair the measure flags that is not listed as DISTINCT."""
    return [
        (a, b)
        for a, b in itertools.combinations(sorted(tips, key=lambda t: t.id), 2)
        if frozenset({a.id, b.id}) not in DISTINCT and similar(a, b)
    ]
