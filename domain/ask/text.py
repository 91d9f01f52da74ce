"""Text folding shared by the search index and the danger-sign matcher.

`fold` makes the forms a parent might type of one word look alike, in all five languages:
casefold, Unicode NFKD with the combining marks dropped (so "gorączka" = "goraczka",
"ŵyr" = "wyr", Urdu vowel marks vanish, "й" = "и", "ї" = "і"), letters that do not decompose
mapped by hand ("ł" = "l", "ґ" = "г"), Arabic-keyboard letters mapped to the Urdu ones
("ي" = "ی", "ك" = "ک", "ه" = "ھ" = "ہ"), and apostrophes of every kind removed ("won't" = "wont",
"м'ясо" = "мʼясо" = "мясо"). Digits of every script become 0-9.
"""

from __future__ import annotations

import re
import unicodedata

from domain.content.render import render_markdown, telegram_text

# Letters NFKD leaves whole, and Arabic-keyboard letters an Urdu writer may get instead.
_LETTERS = str.maketrans(
    {
        "ł": "l",
        "ø": "o",
        "đ": "d",
        "ß": "ss",
        "ґ": "г",
        "ы": "и",  # a Russian keyboard's letter for the Ukrainian "и"
        "э": "е",
        "ё": "е",
        "ъ": "",
        "ي": "ی",  # Arabic yeh
        "ى": "ی",  # alef maksura
        "ك": "ک",  # Arabic kaf
        "ه": "ہ",  # Arabic heh
        "ھ": "ہ",  # do-chashmi heh, often typed as the Arabic heh: "دودھ" = "دوده"
        "ة": "ہ",
        "ۀ": "ہ",
        "ـ": "",  # tatweel (stretching)
        "\u200c": "",  # zero-width non-joiner
        "\u200d": "",
    }
)
_APOSTROPHES = re.compile(r"['’‘ʼʻ`´′]")
_WORD = re.compile(r"\w+")


def _fold_char(char: str) -> str:
    if unicodedata.category(char) == "Mn":
        return ""
    if char.isdigit() and not char.isascii():
        return str(unicodedata.digit(char, 0))
    return char


def fold(text: str) -> str:
    """`text` casefolded and with diacritics, apostrophes and letter variants evened out."""
    text = _APOSTROPHES.sub("", text.casefold())
    text = unicodedata.normalize("NFKD", text).translate(_LETTERS)
    return "".join(_fold_char(char) for char in text)


def words(text: str) -> list[str]:
    """The folded words of `text` (letters and digits; punctuation splits words)."""
    return _WORD.findall(fold(text))


def plain_text(markdown: str) -> str:
    """The words a reader sees in a tip's Markdown body: markup and link targets dropped."""
    try:
        return telegram_text(render_markdown(markdown, limit=1_000_000))
    except Exception:  # an unrenderable body is the loader's problem; index its raw words
        return markdown
