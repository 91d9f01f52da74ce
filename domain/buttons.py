"""Inline-button data: one small class per kind of button, packed into at most 64 bytes.

Data is colon-separated with the menu first (`ob` onboarding, `tp` topics, `ch` children, `sc`
schedule, `lg` language, `rg` region, `pz` pause, `st` stop, `fg` forget, `se` settings, `fb`
feedback, `mo` more on a topic, `bc` broadcast, `tr` "did you try it?", `qa` an open question's
Cancel, `aq` answers to a parent's question). Everything a button needs is in its data or in
the database, so buttons keep working after a restart or a content reload; the formats must not
change, because buttons sent long ago are still pressed.

`parse` gives back the typed button, or None for data no button of ours carries (unreadable,
from a removed feature, or forged: the Bot API lets a client send any data). It checks the shape
and the fixed choices; whether a topic, tip or language exists right now is the handler's check.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Literal, Self, TypeVar, get_args

from domain.cadence import FREQUENCY_PRESETS
from domain.content.rules import ID_MAX_LENGTH, ID_PATTERN

MAX_BYTES = 64
SEP = ":"
MAX_ROW_ID = 2**31 - 1


class Menu(StrEnum):
    """The first part of the data: which feature's handler the button goes to."""

    ONBOARDING = "ob"
    TOPICS = "tp"
    CHILDREN = "ch"
    SCHEDULE = "sc"
    LANGUAGE = "lg"
    REGION = "rg"
    PAUSE = "pz"
    STOP = "st"
    FORGET = "fg"
    SETTINGS = "se"
    FEEDBACK = "fb"
    MORE = "mo"
    BROADCAST = "bc"
    TRIED = "tr"
    QUESTION = "qa"
    ASK = "aq"

    @property
    def pattern(self) -> str:
        """The CallbackQueryHandler regex for this menu's buttons."""
        return rf"^{self.value}{SEP}"


StepName = Literal[
    "begin",
    "done",
    "nation",
    "kids",
    "freq",
    "time",
    "confirm",
    "zone",
    "back",
    "undo",
    "yes",
    "no",
    "cancel",
]
STEPS: dict[Menu, frozenset[str]] = {
    Menu.ONBOARDING: frozenset({"begin", "done", "nation", "kids", "freq", "time", "confirm"}),
    Menu.TOPICS: frozenset({"done"}),
    Menu.CHILDREN: frozenset({"done"}),
    Menu.SCHEDULE: frozenset({"zone", "back", "done"}),
    Menu.STOP: frozenset({"undo"}),
    Menu.FORGET: frozenset({"yes", "no"}),
    Menu.BROADCAST: frozenset({"no"}),
    Menu.QUESTION: frozenset({"cancel"}),
}
# "changed" and "remove" ask first; "stop" and "drop" are their "Yes".
ChildAction = Literal["open", "edit", "changed", "remove", "stop", "drop"]
ArrivalChoice = Literal["born", "ondue", "notyet", "other"]
DateKind = Literal["due", "birth"]
ChildAnswer = Literal["due", "birth", "skip"]
Question = Literal["time", "timezone"]
PauseLength = Literal["1w", "2w", "1m", "on"]
SettingsTarget = Literal[
    "topics",
    "children",
    "schedule",
    "language",
    "region",
    "pause",
    "resume",
    "stop",
    "mydata",
    "forget",
]
STEP_NAMES: tuple[StepName, ...] = get_args(StepName)
CHILD_ACTIONS: tuple[ChildAction, ...] = get_args(ChildAction)
ARRIVAL_CHOICES: tuple[ArrivalChoice, ...] = get_args(ArrivalChoice)
DATE_KINDS: tuple[DateKind, ...] = get_args(DateKind)
CHILD_ANSWERS: tuple[ChildAnswer, ...] = get_args(ChildAnswer)
QUESTIONS: tuple[Question, ...] = get_args(Question)
PAUSE_LENGTHS: tuple[PauseLength, ...] = get_args(PauseLength)
SETTINGS_TARGETS: tuple[SettingsTarget, ...] = get_args(SettingsTarget)
# The shared kinds, and the menus each may belong to.
TOPIC_MENUS = frozenset({Menu.ONBOARDING, Menu.TOPICS})
SCHEDULE_MENUS = frozenset({Menu.ONBOARDING, Menu.SCHEDULE})
REGION_MENUS = frozenset({Menu.ONBOARDING, Menu.REGION})
CHILD_MENUS = frozenset({Menu.ONBOARDING, Menu.CHILDREN})  # where the children screens return

