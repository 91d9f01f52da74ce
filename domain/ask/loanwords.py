"""English words typed in Urdu script or Cyrillic: "چائلڈ بینیفٹ" or "чайлд бенефіт" for Child
Benefit, "یونیورسل کریڈٹ" or "юніверсал кредит" for Universal Credit. Translations keep such
terms in Latin letters (or translate them), so a parent's Urdu-script or Cyrillic spelling
matches no text. Both spellings are reduced to a consonant skeleton (vowels, h, w/v and y
dropped, since Urdu writes them with the same letters as its vowels, and letters that sound
alike merged), and a word the texts do not hold is read as the English word of the library
with the same skeleton (when to trust a match: `domain.ask.search.AskIndex.read_loanwords`).

"چائلڈ" -> "Cld" = "child" -> "Cld"; "بینیفٹ" -> "bnft" = "benefit"; "کریڈٹ" -> "krdt" =
"credit". Skeletons shorter than LOANWORD_MIN_KEY letters are ignored: they match too much.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping

LOANWORD_MIN_KEY = 3

_URDU = str.maketrans(
    {
        "ب": "b",
        "پ": "p",
        "ت": "t",
        "ٹ": "t",
        "ط": "t",
        "ث": "s",
        "س": "s",
        "ص": "s",
        "ز": "s",
        "ذ": "s",
        "ض": "s",
        "ظ": "s",
        "ژ": "s",
        "ج": "g",
        "گ": "g",
        "غ": "g",
        "چ": "C",
        "ش": "S",
        "خ": "k",
        "ک": "k",
        "ق": "k",
        "د": "d",
        "ڈ": "d",
        "ر": "r",
        "ڑ": "r",
        "ف": "f",
        "ل": "l",
        "م": "m",
        "ن": "n",
    }
)
_CYRILLIC = str.maketrans(
    {
        "б": "b",
        "п": "p",
        "т": "t",
        "д": "d",
        "с": "s",
        "з": "s",
        "ц": "s",
        "ш": "S",
        "щ": "S",
        "ч": "C",
        "ж": "g",
        "г": "g",  # "грант"; the fold has made "ґ" a "г"
        "к": "k",
        "л": "l",
        "м": "m",
        "н": "n",
        "р": "r",
        "ф": "f",
    }
)
_URDU_LETTERS = re.compile(r"[\u0600-\u06ff]")
_CYRILLIC_LETTERS = re.compile(r"[\u0400-\u04ff]")
_LATIN_WORD = re.compile(r"^[a-z]+$")
_LATIN_RULES = (
    ("ch", "C"),
    ("sh", "S"),
    ("ph", "f"),
    ("ck", "k"),
    ("qu", "k"),
    ("x", "ks"),
)
_SOFT_C = re.compile(r"c(?=[eiy])")


def _squeeze(letters: str) -> str:
    return re.sub(r"(.)\1+", r"\1", letters)


def script_key(word: str) -> str:
    """The consonant skeleton of a (folded) Urdu-script or Cyrillic word; "" for others."""
    if _URDU_LETTERS.search(word):
        letters = word.translate(_URDU)
    elif _CYRILLIC_LETTERS.search(word):
        letters = word.translate(_CYRILLIC)
    else:
        return ""
    return _squeeze("".join(char for char in letters if char.isascii()))


def latin_key(word: str) -> str:
    """The consonant skeleton of a (folded) Latin-letter word; "" for other words."""
    if not _LATIN_WORD.match(word):
        return ""
    for old, new in _LATIN_RULES:
        word = word.replace(old, new)
    word = _SOFT_C.sub("s", word).translate(str.maketrans("cqzj", "kssg"))
    return _squeeze(re.sub(r"[aeiouyhwv]", "", word))


def loanword_table(english_words: Iterable[str]) -> Mapping[str, str]:
    """Each skeleton of at least LOANWORD_MIN_KEY letters and the English word of the library
    it most often stands for (the one in most texts, given one count per text's word)."""
    counts = Counter(word for word in english_words if len(word) >= 4)
    best: dict[str, tuple[int, str]] = {}
    for word, count in counts.items():
        key = latin_key(word)
        if len(key) >= LOANWORD_MIN_KEY and (key not in best or (count, word) > best[key]):
            best[key] = (count, word)
    return {key: word for key, (_, word) in best.items()}
