"""A week of a series through the whole bot: fact, try and follow-up come one after another,
the follow-up asks "did you try it?", and one tap stores the answer (SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import select

from domain.content.loader import load_library
from domain.content.model import Library
from domain.models import TriedAnswer
from tests.bot.harness import START, Harness, button_labels, count_rows_for_chat, running_bot
from tests.bot.test_settings_flows import onboard
from tests.content.factories import copy_library, tip_file
from tests.fakebotapi import FakeUser, SentMessage

WEEK = {
    "talk-fact": "{name: talk, week: 1, role: fact}",
    "talk-try": "{name: talk, week: 1, role: try}",
    "talk-follow-up": "{name: talk, week: 1, role: follow-up, ask_tried: true}",
}
YES, NOT_YET = "Yes, we tried it", "Not yet"


def library_with_a_week(tmp_path: Path) -> Library:
    """The small test library plus, for every family, one week and a more important tip."""
    content = copy_library(tmp_path)
    other = tip_file("other", topics="[learning]", extra="priority: 5\n")
    (content / "tips/learning/other.md").write_text(other, encoding="utf-8")
    for tip_id, series in WEEK.items():
        text = tip_file(tip_id, topics="[learning]", extra=f"series: {series}\n")
        (content / f"tips/learning/{tip_id}.md").write_text(text, encoding="utf-8")
    library = load_library(content, today=START.date())
    assert not library.errors, library.errors
    return library


def tip_id_of(message: SentMessage) -> str:
    return next(d for d in message.button_data if d.startswith("fb:")).split(":")[-1]


async def answers(bot: Harness) -> list[tuple[str, bool]]:
    async with bot.services.sessions() as session:
        rows = (await session.exec(select(TriedAnswer))).all()
    return [(row.tip_id, row.tried) for row in rows]


async def press_and_count_answers(bot: Harness, user: FakeUser, tip: SentMessage, data: str) -> int:
    """Press a button with `data`, let the bot finish with it, and count its callback answers."""
    since = len(bot.api.calls)
    bot.api.press_button(user, tip, data, strict=False)
    await bot.api.wait_for_call(lambda c: c.method == "answerCallbackQuery", since=since)
    await bot.say(user, "/help")  # updates are handled in order: this one comes after
    return sum(c.method == "answerCallbackQuery" for c in bot.api.calls[since:])


async def test_a_week_comes_together_and_its_follow_up_asks_once(
    migrated_url: str, tmp_path: Path
) -> None:
    async with running_bot(migrated_url, library=library_with_a_week(tmp_path)) as bot:
        ada = bot.api.make_user("Ada", language_code="en")
        await onboard(bot, ada)
        received = [await bot.say(ada, "/tip") for _ in range(4)]
        assert [tip_id_of(m) for m in received] == ["other", *WEEK]
        fact, follow_up = received[1], received[3]
        assert YES not in button_labels(fact) and NOT_YET not in button_labels(fact)
        assert button_labels(follow_up)[:2] == [YES, NOT_YET]

        # One tap: stored, answered once, and the tapped button gets a tick.
        since = len(bot.api.calls)
        await bot.press(ada, follow_up, NOT_YET)
        edit = await bot.api.wait_for(
            lambda m: m.method == "editMessageReplyMarkup" and m.message_id == follow_up.message_id
        )
        assert button_labels(edit)[:2] == [YES, f"✅ {NOT_YET}"]
        assert sum(c.method == "answerCallbackQuery" for c in bot.api.calls[since:]) == 1
        assert await answers(bot) == [("talk-follow-up", False)]

        # Changing one's mind replaces the answer.
        assert await press_and_count_answers(bot, ada, follow_up, "tr:y:talk-follow-up") == 1
        assert await answers(bot) == [("talk-follow-up", True)]

        # Forged data: a tip that does not ask, a tip not in the library, a malformed id.
        for forged in ("tr:n:talk-fact", "tr:n:no-such-tip", "tr:n:Bad Id"):
            assert await press_and_count_answers(bot, ada, follow_up, forged) == 1
        assert await answers(bot) == [("talk-follow-up", True)]

        # /mydata counts the answer, and /forget erases it with everything else.
        mine = await bot.say(ada, "/mydata")
        assert "Answers to “did you try it?”: 1" in mine.plain_text
        profile = await bot.profile(ada.id)
        assert profile is not None and profile.chat.id is not None
        assert (await count_rows_for_chat(bot.services, profile.chat.id))["tried_answer"] == 1
        done = await bot.tap(ada, await bot.say(ada, "/forget"), "Yes")
        assert "erased" in done.plain_text
        assert await answers(bot) == []