_ID = re.compile(ID_PATTERN)
_LANGUAGE = re.compile(r"^[a-z]{2,3}(_[A-Za-z]{2,4})?$")
_ZONE = re.compile(r"^[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+)*$")

C = TypeVar("C", bound=str)


def small_int(text: str, *, maximum: int = MAX_ROW_ID) -> int | None:
    """A non-negative number written with ASCII digits only, up to `maximum`; else None.

    `str.isdigit` accepts characters such as "²" that `int` refuses, and forged data may
    hold numbers too large for a database column.
    """
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(maximum)):
        return None
    value = int(text)
    return value if value <= maximum else None


def _choice(text: str, choices: Iterable[C]) -> C | None:
    """`text` as the one of `choices` it equals, or None."""
    return next((c for c in choices if c == text), None)


def _id(text: str) -> str | None:
    """`text` when it is a well-formed tip or topic id (forged data could hold anything)."""
    return text if len(text) <= ID_MAX_LENGTH and _ID.match(text) else None


def _check_menu(button: object, menu: Menu, allowed: frozenset[Menu]) -> None:
    if menu not in allowed:
        raise ValueError(f"{type(button).__name__} has no place in menu {menu.value!r}")


class Button(ABC):
    """What every kind of button has: its parts, packed and parsed the same way."""

    __slots__ = ()

    @abstractmethod
    def parts(self) -> tuple[str | int, ...]:
        """The data's parts, menu first."""

    @classmethod
    @abstractmethod
    def from_parts(cls, parts: list[str]) -> Self | None:
        """The button these parts describe, or None when they describe none of this kind."""

    def pack(self) -> str:
        data = SEP.join(str(p) for p in self.parts())
        if len(data.encode()) > MAX_BYTES:
            raise ValueError(f"callback data over {MAX_BYTES} bytes: {data!r}")
        return data

    @classmethod
    def parse(cls, data: str | None) -> Self | None:
        return cls.from_parts(data.split(SEP)) if data else None


@dataclass(frozen=True, slots=True)
class Step(Button):
    """A button that moves a menu on without an argument: "ob:begin", "tp:done", "fg:yes"."""

    menu: Menu
    name: StepName

    def __post_init__(self) -> None:
        if self.name not in STEPS.get(self.menu, ()):
            raise ValueError(f"no {self.name!r} step in menu {self.menu.value!r}")

    def parts(self) -> tuple[str | int, ...]:
        return (self.menu.value, self.name)

    @classmethod
    def from_parts(cls, parts: list[str]) -> Self | None:
        menu = _choice(parts[0], STEPS)
        name = _choice(parts[-1], STEP_NAMES)
        if menu is None or name is None or len(parts) != 2 or name not in STEPS[menu]:
            return None
        return cls(menu, name)


@dataclass(frozen=True, slots=True)
class ToggleTopic(Button):
    """Tick or untick one topic ("ob:t:health" in onboarding, "tp:t:health" in /topics)."""

    menu: Menu
    topic_id: str

    def __post_init__(self) -> None:
        _check_menu(self, self.menu, TOPIC_MENUS)

    def parts(self) -> tuple[str | int, ...]:
        return (self.menu.value, "t", self.topic_id)

    @classmethod
    def from_parts(cls, parts: list[str]) -> Self | None:
        menu = _choice(parts[0], TOPIC_MENUS)
        if menu is None or len(parts) != 3 or parts[1] != "t":
            return None
        topic_id = _id(parts[2])
        return None if topic_id is None else cls(menu, topic_id)


