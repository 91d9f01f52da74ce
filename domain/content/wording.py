"""A check that a tip for everyone reads as one: it should not open as advice for a child or a
pregnancy, since families who told the bot nothing about a child get it too. And a check that a
translation writes decimal numbers as its language does.

The heuristic (documented in content/README.md): the title and the first sentence of the text
are where a reader decides whether a tip is for them, so a tip for everyone is flagged when
either of them uses a word that assumes a child or a pregnancy. Mentions further down ("New
baby? Claim soon") are asides and pass.
"""

from __future__ import annotations

import re

from babel import Locale, UnknownLocaleError

from domain.content.errors import Problem, warning
from domain.content.model import Tip, TipText

CHILD_WORDS = (
    r"your (baby|babies|child|children|toddler|toddlers|little ones?|newborn|son|daughter)",
    r"toddlers?",
    r"newborns?",
    r"breastfe\w*",
    r"napp(y|ies)",
    r"wean\w*",
)
PREGNANCY_WORDS = (r"pregnan\w*", r"bump", r"midwi(fe|ves)", r"antenatal", r"due date", r"unborn")
_CHILD = re.compile(r"\b(" + "|".join(CHILD_WORDS) + r")\b", re.IGNORECASE)
_PREGNANCY = re.compile(r"\b(" + "|".join(PREGNANCY_WORDS) + r")\b", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?](\s|$)|\n\s*\n")


def first_sentence(markdown: str) -> str:
    """The text up to the first full stop, question or exclamation mark, or blank line."""
    text = markdown.strip()
    found = _SENTENCE_END.search(text)
    return text if found is None else text[: found.start() + 1]


def reads_as_stage_only(text: str) -> str | None:
    """'a child' or 'a pregnancy' when `text` assumes one (the word found is quoted), else None."""
    for pattern, stage in ((_CHILD, "a child"), (_PREGNANCY, "a pregnancy")):
        found = pattern.search(text)
        if found is not None:
            return f"{stage} ('{found.group(0)}')"
    return None


def everyone_wording(tip: Tip, title_line: int) -> Problem | None:
    """A warning when a tip for everyone opens as advice for a child or a pregnancy."""
    if not tip.is_for_everyone:
        return None
    master = tip.master
    for where, text, line in (
        ("title", master.title, title_line),
        ("first sentence", first_sentence(master.body_markdown), master.line),
    ):
        stage = reads_as_stage_only(text)
        if stage is not None:
            return warning(
                tip.path,
                line,
                f"this tip is for everyone, but its {where} speaks of {stage}: give it an "
                "audience (e.g. 'child_age: any' or 'pregnancy_weeks: any'), or reword it so "
                "it reads well for a family without a child",
            )
    return None


# A number with a decimal point ("12.5"), not part of a dotted date ("3.04.2026").
_DECIMAL_POINT = re.compile(r"(?<![\d.])(\d+)\.(\d+)(?![\d]|\.\d)")


def decimal_point_numbers(text: str, language: str) -> list[str]:
    """The numbers in `text` written with a decimal point where `language` writes a decimal
    comma (Polish and Ukrainian "12,5", by Babel's locale data); hh.mm times are left alone."""
    try:
        decimal = Locale.parse(language).number_symbols["latn"]["decimal"]
    except (ValueError, UnknownLocaleError, KeyError):
        return []
    if decimal != ",":
        return []
    return [
        found.group(0)
        for found in _DECIMAL_POINT.finditer(text)
        if not (int(found[1]) <= 23 and len(found[2]) == 2 and int(found[2]) <= 59)
    ]


def decimal_point_wording(text: TipText) -> Problem | None:
    """A warning when a translation writes "12.5" in a language that writes "12,5"."""
    numbers = decimal_point_numbers(f"{text.title}\n{text.body_markdown}", text.language)
    if not numbers:
        return None
    return warning(
        text.path,
        text.line,
        f"{', '.join(numbers)}: the decimal separator in {text.language!r} is a comma "
        f"(write {numbers[0].replace('.', ',')})",
    )
