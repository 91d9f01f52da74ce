"""What every parser of typed answers does first: one digit set, no invisible marks, one space.

Urdu and Arabic keyboards type Extended Arabic-Indic (۰-۹) or Arabic-Indic (٠-٩) digits, and
text copied from right-to-left apps carries invisible direction marks.
"""

from __future__ import annotations

ARABIC_INDIC_DIGITS = "٠١٢٣٤٥٦٧٨٩"
EXTENDED_ARABIC_INDIC_DIGITS = "۰۱۲۳۴۵۶۷۸۹"
# Left-to-right, right-to-left and Arabic letter marks, embeddings, isolates, zero-width space.
_INVISIBLE = "\u200b\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"

_TABLE = str.maketrans(
    {
        **{c: str(i) for i, c in enumerate(ARABIC_INDIC_DIGITS)},
        **{c: str(i) for i, c in enumerate(EXTENDED_ARABIC_INDIC_DIGITS)},
        **dict.fromkeys(_INVISIBLE, ""),
        "\u00a0": " ",
        "\u202f": " ",
    }
)


def normalize_typed(text: str) -> str:
    """ASCII digits, no direction marks, single spaces, lower case: '۷:۳۰ PM' -> '7:30 pm'."""
    return " ".join(text.translate(_TABLE).split()).casefold()