@dataclass(frozen=True, slots=True)
class Frequency(Button):
    """Tips a week, one of FREQUENCY_PRESETS ("ob:f:3", "sc:f:7")."""

    menu: Menu
    per_week: int

    def __post_init__(self) -> None:
        _check_menu(self, self.menu, SCHEDULE_MENUS)

    def parts(self) -> tuple[str | int, ...]:
        return (self.menu.value, "f", self.per_week)

    @classmethod
    def from_parts(cls, parts: list[str]) -> Self | None:
        menu = _choice(parts[0], SCHEDULE_MENUS)
        if menu is None or len(parts) != 3 or parts[1] != "f":
            return None
        per_week = small_int(parts[2], maximum=7)
        return cls(menu, per_week) if per_week in FREQUENCY_PRESETS else None


@dataclass(frozen=True, slots=True)
class SendTime(Button):
    """A time of day "HH:MM", packed without the colon ("ob:h:0830")."""

    menu: Menu
    hhmm: str

    def __post_init__(self) -> None:
        _check_menu(self, self.menu, SCHEDULE_MENUS)

    def parts(self) -> tuple[str | int, ...]:
        return (self.menu.value, "h", self.hhmm.replace(":", ""))

    @classmethod
    def from_parts(cls, parts: list[str]) -> Self | None:
        menu = _choice(parts[0], SCHEDULE_MENUS)
        if menu is None or len(parts) != 3 or parts[1] != "h" or len(parts[2]) != 4:
            return None
        hour = small_int(parts[2][:2], maximum=23)
        minute = small_int(parts[2][2:], maximum=59)
        if hour is None or minute is None:
            return None
        return cls(menu, f"{hour:02d}:{minute:02d}")


@dataclass(frozen=True, slots=True)
class ToggleDay(Button):
    """Tick or untick a weekday, 0 = Monday ("sc:d:2" in /schedule, "ob:d:2" in onboarding)."""

    day: int
    menu: Menu = Menu.SCHEDULE

    def __post_init__(self) -> None:
        _check_menu(self, self.menu, SCHEDULE_MENUS)

    def parts(self) -> tuple[str | int, ...]:
        return (self.menu.value, "d", self.day)

    @classmethod
    def from_parts(cls, parts: list[str]) -> Self | None:
        menu = _choice(parts[0], SCHEDULE_MENUS)
        if menu is None or len(parts) != 3 or parts[1] != "d":
            return None
        day = small_int(parts[2], maximum=6)
        return None if day is None else cls(day, menu)


@dataclass(frozen=True, slots=True)
class Ask(Button):
    """Ask for a typed answer in /schedule ("sc:ask:time", "sc:ask:timezone")."""

    question: Question

    def parts(self) -> tuple[str | int, ...]:
        return (Menu.SCHEDULE.value, "ask", self.question)

    @classmethod
    def from_parts(cls, parts: list[str]) -> Self | None:
        if parts[0] != Menu.SCHEDULE or len(parts) != 3 or parts[1] != "ask":
            return None
        question = _choice(parts[2], QUESTIONS)
        return None if question is None else cls(question)


@dataclass(frozen=True, slots=True)
class TimeZone(Button):
    """A time zone name from the offered list ("sc:z:Europe/London")."""

    zone: str

    def parts(self) -> tuple[str | int, ...]:
        return (Menu.SCHEDULE.value, "z", self.zone)

    @classmethod
    def from_parts(cls, parts: list[str]) -> Self | None:
        if parts[0] != Menu.SCHEDULE or len(parts) != 3 or parts[1] != "z":
            return None
        return cls(parts[2]) if _ZONE.match(parts[2]) else None


@dataclass(frozen=True, slots=True)
class ChildButton(Button):
    """Open, re-date, mark as changed or remove one child ("ch:open:12:ob")."""

    action: ChildAction
    child_id: int
    back_to: Menu

    def __post_init__(self) -> None:
        _check_menu(self, self.back_to, CHILD_MENUS)

    def parts(self) -> tuple[str | int, ...]:
        return (Menu.CHILDREN.value, self.action, self.child_id, self.back_to.value)

    @classmethod
    def from_parts(cls, parts: list[str]) -> Self | None:
        if parts[0] != Menu.CHILDREN or len(parts) != 4:
            return None
        action = _choice(parts[1], CHILD_ACTIONS)
        child_id = small_int(parts[2])
        back_to = _choice(parts[3], CHILD_MENUS)
        if action is None or child_id is None or back_to is None:
            return None
        return cls(action, child_id, back_to)


