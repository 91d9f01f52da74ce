"""What stays behind: forged answers about tips a chat never had store nothing, and /forget
leaves the erased birth date readable in no SQLite file."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import date
from pathlib import Path

from sqlalchemy.engine import make_url

from domain.buttons import Feedback, TriedIt
from tests.bot.harness import count_rows_for_chat, running_bot, seed_chat


async def test_feedback_for_a_tip_never_sent_here_stores_nothing(migrated_url: str) -> None:
    async with running_bot(migrated_url) as bot:
        for name, language, thumbs in (("Gus", "en", "thumbs up or down: "), ("Ola", "pl", ": ")):
            user = bot.api.make_user(name, language_code=language)
            row_id = await seed_chat(
                bot.services, user.id, language=language, born=date(2025, 5, 1)
            )
            tip = await bot.say(user, "/tip")
            sent_id = next(b.tip_id for d in tip.button_data if (b := Feedback.parse(d)))
            others = [i for i in bot.services.library.current.tips if i != sent_id]
            forged = [
                Feedback(others[0], helpful=False).pack(),
                TriedIt(others[1], tried=True).pack(),
            ]
            for data in forged:
                since = len(bot.api.calls)
                bot.api.press_button(user, tip, data, strict=False)
                call = await bot.api.wait_for_call(
                    lambda c: c.method == "answerCallbackQuery", since=since
                )
                assert not call.params.get("text"), "a forged answer was thanked for"
            counts = await count_rows_for_chat(bot.services, row_id)
            assert counts["feedback"] == 0 and counts["tried_answer"] == 0, counts
            mine = (await bot.say(user, "/mydata")).plain_text
            assert f"{thumbs}0;" in mine, mine

            await bot.press(user, tip, "👍")  # the tip it was sent is still thanked and stored
            counts = await count_rows_for_chat(bot.services, row_id)
            assert counts["feedback"] == 1


async def test_forget_leaves_the_birth_date_in_no_sqlite_file(migrated_sqlite_url: str) -> None:
    path = Path(make_url(migrated_sqlite_url).database or "")
    secret = "2019-07-23"
    async with running_bot(migrated_sqlite_url) as bot:
        kit = bot.api.make_user("Kit", language_code="en")
        await seed_chat(bot.services, kit.id, born=date.fromisoformat(secret))
        listing = await bot.say(kit, "/children")
        assert "born 23 July 2019" in listing.plain_text

        def files_holding_it() -> list[str]:
            found = []
            for suffix in ("", "-wal", "-journal"):
                part = Path(f"{path}{suffix}")
                if part.exists() and secret.encode() in part.read_bytes():
                    found.append(part.name)
            return found

        # As after an automatic checkpoint: the date is in the database file itself, where a
        # plain delete would leave it in a free page.
        with closing(sqlite3.connect(path)) as other:
            other.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        assert files_holding_it() == ["tipsbot.db"]
        ask = await bot.say(kit, "/forget")
        done = await bot.tap(kit, ask, "Yes")
        assert "erased" in done.plain_text
        assert files_holding_it() == []
