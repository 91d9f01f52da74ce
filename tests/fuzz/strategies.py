"""Hypothesis strategies for what Telegram users can send: texts, commands, answers, button data.

Strategies that need the library's topic and tip ids take them as arguments, so importing this
module loads nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import available_timezones

from hypothesis import strategies as st

from bot.commands import COMMANDS
from domain.buttons import (
    CHILD_ACTIONS,
    CHILD_ANSWERS,
    DATE_KINDS,
    PAUSE_LENGTHS,
    QUESTIONS,
    SETTINGS_TARGETS,
    STEP_NAMES,
    Menu,
)

BOT_USERNAME = "tipsbot_fake_bot"
ADMIN_COMMANDS = ("preview", "reload", "broadcast", "stats")
COMMAND_NAMES = tuple(c.name for c in COMMANDS) + ADMIN_COMMANDS
FEATURES = tuple(menu.value for menu in Menu)
# Every word that appears in the bot's own callback data, besides topic and tip ids: the fixed
# choices domain/buttons.py parses, and the words its buttons spell out in place.
DATA_WORDS = tuple(
    dict.fromkeys(
        (
            *FEATURES,
            *STEP_NAMES,
            *CHILD_ACTIONS,
            *DATE_KINDS,
            *CHILD_ANSWERS,
            *QUESTIONS,
            *PAUSE_LENGTHS,
            *SETTINGS_TARGETS,
            "t",
            "f",
            "h",
            "add",
            "list",
            "d",
            "z",
            "ask",
            "u",
            "go",
            "y",
            "n",
            "en",
            "cy",
            "pl",
            "uk",
            "ur",
            "england",
            "wales",
            "scotland",
            "northern-ireland",
            "Europe/London",
            "Asia/Karachi",
        )
    )
)
# Strings that have broken bots before: digits that are not ASCII, markup, SQL, format strings.
NASTY = (
    "",
    " ",
    "0",
    "-1",
    "00",
    "0000",
    "2400",
    "1260",
    "9999",
    "²",
    "²²²²",
    "٣",
    "١٢٣٤",
    "１２",
    "𝟗",
    "1e3",
    "NaN",
    "99999999999999999999999999999999999999",
    "-9223372036854775809",
    "9223372036854775808",
    "'; DROP TABLE chat; --",
    "' OR '1'='1",
    "<b>",
    "</i>",
    "&",
    "&amp;",
    "<a href='tg://x'>x</a>",
    "%s",
    "%(n)d",
    "{0}",
    "${jndi:ldap://x}",
    "../../etc/passwd",
    "\u202e",
    "\u200b",
    "\ufeff",
    "\x00",
    "\n",
    "🏳️‍🌈",
    "👍🏽",
    "ذرائع",
    "Zdrowie",
    "Здоров’я",
)
LANGUAGE_CODES = (
    "en",
    "cy",
    "pl",
    "uk",
    "ur",
    "en-GB",
    "en-us",
    "pt-br",
    "zh-hans",
    "sr-Latn-RS",
    "de",
    "ar",
    "he",
    "fa",
    "x",
    "xx-XX",
    "EN",
    "C",
    "und",
    "root",
    "i-klingon",
    "en_GB",
    "en--",
    "-",
    "",
)
MONTH_WORDS = (
    "January",
    "jan",
    "Sept",
    "sept.",
    "December",
    "ionawr",
    "Rhagfyr",
    "stycznia",
    "grudzień",
    "січня",
    "грудня",
    "جنوری",
    "dicembre",
    "Smarch",
)
TODAY = date(2026, 11, 26)  # the harness clock's date


def nasty() -> st.SearchStrategy[str]:
    return st.sampled_from(NASTY)


def words() -> st.SearchStrategy[str]:
    return st.one_of(
        st.text(min_size=1, max_size=12),
        nasty(),
        st.sampled_from(DATA_WORDS),
        st.integers(-(10**25), 10**25).map(str),
    )


def long_text(limit: int = 4096) -> st.SearchStrategy[str]:
    """Up to `limit` characters, cheap to generate: a chunk repeated."""
    return st.builds(
        lambda chunk, n: (chunk * n)[:limit],
        st.text(min_size=1, max_size=8),
        st.integers(1, limit),
    )


def free_text() -> st.SearchStrategy[str]:
    """Anything a user may type (Telegram refuses empty messages)."""
    return st.one_of(
        st.text(min_size=1, max_size=200),
        long_text(),
        nasty().filter(bool),
        st.lists(words(), min_size=1, max_size=6).map(" ".join).filter(bool),
        st.just(f"@{BOT_USERNAME} hello"),
    )


def language_codes() -> st.SearchStrategy[str | None]:
    return st.one_of(st.none(), st.sampled_from(LANGUAGE_CODES), st.text(max_size=40))


def first_names() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(["Ana", "<b>Bo</b>", "&", "Zoë", "محمد"]), st.text(min_size=1, max_size=64)
    )


def command_args() -> st.SearchStrategy[str]:
    return st.one_of(
        st.just(""),
        st.lists(words(), min_size=1, max_size=4).map(lambda ws: " " + " ".join(ws)),
        long_text(4000).map(lambda s: " " + s),
    )


def command_names() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(COMMAND_NAMES),
        st.sampled_from(COMMAND_NAMES).map(str.upper),
        st.from_regex(r"[A-Za-z0-9_]{1,32}", fullmatch=True),
    )


def commands(topic_ids: Sequence[str], tip_ids: Sequence[str]) -> st.SearchStrategy[str]:
    """Known and unknown commands, addressed or not, with random arguments."""
    mention = st.sampled_from(
        ["", "", f"@{BOT_USERNAME}", "@other_bot", f"@{BOT_USERNAME.upper()}"]
    )
    plain = st.builds(lambda n, m, a: f"/{n}{m}{a}", command_names(), mention, command_args())
    return st.one_of(plain, start_commands(topic_ids), admin_commands(tip_ids))


def start_commands(topic_ids: Sequence[str]) -> st.SearchStrategy[str]:
    """/start with deep-link payloads: real topics, near misses, junk, injection-like text."""
    payload = st.one_of(
        st.sampled_from(list(topic_ids)),
        st.sampled_from(list(topic_ids)).map(str.upper),
        st.sampled_from(list(topic_ids)).map(lambda t: t + " extra"),
        nasty(),
        st.text(max_size=64),
        st.from_regex(r"[A-Za-z0-9_-]{1,64}", fullmatch=True),
        long_text(4000),
    )
    return payload.map(lambda p: f"/start {p}" if p else "/start")


def admin_commands(tip_ids: Sequence[str]) -> st.SearchStrategy[str]:
    tip = st.one_of(st.sampled_from(list(tip_ids)), words())
    lang = st.one_of(st.just(""), st.sampled_from(LANGUAGE_CODES).map(lambda c: " " + c))
    return st.one_of(
        st.builds(lambda t, lg: f"/preview {t}{lg}", tip, lang),
        st.builds(lambda t: f"/broadcast {t}", tip),
        st.sampled_from(["/preview", "/broadcast", "/stats", "/reload", "/stats now"]),
    )


def any_text(topic_ids: Sequence[str], tip_ids: Sequence[str]) -> st.SearchStrategy[str]:
    return st.one_of(free_text(), commands(topic_ids, tip_ids))


# -- answers to the bot's questions ---------------------------------------------------------------
def typed_dates() -> st.SearchStrategy[str]:
    """Dates as parents type them, plausible and not."""
    near = st.dates(TODAY - timedelta(days=7 * 365), TODAY + timedelta(weeks=45))
    formats = st.sampled_from(
        ["%d/%m/%Y", "%d.%m.%y", "%Y-%m-%d", "%d %B %Y", "%B %d, %Y", "%dth %b %Y"]
    )
    number = st.one_of(st.integers(-3, 40), st.integers(0, 10**6))
    year = st.one_of(st.integers(0, 10000), st.sampled_from([25, 26, 2025, 2026, 2027]))
    sep = st.sampled_from(["/", ".", "-", " "])
    return st.one_of(
        st.builds(lambda d, f: d.strftime(f), near, formats),
        st.builds(lambda d, m, y, s: f"{d}{s}{m}{s}{y}", number, number, year, sep),
        st.builds(lambda y, m, d: f"{y}-{m}-{d}", year, number, number),
        st.builds(lambda d, w, y: f"{d} {w} {y}", number, st.sampled_from(MONTH_WORDS), year),
        st.builds(lambda w, d, y: f"{w} {d}, {y}", st.sampled_from(MONTH_WORDS), number, year),
        st.sampled_from(["٣/٤/٢٠٢٦", "３/４/２０２６", "31/2/2026", "29/2/2028", "0/0/0000"]),
        free_text(),
    )


def typed_times() -> st.SearchStrategy[str]:
    hour = st.one_of(st.integers(-2, 30), st.integers(0, 10**6))
    minute = st.one_of(st.integers(-2, 99), st.integers(0, 10**6))
    sep = st.sampled_from([":", ".", "h", "", " ", "::"])
    return st.one_of(
        st.builds(lambda h, s, m: f"{h}{s}{m:02d}" if m >= 0 else f"{h}{s}{m}", hour, sep, minute),
        st.sampled_from(
            ["9:30", "09.30", "0930", "930", "24:00", "٠٩:٣٠", "９:３０", "²:²", "7pm"]
        ),
        free_text(),
    )


def typed_zones() -> st.SearchStrategy[str]:
    zones = sorted(available_timezones())
    zone = st.sampled_from(zones)
    return st.one_of(
        zone,
        zone.map(str.lower),
        zone.map(str.upper),
        zone.map(lambda z: z.replace("_", " ")),
        zone.map(lambda z: f"  {z}  "),
        st.sampled_from(["UTC", "localtime", "Factory", "posixrules", "right/UTC", "Etc/GMT+14"]),
        st.sampled_from(["../../etc/passwd", "/etc/localtime", "Europe/", "Europe//London"]),
        free_text(),
    )


# -- button data ----------------------------------------------------------------------------------
def data_part(topic_ids: Sequence[str], tip_ids: Sequence[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(DATA_WORDS),
        st.sampled_from([*topic_ids, *tip_ids]),
        nasty(),
        st.integers(-(10**30), 10**30).map(str),
        st.text(max_size=10),
    )


def clip(data: str) -> str:
    """Telegram carries 1-64 bytes of callback data: cut longer data, fill empty data."""
    return data.encode()[:64].decode(errors="ignore") or "x"


def forged_data(topic_ids: Sequence[str], tip_ids: Sequence[str]) -> st.SearchStrategy[str]:
    """Data a modified client could send: a real feature prefix with random parts, or junk."""
    parts = st.lists(data_part(topic_ids, tip_ids), max_size=4)
    prefixed = st.builds(lambda f, ps: ":".join([f, *ps]), st.sampled_from(FEATURES), parts)
    return st.one_of(prefixed, st.text(min_size=1, max_size=64)).map(clip)


MUTATIONS = ("drop", "append", "replace", "cut", "double colon", "upper")


@dataclass(frozen=True)
class Mutation:
    """A change to a real button's data: a part dropped, added or replaced, the data cut."""

    op: str
    index: int
    part: str
    length: int

    def __call__(self, real: str) -> str:
        parts = real.split(":")
        i = self.index % len(parts)
        if self.op == "drop":
            changed = ":".join(parts[:i] + parts[i + 1 :])
        elif self.op == "append":
            changed = f"{real}:{self.part}"
        elif self.op == "replace":
            changed = ":".join([*parts[:i], self.part, *parts[i + 1 :]])
        elif self.op == "cut":
            changed = real[: max(1, self.length % len(real))]
        elif self.op == "double colon":
            changed = real.replace(":", "::", 1)
        else:
            changed = real.upper()
        return clip(changed)


def mutations(topic_ids: Sequence[str], tip_ids: Sequence[str]) -> st.SearchStrategy[Mutation]:
    """Drawn before the real data is known, so every draw has the same shape."""
    return st.builds(
        Mutation,
        st.sampled_from(MUTATIONS),
        st.integers(0, 5),
        data_part(topic_ids, tip_ids),
        st.integers(1, 64),
    )
