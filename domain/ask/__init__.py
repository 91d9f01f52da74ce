"""Ask tipsbot: a parent's free-text question answered from the library, urgent signs first.

Pure: the index is built from a loaded `Library` and the danger-sign list, and answering does
no I/O. The danger-sign list's format and matching rules are in `domain.ask.danger`; the
search and ranking in `domain.ask.search` (imported on first use: it loads scikit-learn, which
`tipsbot content check` and `--help` need not wait for).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from domain.ask.danger import (
    DANGER_SIGNS_FILE,
    DangerSign,
    DangerSigns,
    DangerSignsError,
    check_danger_signs,
    load_danger_signs,
)

if TYPE_CHECKING:
    from domain.ask.search import (
        CONFIDENT_SCORE,
        Answer,
        Asker,
        AskIndex,
        answer_question,
        build_ask_index,
    )

_SEARCH = {"CONFIDENT_SCORE", "Answer", "Asker", "AskIndex", "answer_question", "build_ask_index"}


def __getattr__(name: str) -> Any:
    if name in _SEARCH:
        return getattr(importlib.import_module("domain.ask.search"), name)
    raise AttributeError(f"module 'domain.ask' has no attribute {name!r}")


__all__ = [
    "CONFIDENT_SCORE",
    "DANGER_SIGNS_FILE",
    "Answer",
    "AskIndex",
    "Asker",
    "DangerSign",
    "DangerSigns",
    "DangerSignsError",
    "answer_question",
    "build_ask_index",
    "check_danger_signs",
    "load_danger_signs",
]
