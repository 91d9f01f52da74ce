"""/settings and /schedule as families see them: pauses, children, language and nation, the
schedule's own keyboard, and what quiet hours do to a chosen time."""

from __future__ import annotations

from datetime import date, timedelta

from domain.models import ChatStatus
from tests.bot.harness import Harness, button_labels, running_bot, seed_chat
from tests.fakebotapi._models import FakeUser


async def seeded(bot: Harness, name: str, language: str, **kwargs: object) -> FakeUser:
    user = bot.api.make_user(name, language_code=language)
    await seed_chat(bot.services, user.id, language=language, **kwargs)  # type: ignore[arg-type]
    return user


async def test_settings_during_a_pause_until_resume_says_so(migrated_url: str) -> None:
    async with running_bot(migrated_url) as bot:
        ann = await seeded(bot, "Ann", "en", status=ChatStatus.PAUSED)
        shown = (await bot.say(ann, "/settings")).plain_text
        assert "Tips are paused. Send /resume when you want them again." in shown
        assert "next tip" not in shown

        ola = await seeded(bot, "Ola", "pl", status=ChatStatus.PAUSED)
        shown = (await bot.say(ola, "/settings")).plain_text
        assert "Porady są wstrzymane. Wyślij /resume" in shown
        assert "Następna porada" not in shown

        # /schedule said the same thing wrong: its line is the same one.
        shown = (await bot.say(ola, "/schedule")).plain_text
        assert "Porady są wstrzymane. Wyślij /resume" in shown
        assert "Następna porada" not in shown


async def test_settings_during_a_timed_pause_name_its_end(migrated_url: str) -> None:
    async with running_bot(migrated_url) as bot:
        until = bot.clock.now + timedelta(weeks=1)
        ben = await seeded(bot, "Ben", "en", status=ChatStatus.PAUSED, paused_until=until)
        shown = (await bot.say(ben, "/settings")).plain_text
        assert "Tips are paused until Thursday, 3 December 2026." in shown
        assert "Your next tip" not in shown

        ali = await seeded(bot, "Ali", "ur", status=ChatStatus.PAUSED, paused_until=until)
        shown = (await bot.say(ali, "/settings")).plain_text
        assert "تک رکے ہوئے ہیں" in shown
        assert "آپ کا اگلا مشورہ" not in shown

        bot.clock.advance(timedelta(weeks=1, minutes=1))  # the pause is over: the next tip
        shown = (await bot.say(ben, "/settings")).plain_text
        assert "Your next tip comes on Friday, 4 December 2026 at 10:00." in shown


async def test_settings_show_children_language_and_nation(migrated_url: str) -> None:
    async with running_bot(migrated_url) as bot:
        born = bot.clock.now.date() - timedelta(days=21)
        cai = await seeded(bot, "Cai", "en", region="wales", born=born)
        shown = (await bot.say(cai, "/settings")).plain_text
        assert "Children: born" in shown and "3 weeks old" in shown
        assert "Language: English" in shown
        assert "Nation: Wales" in shown
        assert "Your next tip comes on Friday" in shown

        ola = await seeded(bot, "Ola", "pl", region="scotland", due=date(2027, 3, 1))
        shown = (await bot.say(ola, "/settings")).plain_text
        assert "Dzieci: " in shown and "brak" not in shown
        assert "Język: Polski" in shown
        assert "Kraj: Szkocja" in shown

        ali = await seeded(bot, "Ali", "ur")
        shown = (await bot.say(ali, "/settings")).plain_text
        assert "بچے: کوئی نہیں" in shown
        assert "زبان: اردو" in shown
        assert "ملک: انگلینڈ" in shown


async def test_typed_time_closes_the_old_schedule_keyboard(migrated_url: str) -> None:
    async with running_bot(migrated_url) as bot:
        dee = await seeded(bot, "Dee", "en")
        menu = await bot.say(dee, "/schedule")
        question = await bot.tap(dee, menu, "Other time")
        since = len(bot.api.sent)
        shown = await bot.say(dee, "09:30", reply_to=question)
        assert "at 09:30" in shown.plain_text
        retired = [
            m
            for m in bot.api.sent[since:]
            if m.method == "editMessageReplyMarkup" and m.message_id == menu.message_id
        ]
        assert retired, "the old /schedule keyboard was left live"
        stored = bot.api.last_message(dee.id, include_edits=True)
        assert stored is not None and stored.message_id == shown.message_id
        old = [m for m in bot.api.messages_to(dee.id, include_edits=True) if m is retired[-1]]
        assert old and not (old[0].reply_markup or {}).get("inline_keyboard")


async def test_schedule_marks_days_like_times_and_says_every_day(migrated_url: str) -> None:
    async with running_bot(migrated_url) as bot:
        cases = (("Eve", "en", "Every day at"), ("Ewa", "pl", "Codziennie o"))
        for name, language, every_day in cases:
            user = await seeded(bot, name, language)
            menu = await bot.say(user, "/schedule")
            ticked = [label for label in button_labels(menu) if label.startswith("✅")]
            assert ticked and all(label.startswith("✅ ") for label in ticked), ticked
            daily = await bot.tap(user, menu, "data=sc:f:7")
            assert every_day in daily.plain_text, daily.plain_text
            assert sum(label.startswith("✅ ") for label in button_labels(daily)) == 1 + 7 + 1


async def test_time_in_quiet_hours_is_explained(migrated_url: str) -> None:
    async with running_bot(migrated_url) as bot:
        fay = await seeded(bot, "Fay", "en")
        menu = await bot.say(fay, "/schedule")
        question = await bot.tap(fay, menu, "Other time")
        shown = (await bot.say(fay, "22:30", reply_to=question)).plain_text
        assert "22:30 is within the quiet hours (21:00–08:00)" in shown
        assert "so tips come at 08:00" in shown
        assert "Your next tip comes on Saturday, 28 November 2026 at 08:00." in shown

        ola = await seeded(bot, "Ola", "pl", quiet=("22:00", "07:00"))
        menu = await bot.say(ola, "/schedule")
        question = await bot.tap(ola, menu, "data=sc:ask:time")
        shown = (await bot.say(ola, "23:15", reply_to=question)).plain_text
        assert "23:15" in shown and "22:00–07:00" in shown and "07:00" in shown

        # An ordinary time says nothing about quiet hours.
        menu = await bot.say(fay, "/schedule")
        changed = await bot.tap(fay, menu, "10:00")
        assert "quiet hours" not in changed.plain_text
