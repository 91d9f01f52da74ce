"""The Ask question sets (`tests/ask/questions/<lang>.yaml`) and how answers are scored.

Each question is answered as a family in its nation with its child would ask it, on a fixed
day. Scoring, per language:
- recall@k: of the questions the library can answer, the share where one of the expected tips
  is among the urgent tips or the first k tips of the answer (an answer that admits it has no
  tip is a miss);
- admitted: of the questions the library cannot answer, the share the bot admits (no tips);
- wrongly admitted: of the answerable questions, the share the bot said it has no tip for;
- urgent first: of the danger-sign questions, the share whose first tip is the nation's urgent
  tip; false urgent: of the other questions, the share that got an urgent tip anyway.
"""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml

from domain.ask import Answer, Asker, AskIndex, answer_question
from domain.content.stages import age_in_days
from domain.selection import ChildStage

QUESTIONS_DIR = Path(__file__).parent / "questions"
TODAY = date(2027, 1, 4)  # a Monday inside every tip's review window
LANGUAGES = ("en", "cy", "pl", "uk", "ur")
_AGE = re.compile(r"^(\d+)\s*(week|month|year)s?$")
_EXPECTING = re.compile(r"^expecting\s+(\d+)\s*weeks?$")


@dataclass(frozen=True, slots=True)
class Question:
    language: str
    text: str
    answers: tuple[str, ...]
    urgent: bool
    nation: str
    child: str | None
    line: int

    @property
    def answerable(self) -> bool:
        return bool(self.answers)


def child_stage(child: str | None, today: date) -> tuple[ChildStage, ...]:
    """The family's child from a question's `child` ("expecting 30 weeks", "6 months", ...)."""
    if child is None:
        return ()
    text = child.strip().lower()
    if text == "newborn":
        return (ChildStage(birth_date=today - timedelta(days=7)),)
    expecting = _EXPECTING.match(text)
    if expecting is not None:
        weeks_left = 40 - int(expecting[1])
        return (ChildStage(due_date=today + timedelta(weeks=weeks_left)),)
    age = _AGE.match(text)
    if age is None:
        raise ValueError(f"unreadable child stage {child!r}")
    return (ChildStage(birth_date=today - timedelta(days=age_in_days(int(age[1]), age[2]))),)


def load_questions(language: str, directory: Path = QUESTIONS_DIR) -> list[Question]:
    path = directory / f"{language}.yaml"
    nodes = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    items: list[Any] = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    lines = [node.start_mark.line + 1 for node in nodes.value] if nodes is not None else []
    return [
        Question(
            language=language,
            text=str(item["q"]),
            answers=tuple(item.get("answers") or ()),
            urgent=bool(item.get("urgent", False)),
            nation=str(item.get("nation", "england")),
            child=item.get("child"),
            line=line,
        )
        for item, line in zip(items, lines, strict=True)
    ]


SPLITS = ("all", "tune", "held-out")


def split(questions: Sequence[Question], part: str) -> list[Question]:
    """`part` of a question set: "all"; "tune", the odd-numbered questions (1st, 3rd, ...), on
    which ranking and thresholds are tuned; "held-out", the even-numbered ones, which report
    how well the tuning generalises."""
    if part == "all":
        return list(questions)
    if part not in SPLITS:
        raise ValueError(f"unknown part {part!r}")
    first = 0 if part == "tune" else 1
    return list(questions[first::2])


def ask(index: AskIndex, question: Question, *, today: date = TODAY) -> Answer:
    asker = Asker(question.language, question.nation, child_stage(question.child, today))
    return answer_question(index, question.text, asker, today=today)


def is_hit(question: Question, answer: Answer, k: int) -> bool:
    shown = {tip.id for tip in answer.urgent} | {tip.id for tip in answer.tips[:k]}
    return not shown.isdisjoint(question.answers)


@dataclass
class Score:
    language: str
    questions: int = 0
    answerable: int = 0
    hits_at_1: int = 0
    hits_at_3: int = 0
    unanswerable: int = 0
    admitted: int = 0
    wrongly_admitted: int = 0
    urgent: int = 0
    urgent_first: int = 0
    not_urgent: int = 0
    false_urgent: int = 0
    seconds: list[float] = field(default_factory=list)
    misses: list[tuple[Question, Answer]] = field(default_factory=list)

    @staticmethod
    def share(part: int, whole: int) -> float:
        return part / whole if whole else 1.0

    @property
    def recall_at_1(self) -> float:
        return self.share(self.hits_at_1, self.answerable)

    @property
    def recall_at_3(self) -> float:
        return self.share(self.hits_at_3, self.answerable)

    @property
    def admitted_share(self) -> float:
        return self.share(self.admitted, self.unanswerable)

    @property
    def wrongly_admitted_share(self) -> float:
        return self.share(self.wrongly_admitted, self.answerable)

    @property
    def urgent_first_share(self) -> float:
        return self.share(self.urgent_first, self.urgent)

    @property
    def false_urgent_share(self) -> float:
        return self.share(self.false_urgent, self.not_urgent)

    def percentile(self, q: float) -> float:
        if len(self.seconds) < 2:
            return self.seconds[0] if self.seconds else 0.0
        return statistics.quantiles(self.seconds, n=100, method="inclusive")[round(q) - 1]


def score(index: AskIndex, questions: Sequence[Question], language: str) -> Score:
    result = Score(language)
    urgent_ids = index.danger_signs.urgent_tips
    for question in questions:
        started = time.perf_counter()
        answer = ask(index, question)
        result.seconds.append(time.perf_counter() - started)
        result.questions += 1
        if question.urgent:
            result.urgent += 1
            if answer.urgent and answer.urgent[0].id == urgent_ids.get(question.nation):
                result.urgent_first += 1
            else:
                result.misses.append((question, answer))
        else:
            result.not_urgent += 1
            result.false_urgent += bool(answer.urgent)
        if question.answerable:
            result.answerable += 1
            result.hits_at_1 += is_hit(question, answer, 1)
            hit = is_hit(question, answer, 3)
            result.hits_at_3 += hit
            result.wrongly_admitted += not answer.tips and not answer.urgent
            if not hit and not question.urgent:
                result.misses.append((question, answer))
        else:
            result.unanswerable += 1
            admitted = not answer.tips
            result.admitted += admitted
            if not admitted:
                result.misses.append((question, answer))
    return result