@dataclass(frozen=True, slots=True)
class AddChild(Button):
    """Add a child by due date or birth date ("ch:add:due:ob")."""

    kind: DateKind
    back_to: Menu

    def __post_init__(self) -> None:
        _check_menu(self, self.back_to, CHILD_MENUS)

    def parts(self) -> tuple[str | int, ...]:
        return (Menu.CHILDREN.value, "add", self.kind, self.back_to.value)

    @classmethod
    def from_parts(cls, parts: list[str]) -> Self | None:
        if parts[0] != Menu.CHILDREN or len(parts) != 4 or parts[1] != "add":
            return None
        kind = _choice(parts[2], DATE_KINDS)
        back_to = _choice(parts[3], CHILD_MENUS)
        return None if kind is None or back_to is None else cls(kind, back_to)


@dataclass(frozen=True, slots=True)
class ChildList(Button):
    """Back to the list of children ("ch:list:ch")."""

    back_to: Menu

    def __post_init__(self) -> None:
        _check_menu(self, self.back_to, CHILD_MENUS)

    def parts(self) -> tuple[str | int, ...]:
        return (Menu.CHILDREN.value, "list", self.back_to.value)

    @classmethod
    def from_parts(cls, parts: list[str]) -> Self | None:
        if parts[0] != Menu.CHILDREN or len(parts) != 3 or parts[1] != "list":
            return None
        back_to = _choice(parts[2], CHILD_MENUS)
        return None if back_to is None else cls(back_to)


@dataclass(frozen=True, slots=True)
class ArrivalAnswer(Button):
    """An answer to "has your baby arrived?" about one child ("ch:arr:born:12"); "ondue" is
    the one-tap birth date that follows "born"."""

    choice: ArrivalChoice
    child_id: int

    def parts(self) -> tuple[str | int, ...]:
        return (Menu.CHILDREN.value, "arr", self.choice, self.child_id)

    @classmethod
    def from_parts(cls, parts: list[str]) -> Self | None:
        if parts[0] != Menu.CHILDREN or len(parts) != 4 or parts[1] != "arr":
            return None
        choice = _choice(parts[2], ARRIVAL_CHOICES)
        child_id = small_int(parts[3])
        return None if choice is None or child_id is None else cls(choice, child_id)


_DAY = re.compile(r"^\d{8}$")
_STAMP = re.compile(r"^[0-9a-z]{1,7}$")


def _pack_day(day: date | None) -> str:
    return "-" if day is None else day.strftime("%Y%m%d")


def _parse_day(text: str) -> date | Literal[False] | None:
    """A packed date, None for "-", False when unreadable."""
    if text == "-":
        return None
    if not _DAY.match(text):
        return False
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return False


def _pack_stamp(moment: datetime | None) -> str:
    return "-" if moment is None else _base36(int(moment.timestamp()))


def _base36(number: int) -> str:
    digits = ""
    while True:
        number, digit = divmod(number, 36)
        digits = "0123456789abcdefghijklmnopqrstuvwxyz"[digit] + digits
        if number == 0:
            return digits


def _parse_stamp(text: str) -> datetime | Literal[False] | None:
    """A packed UTC time (whole seconds, base 36), None for "-", False when unreadable."""
    if text == "-":
        return None
    if not _STAMP.match(text) or (len(text) > 1 and text[0] == "0"):
        return False
    return datetime.fromtimestamp(int(text, 36), UTC)


