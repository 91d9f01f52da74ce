"""Danger signs: the editors' list of words that make a question urgent, and the matcher.

The list is `content/danger-signs.yaml`:

    urgent_tips:               # each nation's urgent-help tip, always shown first
      england: h-urgent-help-england
      ...                      # all four nations; the tip must be for that nation
    signs:
      - id: not-breathing      # lower-case words joined by hyphens, unique; kept in stats
        also: [tip-id, ...]    # optional: tips shown right after the urgent tip (those of
                               # them whose regions include the family's nation)
        child_under: 3 months  # optional: the sign counts only when the family has a child
                               # (born) younger than this, e.g. a fever under 3 months
        phrases:               # every language of the library, at least one phrase each
          en: ["not breathing", "blue lips", "fit", ...]
          cy: [...]

How a phrase matches a question (`DangerSigns.match`):

1. Both are folded the same way (`domain.ask.text.fold`): case is ignored; accents and
   other marks are dropped, so "goraczka" matches "gorączka", "wyr" matches "ŵyr", Urdu
   vowel marks (zer, zabar, pesh) are ignored, Ukrainian "й"/"ї" match "и"/"і"; "ł" = "l",
   "ґ" = "г"; the Arabic-keyboard letters ي ك ه match the Urdu ی ک ہ; apostrophes of every
   kind are removed ("won't" = "wont", "м'ясо" = "мʼясо" = "мясо"); punctuation splits words.
2. A phrase word matches a question word that **starts with** it, so write the stem to
   catch every ending: "gorączk" matches "gorączka", "gorączkę" and "gorączką"; "breath"
   matches "breathing" and "breathes". Words of one or two letters match whole words only.
3. A phrase word of 8 or more letters also matches with one typo (one letter wrong,
   missing, extra, or two neighbours swapped): "breathing" matches "brething".
4. The words of a phrase must come **in the phrase's order**, each at most two words after
   the one before (so "blue lips" matches "blue lips" and "blue-ish lips", and "not
   breathing" matches "not really breathing"), anywhere in the question.
5. A sign matches when any of its phrases in any language matches (parents mix languages);
   the first sign in the file that matches is the one reported.

Errors are reported as `path:line: error: message`; `load_danger_signs` raises
`DangerSignsError` (a `ContentError`) carrying them all.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from domain.ask.text import words
from domain.content.errors import ContentError, Problem, error
from domain.content.model import REGIONS, Library, Tip
from domain.content.stages import age_in_days
from domain.selection import ChildStage

DANGER_SIGNS_FILE = "danger-signs.yaml"
WINDOW = 2  # other words allowed between two words of a phrase
TYPO_MIN_LETTERS = 8  # phrase words this long also match with one typo
WHOLE_WORD_MAX_LETTERS = 2  # phrase words this short match whole words only
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_AGE = re.compile(r"^\s*(\d+)\s*(week|month|year)s?\s*$")
_SIGN_KEYS = {"id", "also", "phrases", "child_under"}


class DangerSignsError(ContentError):
    """The danger-sign list cannot be used; `problems` hold every fault with its line."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(problem.format() for problem in self.problems))


@dataclass(frozen=True, slots=True)
class DangerSign:
    """One danger sign: its phrases (folded words) and the tips it adds after the urgent tip."""

    id: str
    phrases: tuple[tuple[str, ...], ...]
    also: tuple[str, ...] = ()
    child_under_days: int | None = None

    def applies_to(self, children: Iterable[ChildStage], today: date) -> bool:
        """Without `child_under`, always; with it, when a born child is younger than that."""
        if self.child_under_days is None:
            return True
        ages = (child.age_days(today) for child in children)
        return any(age is not None and age < self.child_under_days for age in ages)


@dataclass(frozen=True, slots=True)
class DangerSigns:
    """The loaded list: the urgent tip of each nation and the signs in file order."""

    path: Path
    urgent_tips: Mapping[str, str]
    signs: tuple[DangerSign, ...]
    _by_id: Mapping[str, DangerSign] = field(default_factory=dict, repr=False, compare=False)

    def match(
        self, question: str, *, children: Iterable[ChildStage] = (), today: date | None = None
    ) -> DangerSign | None:
        """The first sign whose phrase the question contains (see the module docstring)."""
        question_words = words(question)
        children = tuple(children)
        for sign in self.signs:
            if sign.child_under_days is not None and (
                today is None or not sign.applies_to(children, today)
            ):
                continue
            if any(phrase_matches(phrase, question_words) for phrase in sign.phrases):
                return sign
        return None


def word_matches(phrase_word: str, word: str) -> bool:
    """Rules 2 and 3 of the module docstring, on folded words."""
    if len(phrase_word) <= WHOLE_WORD_MAX_LETTERS:
        return word == phrase_word
    if word.startswith(phrase_word):
        return True
    if len(phrase_word) < TYPO_MIN_LETTERS:
        return False
    size = len(phrase_word)
    return any(within_one_edit(phrase_word, word[:cut]) for cut in (size - 1, size, size + 1))


