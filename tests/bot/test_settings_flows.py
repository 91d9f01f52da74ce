"""Changing things later: children, pause and automatic resume, stop and undo, forget."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from domain.models import Chat, ChatStatus
from scheduler.housekeeping import resume_ended_pauses
from tests.bot.harness import Harness, count_rows_for_chat, running_bot
from tests.fakebotapi._models import FakeUser


async def onboard(bot: Harness, user: FakeUser) -> None:
    first = await bot.say(user, "/start")
    step = await bot.tap(user, first, "Next")
    step = await bot.tap(user, step, "✅")  # the nation ticked already
    step = await bot.tap(user, step, "Skip")
    step = await bot.tap(user, step, "Next")
    await bot.tap(user, step, "Confirm")


async def test_children_add_edit_remove_and_situation_changed(migrated_url: str) -> None:
    async with running_bot(migrated_url) as bot:
        dee = bot.api.make_user("Dee", language_code="en")
        await onboard(bot, dee)
        listing = await bot.say(dee, "/children")
        question = await bot.tap(dee, listing, "due date")
        assert "When is the baby due?" in question.plain_text

        bad = await bot.say(dee, "31/2/2027", reply_to=question)
        assert "doesn't exist" in bad.plain_text
        too_far = await bot.say(dee, "1 January 2028", reply_to=bad)
        assert "more than 42 weeks" in too_far.plain_text
        listing = await bot.say(dee, "3 April 2027", reply_to=too_far)
        assert "due 3 April 2027" in listing.plain_text

        question = await bot.tap(dee, listing, "birth date")
        future = await bot.say(dee, "2027-01-01", reply_to=question)
        assert "can't be in the future" in future.plain_text
        listing = await bot.say(dee, "1/5/2024", reply_to=future)
        assert "born 1 May 2024" in listing.plain_text
        profile = await bot.profile(dee.id)
        assert profile is not None and len(profile.children) == 2

        detail = await bot.tap(dee, listing, "✏️ 2")
        question = await bot.tap(dee, detail, "Change the date")
        listing = await bot.say(dee, "2 May 2024", reply_to=question)
        assert "born 2 May 2024" in listing.plain_text

        detail = await bot.tap(dee, listing, "✏️ 1")
        confirm = await bot.tap(dee, detail, "situation has changed")
        gentle = await bot.tap(dee, confirm, "Yes, stop them")
        assert "Thank you for telling us" in gentle.plain_text
        assert "?" not in gentle.plain_text  # nothing is asked
        profile = await bot.profile(dee.id)
        assert profile is not None
        stopped = [c for c in profile.children if c.content_stopped_at is not None]
        assert [c.due_date.isoformat() for c in stopped if c.due_date] == ["2027-04-03"]

        listing = await bot.say(dee, "/children")
        detail = await bot.tap(dee, listing, "✏️ 2")
        confirm = await bot.tap(dee, detail, "Remove")
        await bot.tap(dee, confirm, "Yes, remove")
        profile = await bot.profile(dee.id)
        assert profile is not None and len(profile.children) == 1


async def test_pause_for_a_week_then_it_resumes_by_itself(migrated_url: str) -> None:
    async with running_bot(migrated_url) as bot:
        eve = bot.api.make_user("Eve", language_code="en")
        await onboard(bot, eve)
        menu = await bot.say(eve, "/pause")
        paused = await bot.tap(eve, menu, "1 week")
        assert "paused until Thursday, 3 December 2026" in paused.plain_text
        profile = await bot.profile(eve.id)
        assert profile is not None and profile.chat.status == ChatStatus.PAUSED
        assert profile.schedule.next_slot_at is not None
        assert profile.schedule.next_slot_at >= bot.clock.now + timedelta(weeks=1)

        bot.clock.advance(timedelta(days=6))
        assert await resume_ended_pauses(bot.services.sessions, bot.clock) == []
        bot.clock.advance(timedelta(days=1, minutes=1))
        assert len(await resume_ended_pauses(bot.services.sessions, bot.clock)) == 1
        profile = await bot.profile(eve.id)
        assert profile is not None and profile.chat.status == ChatStatus.ACTIVE
        assert profile.chat.paused_until is None


async def test_stop_then_one_tap_undo(migrated_url: str) -> None:
    async with running_bot(migrated_url) as bot:
        fay = bot.api.make_user("Fay", language_code="en")
        await onboard(bot, fay)
        stopped = await bot.say(fay, "/stop")
        assert "no more tips" in stopped.plain_text
        profile = await bot.profile(fay.id)
        assert profile is not None and profile.chat.status == ChatStatus.STOPPED
        back = await bot.tap(fay, stopped, "Undo")
        assert "Tips are on again" in back.plain_text
        profile = await bot.profile(fay.id)
        assert profile is not None and profile.chat.status == ChatStatus.ACTIVE


async def test_forget_leaves_no_row_about_the_chat(migrated_url: str) -> None:
    async with running_bot(migrated_url) as bot:
        gus = bot.api.make_user("Gus", language_code="en")
        await onboard(bot, gus)
        listing = await bot.say(gus, "/children")
        question = await bot.tap(gus, listing, "birth date")
        await bot.say(gus, "1/5/2025", reply_to=question)
        tip = await bot.say(gus, "/tip")
        await bot.press(gus, tip, "👍")
        profile = await bot.profile(gus.id)
        assert profile is not None and profile.chat.id is not None
        row_id = profile.chat.id
        before = await count_rows_for_chat(bot.services, row_id)
        assert before["child"] == 1 and before["delivery"] == 1 and before["feedback"] == 1

        mine = await bot.say(gus, "/mydata")
        assert str(gus.id) in mine.plain_text
        ask = await bot.say(gus, "/forget")
        done = await bot.tap(gus, ask, "Yes")
        assert "everything about this chat is erased" in done.plain_text

        after = await count_rows_for_chat(bot.services, row_id)
        assert all(n == 0 for n in after.values()), after
        async with bot.services.sessions() as session:
            rows = (await session.exec(select(Chat).where(Chat.telegram_id == gus.id))).all()
            assert rows == []
        assert await bot.profile(gus.id) is None
        again = await bot.say(gus, "/mydata")  # asking what is stored stores nothing
        assert again.plain_text == "I store nothing about this chat."
        assert await bot.profile(gus.id) is None


async def test_unknown_commands_get_a_pointer_and_stale_buttons_are_answered(
    migrated_url: str,
) -> None:
    # Free text is a question for tipsbot now: tests/bot/test_ask.py.
    async with running_bot(migrated_url) as bot:
        hal = bot.api.make_user("Hal", language_code="en")
        reply = await bot.say(hal, "/nonsense")
        assert "/help" in reply.plain_text
        menu = await bot.say(hal, "/start")
        since = len(bot.api.calls)
        bot.api.press_button(hal, menu, "zz:forged:data", strict=False)
        call = await bot.api.wait_for_call(lambda c: c.method == "answerCallbackQuery", since=since)
        assert call.status == 200