@dataclass(frozen=True, slots=True)
class RestoreChild(Button):
    """Undo a removal: the removed child as it was, and when it was removed (for how long the
    undo is offered). Dates as YYYYMMDD, times as base-36 Unix seconds, "-" for none:
    "ch:un:12:20261210:-:-:t2xk5s:t3a0b4:ch"."""

    child_id: int
    due_date: date | None
    birth_date: date | None
    stopped_at: datetime | None
    created_at: datetime
    removed_at: datetime
    back_to: Menu

    def __post_init__(self) -> None:
        _check_menu(self, self.back_to, CHILD_MENUS)

    def parts(self) -> tuple[str | int, ...]:
        return (
            Menu.CHILDREN.value,
            "un",
            self.child_id,
            _pack_day(self.due_date),
            _pack_day(self.birth_date),
            _pack_stamp(self.stopped_at),
            _pack_stamp(self.created_at),
            _pack_stamp(self.removed_at),
            self.back_to.value,
        )

    @classmethod
    def from_parts(cls, parts: list[str]) -> Self | None:
        if parts[0] != Menu.CHILDREN or len(parts) != 9 or parts[1] != "un":
            return None
        child_id = small_int(parts[2])
        due, birth = _parse_day(parts[3]), _parse_day(parts[4])
        stopped, created, removed = (_parse_stamp(p) for p in parts[5:8])
        back_to = _choice(parts[8], CHILD_MENUS)
        if child_id is None or back_to is None or False in (due, birth, stopped):
            return None
        if due is None and birth is None:  # a child has one date at least
            return None
        if not isinstance(created, datetime) or not isinstance(removed, datetime):
            return None
        assert due is not False and birth is not False and stopped is not False
        return cls(child_id, due, birth, stopped, created, removed, back_to)


@dataclass(frozen=True, slots=True)
class ChildQuestion(Button):
    """The deep-link welcome's question: expecting, a baby or child, or skip ("ob:kid:due")."""

    answer: ChildAnswer

    def parts(self) -> tuple[str | int, ...]:
        return (Menu.ONBOARDING.value, "kid", self.answer)

    @classmethod
    def from_parts(cls, parts: list[str]) -> Self | None:
        if parts[0] != Menu.ONBOARDING or len(parts) != 3 or parts[1] != "kid":
            return None
        answer = _choice(parts[2], CHILD_ANSWERS)
        return None if answer is None else cls(answer)


@dataclass(frozen=True, slots=True)
class Language(Button):
    """The chat's language ("lg:cy")."""

    code: str

    def parts(self) -> tuple[str | int, ...]:
        return (Menu.LANGUAGE.value, self.code)

    @classmethod
    def from_parts(cls, parts: list[str]) -> Self | None:
        if parts[0] != Menu.LANGUAGE or len(parts) != 2 or not _LANGUAGE.match(parts[1]):
            return None
        return cls(parts[1])


@dataclass(frozen=True, slots=True)
class Region(Button):
    """The chat's UK nation ("rg:wales" in /region, "ob:rg:wales" in onboarding)."""

    region: str
    menu: Menu = Menu.REGION

    def __post_init__(self) -> None:
        _check_menu(self, self.menu, REGION_MENUS)

    def parts(self) -> tuple[str | int, ...]:
        if self.menu == Menu.REGION:
            return (Menu.REGION.value, self.region)
        return (self.menu.value, "rg", self.region)

    @classmethod
    def from_parts(cls, parts: list[str]) -> Self | None:
        if parts[0] == Menu.REGION and len(parts) == 2:
            region = _id(parts[1])
            return None if region is None else cls(region)
        if parts[0] == Menu.ONBOARDING and len(parts) == 3 and parts[1] == "rg":
            region = _id(parts[2])
            return None if region is None else cls(region, Menu.ONBOARDING)
        return None


@dataclass(frozen=True, slots=True)
class Pause(Button):
    """How long to pause ("pz:2w"; "pz:on" until /resume)."""

    length: PauseLength

    def parts(self) -> tuple[str | int, ...]:
        return (Menu.PAUSE.value, self.length)

    @classmethod
    def from_parts(cls, parts: list[str]) -> Self | None:
        length = _choice(parts[-1], PAUSE_LENGTHS)
        if parts[0] != Menu.PAUSE or len(parts) != 2 or length is None:
            return None
        return cls(length)


@dataclass(frozen=True, slots=True)
class OpenSettings(Button):
    """One part of /settings ("se:schedule")."""

    target: SettingsTarget

    def parts(self) -> tuple[str | int, ...]:
        return (Menu.SETTINGS.value, self.target)

    @classmethod
    def from_parts(cls, parts: list[str]) -> Self | None:
        target = _choice(parts[-1], SETTINGS_TARGETS)
        if parts[0] != Menu.SETTINGS or len(parts) != 2 or target is None:
            return None
        return cls(target)