def phrase_matches(phrase: Sequence[str], question_words: Sequence[str]) -> bool:
    """Rule 4: the phrase's words in order, each within WINDOW words of the one before."""
    if not phrase:
        return False

    def rest_from(index: int, position: int) -> bool:
        if index == len(phrase):
            return True
        last = min(len(question_words), position + WINDOW + 1)
        return any(
            word_matches(phrase[index], question_words[at]) and rest_from(index + 1, at + 1)
            for at in range(position, last)
        )

    return any(
        word_matches(phrase[0], word) and rest_from(1, at + 1)
        for at, word in enumerate(question_words)
    )


def within_one_edit(a: str, b: str) -> bool:
    """True when `b` is `a` with at most one letter changed, added, removed or two swapped."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diffs = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        if len(diffs) == 1:
            return True
        return (
            len(diffs) == 2
            and diffs[1] == diffs[0] + 1
            and a[diffs[0]] == b[diffs[1]]
            and a[diffs[1]] == b[diffs[0]]
        )
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


# =========================================================================================
# Loading
# =========================================================================================
def load_danger_signs(path: Path, library: Library) -> DangerSigns:
    """Read and check the list; DangerSignsError with every fault when it has any."""
    signs, problems = read_danger_signs(path, library)
    if problems or signs is None:
        raise DangerSignsError(problems or [error(path, 1, "the danger-sign list is empty")])
    return signs


def check_danger_signs(path: Path, library: Library) -> list[Problem]:
    """The faults of the list, for `tipsbot content check` (empty when it is fine)."""
    return read_danger_signs(path, library)[1]


def read_danger_signs(path: Path, library: Library) -> tuple[DangerSigns | None, list[Problem]]:
    """The list and the faults found in it (the list is None when it cannot be read)."""
    path = Path(path)
    try:
        source = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, [error(path, 1, "the danger-sign list is missing")]
    except (OSError, UnicodeDecodeError) as exc:
        return None, [error(path, 1, f"cannot read the danger-sign list: {exc}")]
    try:
        root = yaml.compose(source, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        return None, [error(path, line, f"YAML syntax error: {exc.problem or exc}")]
    reader = _Reader(path, library)
    signs = reader.read(root)
    return signs, reader.problems


class _Reader:
    """Walks the YAML nodes so that every fault is reported with its line."""

    def __init__(self, path: Path, library: Library) -> None:
        self.path = path
        self.library = library
        self.problems: list[Problem] = []

    def fault(self, node: yaml.Node | None, message: str) -> None:
        line = node.start_mark.line + 1 if node is not None else 1
        self.problems.append(error(self.path, line, message))

    def mapping(self, node: yaml.Node | None, what: str) -> dict[str, tuple[yaml.Node, Any]]:
        """A mapping node's entries by key, with each key's node for its line."""
        if not isinstance(node, yaml.MappingNode):
            self.fault(node, f"{what} must be a mapping (key: value lines)")
            return {}
        entries: dict[str, tuple[yaml.Node, Any]] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str):
                self.fault(key_node, f"{what}: a key must be a plain word")
            elif key in entries:
                self.fault(key_node, f"{what}: '{key}' is given twice")
            else:
                entries[key] = (key_node, value_node)
        return entries

    def strings(self, node: yaml.Node, what: str) -> list[tuple[yaml.Node, str]]:
        if not isinstance(node, yaml.SequenceNode):
            self.fault(node, f"{what} must be a list, e.g. [a, b]")
            return []
        found: list[tuple[yaml.Node, str]] = []
        for item in node.value:
            if isinstance(item, yaml.ScalarNode) and item.tag.endswith(":str") and item.value:
                found.append((item, item.value))
            else:
                self.fault(item, f"{what}: each entry must be a non-empty text")
        return found

    def tip(self, node: yaml.Node, tip_id: str, what: str) -> Tip | None:
        tip = self.library.tips.get(tip_id)
        if tip is None:
            self.fault(node, f"{what}: unknown tip id '{tip_id}'")
        return tip

    def read(self, root: yaml.Node | None) -> DangerSigns | None:
        if root is None:
            self.fault(None, "the danger-sign list is empty")
            return None
        top = self.mapping(root, "the danger-sign list")
        for key, (key_node, _) in top.items():
            if key not in ("urgent_tips", "signs"):
                self.fault(key_node, f"unknown key '{key}' (expected urgent_tips and signs)")
        if "urgent_tips" not in top:
            self.fault(root, "urgent_tips is missing")
        if "signs" not in top:
            self.fault(root, "signs is missing")
        urgent = self.urgent_tips(top["urgent_tips"][1]) if "urgent_tips" in top else {}
        signs = self.signs(top["signs"][1]) if "signs" in top else ()
        return DangerSigns(
            path=self.path,
            urgent_tips=MappingProxyType(urgent),
            signs=signs,
            _by_id=MappingProxyType({sign.id: sign for sign in signs}),
        )

    def urgent_tips(self, node: yaml.Node) -> dict[str, str]:
        found: dict[str, str] = {}
        for nation, (key_node, value_node) in self.mapping(node, "urgent_tips").items():
            if nation not in REGIONS:
                self.fault(key_node, f"urgent_tips: unknown nation '{nation}'")
                continue
            if not isinstance(value_node, yaml.ScalarNode) or not value_node.value:
                self.fault(value_node, f"urgent_tips: {nation} must be a tip id")
                continue
            tip = self.tip(value_node, value_node.value, f"urgent_tips: {nation}")
            if tip is not None and nation not in tip.regions:
                self.fault(value_node, f"urgent_tips: '{tip.id}' is not for {nation}")
            found[nation] = value_node.value
        given = (
            {key.value for key, _ in node.value} if isinstance(node, yaml.MappingNode) else set()
        )
        for nation in REGIONS:
            if nation not in given and isinstance(node, yaml.MappingNode):
                self.fault(node, f"urgent_tips: {nation} is missing")
        return found

    def signs(self, node: yaml.Node) -> tuple[DangerSign, ...]:
        if not isinstance(node, yaml.SequenceNode):
            self.fault(node, "signs must be a list of signs (- id: ...)")
            return ()
        signs: list[DangerSign] = []
        seen: set[str] = set()
        for item in node.value:
            sign = self.sign(item)
            if sign is None:
                continue
            if sign.id in seen:
                self.fault(item, f"sign '{sign.id}' is given twice")
            seen.add(sign.id)
            signs.append(sign)
        return tuple(signs)

    def sign(self, node: yaml.Node) -> DangerSign | None:
        entries = self.mapping(node, "a sign")
        if not entries:
            return None
        for key, (key_node, _) in entries.items():
            if key not in _SIGN_KEYS:
                self.fault(
                    key_node, f"unknown key '{key}' (expected {', '.join(sorted(_SIGN_KEYS))})"
                )
        if "id" not in entries:
            self.fault(node, "a sign needs an id")
            return None
        id_node = entries["id"][1]
        sign_id = id_node.value if isinstance(id_node, yaml.ScalarNode) else ""
        if not isinstance(sign_id, str) or not _ID.match(sign_id):
            self.fault(id_node, "id must be lower-case words joined by hyphens, e.g. blue-lips")
            return None
        what = f"sign '{sign_id}'"
        also: list[str] = []
        if "also" in entries:
            for item, tip_id in self.strings(entries["also"][1], f"{what}: also"):
                if self.tip(item, tip_id, f"{what}: also") is not None:
                    also.append(tip_id)
        child_under: int | None = None
        if "child_under" in entries:
            child_under = self.age(entries["child_under"][1], f"{what}: child_under")
        if "phrases" not in entries:
            self.fault(node, f"{what} has no phrases")
            return None
        phrases = self.phrases(entries["phrases"][1], what)
        return DangerSign(sign_id, phrases, tuple(also), child_under)

    def age(self, node: yaml.Node, what: str) -> int | None:
        value = node.value if isinstance(node, yaml.ScalarNode) else None
        found = _AGE.match(value) if isinstance(value, str) else None
        if found is None:
            self.fault(node, f"{what} must be an age such as '3 months' or '8 weeks'")
            return None
        return age_in_days(int(found[1]), found[2])

    def phrases(self, node: yaml.Node, what: str) -> tuple[tuple[str, ...], ...]:
        entries = self.mapping(node, f"{what}: phrases")
        found: list[tuple[str, ...]] = []
        for language, (key_node, value_node) in entries.items():
            if language not in self.library.languages:
                self.fault(key_node, f"{what}: unknown language '{language}'")
                continue
            listed = self.strings(value_node, f"{what}: phrases: {language}")
            if not listed and isinstance(value_node, yaml.SequenceNode):
                self.fault(value_node, f"{what}: no phrases in {language}")
            for item, phrase in listed:
                folded = tuple(words(phrase))
                if not folded:
                    self.fault(item, f"{what}: the phrase '{phrase}' has no words")
                elif folded not in found:
                    found.append(folded)
        if isinstance(node, yaml.MappingNode):
            for language in self.library.languages:
                if language not in entries:
                    self.fault(node, f"{what}: phrases in {language} are missing")
        return tuple(found)


def urgent_tips_for(
    signs: DangerSigns, library: Library, sign: DangerSign, nation: str
) -> tuple[Tip, ...]:
    """The nation's urgent tip, then the sign's `also` tips that are for the nation."""
    shown: list[Tip] = []
    urgent_id = signs.urgent_tips.get(nation)
    if urgent_id is not None and urgent_id in library.tips:
        shown.append(library.tips[urgent_id])
    for tip_id in sign.also:
        tip = library.tips.get(tip_id)
        if tip is not None and nation in tip.regions and tip not in shown:
            shown.append(tip)
    return tuple(shown)


__all__ = [
    "DANGER_SIGNS_FILE",
    "DangerSign",
    "DangerSigns",
    "DangerSignsError",
    "check_danger_signs",
    "load_danger_signs",
    "phrase_matches",
    "read_danger_signs",
    "urgent_tips_for",
    "word_matches",
]
