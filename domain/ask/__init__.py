"""Ask tipsbot: a parent's free-text question answered from the library, urgent signs first.

Pure: the index is built from a loaded `Library` and the danger-sign list, and answering does
no I/O. The danger-sign list's format and matching rules are in `domain.ask.danger`.
"""

from domain.ask.danger import (
    DANGER_SIGNS_FILE,
    DangerSign,
    DangerSigns,
    DangerSignsError,
    check_danger_signs,
    load_danger_signs,
)
from domain.ask.search import (
    CONFIDENT_SCORE,
    Answer,
    Asker,
    AskIndex,
    answer_question,
    build_ask_index,
)

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