@dataclass(frozen=True, slots=True)
class Feedback(Button):
    """👍 or 👎 under a tip ("fb:u:<tip id>", "fb:d:<tip id>")."""

    tip_id: str
    helpful: bool

    @property
    def value(self) -> int:
        """As stored: +1 helpful, -1 not."""
        return 1 if self.helpful else -1

    def parts(self) -> tuple[str | int, ...]:
        return (Menu.FEEDBACK.value, "u" if self.helpful else "d", self.tip_id)

    @classmethod
    def from_parts(cls, parts: list[str]) -> Self | None:
        if parts[0] != Menu.FEEDBACK or len(parts) != 3 or parts[1] not in ("u", "d"):
            return None
        tip_id = _id(parts[2])
        return None if tip_id is None else cls(tip_id, helpful=parts[1] == "u")


@dataclass(frozen=True, slots=True)
class TriedIt(Button):
    """ "Yes, we tried it" / "Not yet" under a week's follow-up ("tr:y:<tip id>", "tr:n:...")."""

    tip_id: str
    tried: bool

    def parts(self) -> tuple[str | int, ...]:
        return (Menu.TRIED.value, "y" if self.tried else "n", self.tip_id)

    @classmethod
    def from_parts(cls, parts: list[str]) -> Self | None:
        if parts[0] != Menu.TRIED or len(parts) != 3 or parts[1] not in ("y", "n"):
            return None
        tip_id = _id(parts[2])
        return None if tip_id is None else cls(tip_id, tried=parts[1] == "y")


@dataclass(frozen=True, slots=True)
class MoreOnTopic(Button):
    """ "More on this topic" under a tip ("mo:health")."""

    topic_id: str

    def parts(self) -> tuple[str | int, ...]:
        return (Menu.MORE.value, self.topic_id)

    @classmethod
    def from_parts(cls, parts: list[str]) -> Self | None:
        if parts[0] != Menu.MORE or len(parts) != 2:
            return None
        topic_id = _id(parts[1])
        return None if topic_id is None else cls(topic_id)


@dataclass(frozen=True, slots=True)
class SendBroadcast(Button):
    """An admin's confirmation to broadcast a tip ("bc:go:<tip id>"; cancel is a Step)."""

    tip_id: str

    def parts(self) -> tuple[str | int, ...]:
        return (Menu.BROADCAST.value, "go", self.tip_id)

    @classmethod
    def from_parts(cls, parts: list[str]) -> Self | None:
        if parts[0] != Menu.BROADCAST or len(parts) != 3 or parts[1] != "go":
            return None
        tip_id = _id(parts[2])
        return None if tip_id is None else cls(tip_id)


@dataclass(frozen=True, slots=True)
class NotWhatIAsked(Button):
    """ "Not what I asked" under a tip given as an answer ("aq:no:<tip id>"): counted for
    editors per topic and language, with no chat and no question text."""

    tip_id: str

    def parts(self) -> tuple[str | int, ...]:
        return (Menu.ASK.value, "no", self.tip_id)

    @classmethod
    def from_parts(cls, parts: list[str]) -> Self | None:
        if parts[0] != Menu.ASK or len(parts) != 3 or parts[1] != "no":
            return None
        tip_id = _id(parts[2])
        return None if tip_id is None else cls(tip_id)


AnyButton = (
    Step
    | ToggleTopic
    | Frequency
    | SendTime
    | ToggleDay
    | Ask
    | TimeZone
    | ChildButton
    | AddChild
    | ChildList
    | ChildQuestion
    | ArrivalAnswer
    | RestoreChild
    | Language
    | Region
    | Pause
    | OpenSettings
    | Feedback
    | TriedIt
    | MoreOnTopic
    | SendBroadcast
    | NotWhatIAsked
)
KINDS: tuple[type[AnyButton], ...] = get_args(AnyButton)


def parse(data: str | None) -> AnyButton | None:
    """The button `data` came from, of whichever kind, or None."""
    if not data:
        return None
    parts = data.split(SEP)
    for kind in KINDS:
        button = kind.from_parts(parts)
        if button is not None:
            return button
    return None
