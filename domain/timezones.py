"""Reading the time zone a parent types: an IANA name ("Europe/London") or a place ("Paris",
"new york", "Warszawa", "کراچی").

Pure functions. Places come from three sources, in this order: the small alias list below
(places families of tipsbot's four nations name that are no IANA zone's city, and the old
spelling "Kiev"), the city part of every IANA name (`zoneinfo.available_timezones`), and
Babel's localized city names (`babel.dates.get_timezone_location`) in the languages given.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babel import Locale
from babel.core import get_global
from babel.dates import get_timezone_location

from domain.typed_input import normalize_typed

# Keys are written as parents type them; they are normalized like the typed text.
ZONE_ALIASES: dict[str, str] = {
    # Ukraine: the capital in its Ukrainian and older spellings (CLDR has no local name for
    # Europe/Kyiv yet), and the western cities IANA does not list.
    "kiev": "Europe/Kyiv",
    "kyiv": "Europe/Kyiv",
    "київ": "Europe/Kyiv",
    "kijów": "Europe/Kyiv",
    "کیف": "Europe/Kyiv",
    "lviv": "Europe/Kyiv",
    "львів": "Europe/Kyiv",
    "lwów": "Europe/Kyiv",
    "ukraine": "Europe/Kyiv",
    "україна": "Europe/Kyiv",
    # The UK and Wales.
    "uk": "Europe/London",
    "cardiff": "Europe/London",
    "caerdydd": "Europe/London",
    "wales": "Europe/London",
    "cymru": "Europe/London",
    "edinburgh": "Europe/London",
    "belfast": "Europe/London",
    # Poland and Pakistan.
    "kraków": "Europe/Warsaw",
    "poland": "Europe/Warsaw",
    "polska": "Europe/Warsaw",
    "lahore": "Asia/Karachi",
    "لاہور": "Asia/Karachi",
    "islamabad": "Asia/Karachi",
    "اسلام آباد": "Asia/Karachi",
    "pakistan": "Asia/Karachi",
    "پاکستان": "Asia/Karachi",
}

# When several zones share a place name, the zone named after that place wins, then a
# geographic "Area/City" zone over the old country and US/ names.
_AREAS = frozenset(
    [
        "Africa",
        "America",
        "Antarctica",
        "Asia",
        "Atlantic",
        "Australia",
        "Europe",
        "Indian",
        "Pacific",
    ]
)
_PUNCTUATION = re.compile(r"[\s_\-'’.]+")


@cache
def _zones() -> frozenset[str]:
    """The installed IANA names (available_timezones walks the disk on every call)."""
    return frozenset(available_timezones())


class ZoneInputError(ValueError):
    """The typed text names no time zone tipsbot knows."""


def place_key(text: str) -> str:
    """'New_York', 'new-york ', 'Krakow' and 'Kraków' alike: lower case, no accents on Latin
    letters, one space between words."""
    decomposed = unicodedata.normalize("NFKD", normalize_typed(text))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _PUNCTUATION.sub(" ", unicodedata.normalize("NFC", plain)).strip()


def _preference(key: str, zone: str) -> tuple[bool, bool, int, str]:
    named_after = place_key(zone.rsplit("/", 1)[-1]) == key
    return (not named_after, zone.split("/")[0] not in _AREAS, zone.count("/"), zone)


def canonical_zone(zone: str) -> str:
    """The current name of a zone IANA keeps under an old one too ('Europe/Kiev', 'GB',
    'US/Eastern'), by CLDR's alias table; the name itself otherwise."""
    current = get_global("zone_aliases").get(zone, zone)
    return current if current in _zones() else zone


@cache
def _places(locale_names: tuple[str, ...]) -> dict[str, str]:
    candidates: dict[str, set[str]] = {}
    for zone in map(canonical_zone, _zones()):
        names = {zone.rsplit("/", 1)[-1]}
        for name in locale_names:
            try:
                names.add(get_timezone_location(zone, locale=name, return_city=True))
            except (LookupError, ValueError):
                continue
        for name in names:
            candidates.setdefault(place_key(name), set()).add(zone)
    places = {
        key: min(found, key=lambda zone: _preference(key, zone))
        for key, found in candidates.items()
    }
    places.update({place_key(alias): zone for alias, zone in ZONE_ALIASES.items()})
    return places


@cache
def _by_lower() -> dict[str, str]:
    return {zone.casefold(): zone for zone in _zones()}


def parse_time_zone(text: str, locales: Sequence[Locale] = ()) -> str:
    """The IANA name for what a parent typed; ZoneInputError if it names no known zone."""
    typed = "_".join(normalize_typed(text).split())
    found = _by_lower().get(typed)
    if found is not None:
        found = canonical_zone(found)
    else:
        names = tuple(sorted({"en", *(str(locale) for locale in locales)}))
        found = _places(names).get(place_key(text))
    if found is None:
        raise ZoneInputError(f"no time zone called {text!r}")
    try:
        ZoneInfo(found)
    except (ZoneInfoNotFoundError, ValueError):
        raise ZoneInputError(f"time zone {found!r} is not installed") from None
    return found
