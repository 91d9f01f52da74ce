"""Ask tipsbot: answer quality and answer time on the question sets in tests/ask/questions.

Loads the real library and content/danger-signs.yaml, builds the ask index (timed: it is
rebuilt on every hot reload), answers every question as its family would ask it, and prints
per language: questions, recall@1 and @3, the share of unanswerable questions admitted, the
share of answerable ones wrongly admitted, urgent-first share, false-urgent share, and the
p50 / p95 answer time (in process, the network excluded), for the whole sets and then for each
half: "tune", the odd-numbered questions the ranking was tuned on, and "held-out", the
even-numbered ones, which show whether the tuning generalises. `--split tune` (or
`held-out`) prints that half alone. `--misses` lists what went wrong.

    uv run python -m benchmarks.ask_quality [--misses] [--languages en,pl] [--split tune]
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

from domain.ask import DANGER_SIGNS_FILE, build_ask_index, load_danger_signs
from domain.content import load_library
from tests.ask.quality import (
    LANGUAGES,
    QUESTIONS_DIR,
    SPLITS,
    TODAY,
    Score,
    load_questions,
    score,
    split,
)

REPO = Path(__file__).resolve().parents[1]


def percent(value: float) -> str:
    return f"{value * 100:5.1f}%"


def print_table(scores: list[Score]) -> None:
    header = (
        f"{'lang':4} {'qs':>4} {'R@1':>6} {'R@3':>6} {'admit':>6} {'wrong':>6} "
        f"{'urgent':>6} {'false':>6} {'p50 ms':>7} {'p95 ms':>7}"
    )
    print(header)
    print("-" * len(header))
    for s in scores:
        print(
            f"{s.language:4} {s.questions:4d} {percent(s.recall_at_1)} {percent(s.recall_at_3)} "
            f"{percent(s.admitted_share)} {percent(s.wrongly_admitted_share)} "
            f"{percent(s.urgent_first_share)} {percent(s.false_urgent_share)} "
            f"{s.percentile(50) * 1000:7.1f} {s.percentile(95) * 1000:7.1f}"
        )
    print(
        "qs: questions (answerable / unanswerable / danger-sign per language below); R@k: "
        "recall at k; admit: unanswerable questions admitted; wrong: answerable questions "
        "admitted as unknown; urgent: danger-sign questions with the urgent tip first; false: "
        "other questions that got an urgent tip"
    )
    for s in scores:
        print(f"  {s.language}: {s.answerable} / {s.unanswerable} / {s.urgent}")


def print_misses(scores: list[Score]) -> None:
    for s in scores:
        for question, answer in s.misses:
            shown = [tip.id for tip in answer.urgent] + [tip.id for tip in answer.tips]
            print(
                f"{question.language}:{question.line}: {question.text!r} expected "
                f"{list(question.answers) or 'admitted'}{' (urgent)' if question.urgent else ''}"
                f", got {shown or 'admitted'}"
            )


def main(languages: list[str], misses: bool, parts: list[str] | None = None) -> list[Score]:
    started = time.perf_counter()
    library = load_library(REPO / "content", today=TODAY)
    danger_signs = load_danger_signs(REPO / "content" / DANGER_SIGNS_FILE, library)
    loaded = time.perf_counter()
    index = build_ask_index(library, danger_signs, today=TODAY)
    built = time.perf_counter()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; library {len(library.tips)} tips, loaded in "
        f"{loaded - started:.2f} s; index built in {built - loaded:.2f} s"
    )
    found = [language for language in languages if (QUESTIONS_DIR / f"{language}.yaml").exists()]
    scores: list[Score] = []
    for part in parts or list(SPLITS):
        print(
            f"\n{part} questions"
            + (" (odd-numbered)" if part == "tune" else "")
            + (" (even-numbered)" if part == "held-out" else "")
        )
        these = [
            score(index, split(load_questions(language), part), language) for language in found
        ]
        print_table(these)
        if misses:
            print_misses(these)
        scores.extend(these)
    return scores


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", action="store_true", help="list the questions missed")
    parser.add_argument("--languages", default=",".join(LANGUAGES))
    parser.add_argument(
        "--split",
        choices=SPLITS,
        help="one part of the sets only: all, tune (odd-numbered) or held-out (even-numbered)",
    )
    args = parser.parse_args()
    main(args.languages.split(","), args.misses, [args.split] if args.split else None)
