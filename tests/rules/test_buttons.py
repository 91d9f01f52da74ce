"""Button data: every kind packs and parses back, old data still parses, forged data does not."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.buttons import (
    MAX_BYTES,
    AddChild,
    AnyButton,
    Ask,
    ChildButton,
    ChildList,
    ChildQuestion,
    Feedback,
    Frequency,
    Language,
    Menu,
    MoreOnTopic,
    NotWhatIAsked,
    OpenSettings,
    Pause,
    Region,
    SendBroadcast,
    SendTime,
    Step,
    TimeZone,
    ToggleDay,
    ToggleTopic,
    TriedIt,
    parse,
)

# Data as the bot sent it before the typed module, so buttons in old chats keep working.
SENT_BEFORE: dict[str, AnyButton] = {
    "ob:begin": Step(Menu.ONBOARDING, "begin"),
    "ob:t:health": ToggleTopic(Menu.ONBOARDING, "health"),
    "tp:t:learning": ToggleTopic(Menu.TOPICS, "learning"),
    "tp:done": Step(Menu.TOPICS, "done"),
    "ob:freq": Step(Menu.ONBOARDING, "freq"),
    "ob:f:3": Frequency(Menu.ONBOARDING, 3),
    "sc:f:7": Frequency(Menu.SCHEDULE, 7),
    "ob:h:0800": SendTime(Menu.ONBOARDING, "08:00"),
    "sc:h:1230": SendTime(Menu.SCHEDULE, "12:30"),
    "ob:confirm": Step(Menu.ONBOARDING, "confirm"),
    "sc:d:6": ToggleDay(6),
    "ob:d:2": ToggleDay(2, Menu.ONBOARDING),
    "ob:nation": Step(Menu.ONBOARDING, "nation"),
    "ob:kids": Step(Menu.ONBOARDING, "kids"),
    "ob:rg:wales": Region("wales", Menu.ONBOARDING),
    "sc:ask:timezone": Ask("timezone"),
    "sc:zone": Step(Menu.SCHEDULE, "zone"),
    "sc:z:America/Argentina/Buenos_Aires": TimeZone("America/Argentina/Buenos_Aires"),
    "sc:back": Step(Menu.SCHEDULE, "back"),
    "ch:open:12:ob": ChildButton("open", 12, Menu.ONBOARDING),
    "ch:remove:7:ch": ChildButton("remove", 7, Menu.CHILDREN),
    "ch:add:birth:ch": AddChild("birth", Menu.CHILDREN),
    "ch:list:ob": ChildList(Menu.ONBOARDING),
    "ch:done": Step(Menu.CHILDREN, "done"),
    "lg:cy": Language("cy"),
    "rg:northern-ireland": Region("northern-ireland"),
    "pz:on": Pause("on"),
    "st:undo": Step(Menu.STOP, "undo"),
    "fg:yes": Step(Menu.FORGET, "yes"),
    "se:mydata": OpenSettings("mydata"),
    "fb:u:h-safe-sleep-on-back": Feedback("h-safe-sleep-on-back", helpful=True),
    "fb:d:h-safe-sleep-on-back": Feedback("h-safe-sleep-on-back", helpful=False),
    "mo:welfare": MoreOnTopic("welfare"),
    "tr:y:l-talk-week-1-follow-up": TriedIt("l-talk-week-1-follow-up", tried=True),
    "tr:n:l-talk-week-1-follow-up": TriedIt("l-talk-week-1-follow-up", tried=False),
    "bc:go:h-safe-sleep-on-back": SendBroadcast("h-safe-sleep-on-back"),
    "bc:no": Step(Menu.BROADCAST, "no"),
    "aq:no:h-fever-in-babies": NotWhatIAsked("h-fever-in-babies"),
}


@pytest.mark.parametrize(("data", "button"), SENT_BEFORE.items())
def test_data_sent_before_parses_to_the_same_button_and_packs_back(
    data: str, button: AnyButton
) -> None:
    assert parse(data) == button
    assert type(button).parse(data) == button
    assert button.pack() == data


@pytest.mark.parametrize(
    "data",
    [
        None,
        "",
        "ob",
        "ob:",
        "ob:nope",
        "tp:begin",  # a step of another menu
        "ob:t:Health",  # not an id
        "ob:f:4",  # not a preset
        "ob:f:²",
        "sc:h:2400",
        "sc:h:²²²²",
        "sc:h:930",
        "sc:d:7",
        "sc:d:²",
        "sc:ask:date",
        "sc:z:../../etc/passwd",
        "ch:open:²:ch",
        "ch:open:99999999999999999999:ch",
        "ch:open:1:sc",
        "ch:eat:1:ch",
        "ch:add:due",
        "lg:EN",
        "pz:1y",
        "se:admin",
        "fb:u:\x00",
        "fb:x:h-safe-sleep-on-back",
        "fb:u:h-safe-sleep-on-back:extra",
        "mo:",
        "tr:maybe:l-talk",
        "tr:y:",
        "tr:y:L TALK",
        "tr:y:l-talk:extra",
        "bc:go:",
        "ob:kid:maybe",  # not an answer to the question about a child
        "ob:kid:due:x",
        "aq:no:",
        "aq:no:Fever",
        "aq:yes:h-fever",
        "aq:no:h-fever:extra",
        "zz:begin",
    ],
)
def test_unreadable_or_forged_data_is_none(data: str | None) -> None:
    assert parse(data) is None


@pytest.mark.parametrize("answer", ["due", "birth", "skip"])
def test_the_question_about_a_child_packs_and_parses_back(answer: str) -> None:
    button = ChildQuestion(answer)  # type: ignore[arg-type]
    assert button.pack() == f"ob:kid:{answer}"
    assert parse(button.pack()) == button


def test_a_button_of_another_kind_is_not_parsed_as_this_kind() -> None:
    assert Feedback.parse("mo:health") is None
    assert ToggleTopic.parse("fb:u:health") is None


def test_data_over_64_bytes_is_refused_when_packed() -> None:
    with pytest.raises(ValueError, match="64 bytes"):
        TimeZone("Europe/" + "x" * MAX_BYTES).pack()


def test_not_what_i_asked_fits_in_64_bytes_for_the_longest_tip_id() -> None:
    from domain.content.rules import ID_MAX_LENGTH

    longest = NotWhatIAsked("a" * ID_MAX_LENGTH)
    assert len(longest.pack().encode()) <= MAX_BYTES
    assert parse(longest.pack()) == longest


def test_a_button_in_a_menu_that_does_not_offer_it_cannot_be_made() -> None:
    with pytest.raises(ValueError, match="no 'begin' step in menu 'tp'"):
        Step(Menu.TOPICS, "begin")
    with pytest.raises(ValueError, match="ToggleTopic has no place in menu 'sc'"):
        ToggleTopic(Menu.SCHEDULE, "health")


PIECES = sorted({piece for data in SENT_BEFORE for piece in data.split(":")} | {"", "²", "07"})


@given(st.one_of(st.text(max_size=80), st.lists(st.sampled_from(PIECES), max_size=5).map(":".join)))
def test_any_data_parses_to_none_or_to_a_button_that_packs_back(data: str) -> None:
    button = parse(data)
    if button is not None:
        assert parse(button.pack()) == button
