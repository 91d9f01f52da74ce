"""User-facing text in the chat's language: gettext catalogs compiled by Babel at start-up.

Catalogs live in `domain/locales/<lang>/LC_MESSAGES/messages.po` (extract/update with pybabel, see
README). They are compiled in memory when the bot starts, so no `.mo` file is ever committed or
hand-edited. English is the source language.
"""

from __future__ import annotations

import gettext
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from functools import reduce
from io import BytesIO
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime, format_time
from babel.lists import format_list
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
DOMAIN = "messages"
SOURCE_LANGUAGE = "en"
# tipsbot serves UK families: English dates and times as in the UK (27 November, 10:00).
FORMAT_LOCALES = {"en": "en_GB"}
# How a date with its weekday stands inside a sentence ("until %(date)s", "comes on %(date)s").
# Babel's full format puts the weekday first, in the nominative, which Polish and Ukrainian
# cannot use after "do"/"до" or as the time of an event ("do czwartek", "надійде пʼятниця");
# there the date (its month already in the genitive) leads and the weekday stands apart in
# brackets. Ukrainian also ends the year with "р." itself, so sentences must not add a stop.
SENTENCE_DATE_PATTERNS = {"pl": "d MMMM y (EEEE)", "uk": "d MMMM y 'р.' (EEEE)"}
# Between list items that contain commas themselves.
SEMICOLONS = {"ur": "؛ "}
# Welsh "a" (and) is "ac" before a vowel; CLDR writes the choice as "a(c)".
_WELSH_AND = re.compile(r"\ba\(c\) (?=(\S))")
_WELSH_VOWELS = "aeiouwyâêîôûŵŷáéíóúàèìòùäëïöü"


CalendarDate = date  # the Translator's own `date` method hides the type inside the class


def compile_catalog(po_path: Path) -> gettext.GNUTranslations:
    """Compile one .po file in memory (fuzzy entries are left out, as msgfmt does)."""
    with po_path.open("rb") as fh:
        catalog = read_po(fh)
    buffer = BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


@dataclass(frozen=True)
class Translator:
    """gettext functions and Babel formatting for one language."""

    language: str
    translations: gettext.NullTranslations

    def gettext(self, message: str) -> str:
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.translations.ngettext(singular, plural, n)

    @property
    def locale(self) -> Locale:
        """The Babel locale for dates and times: British conventions for English."""
        return Locale.parse(FORMAT_LOCALES.get(self.language, self.language))

    def date(self, value: date, fmt: str = "long") -> str:
        return format_date(value, format=fmt, locale=self.locale)

    def time(self, value: datetime, fmt: str = "short") -> str:
        return format_time(value, format=fmt, locale=self.locale, tzinfo=value.tzinfo)

    def datetime(self, value: datetime, fmt: str = "medium") -> str:
        return format_datetime(value, format=fmt, locale=self.locale, tzinfo=value.tzinfo)

    def sentence_date(self, value: CalendarDate) -> str:
        """A date with its weekday, to put inside a sentence (see SENTENCE_DATE_PATTERNS)."""
        return self.date(value, SENTENCE_DATE_PATTERNS.get(self.language, "full"))

    def example_date(self, value: CalendarDate) -> str:
        """A date written as parents may type it back: '3 April 2026', '3 kwietnia 2026'."""
        return self.date(value, "d MMMM y")

    def join(self, items: Iterable[str], *, conjunction: bool = True) -> str:
        """A list inside a sentence with the language's separators: 'a, b and c',
        'a, b i c', 'a، b، اور c'; without the conjunction ('a، b، c') for items that hold
        an "and" themselves."""
        values = list(items)
        if not conjunction:
            middle = self.locale.list_patterns["standard"]["middle"]
            return reduce(lambda joined, item: middle.format(joined, item), values[1:], values[0])
        joined = format_list(values, locale=self.locale)
        if self.language == "cy":
            joined = _WELSH_AND.sub(
                lambda m: "ac " if m[1][0].lower() in _WELSH_VOWELS else "a ", joined
            )
        return joined

    def join_clauses(self, items: Iterable[str]) -> str:
        """Items that hold commas themselves ('born 3 April 2024, 2 years old'), joined with the
        language's semicolon."""
        return SEMICOLONS.get(self.language, "; ").join(items)


class Catalogs:
    """All UI languages, compiled once; `for_language` never fails (falls back to default)."""

    def __init__(self, default_language: str, locales_dir: Path = LOCALES_DIR) -> None:
        self.default_language = default_language
        self._translators: dict[str, Translator] = {
            SOURCE_LANGUAGE: Translator(SOURCE_LANGUAGE, gettext.NullTranslations())
        }
        for po_path in sorted(locales_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
            language = po_path.parent.parent.name
            self._translators[language] = Translator(language, compile_catalog(po_path))
        if default_language not in self._translators:
            raise ValueError(
                f"DEFAULT_LANGUAGE {default_language!r} has no catalog; "
                f"available: {', '.join(self.languages)}"
            )

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(sorted(self._translators))

    def for_language(self, language: str | None) -> Translator:
        return self._translators.get(language or "", self._translators[self.default_language])

    def negotiate(self, telegram_language_code: str | None) -> str:
        """The UI language for a Telegram `language_code` like 'pl' or 'pt-br'."""
        if not telegram_language_code:
            return self.default_language
        try:
            wanted = Locale.parse(telegram_language_code, sep="-").language
        except (ValueError, UnknownLocaleError):
            return self.default_language
        return wanted if wanted in self._translators else self.default_language


def N_(message: str) -> str:
    """Marks a string for extraction where it is translated later (labels defined at import)."""
    return message
