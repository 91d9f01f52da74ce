"""/children: ages as parents count them (in the chat's language and its plural forms);
"our situation has changed" and "Remove" ask first; a removal can be undone for a while."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from domain.models import Child
from tests.bot.harness import Harness, button_data, button_labels, running_bot, seed_chat

TODAY = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


async def add_children(bot: Harness, chat_id: int, *children: Child) -> None:
    async with bot.services.sessions() as session:
        for child in children:
            child.chat_id = chat_id
            session.add(child)
        await session.commit()


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", ["12 months old", "22 months old", "born today", "2 days old", "2 years old"]),
        ("pl", ["12 miesięcy", "22 miesiące", "dziś", "2 dni", "2 lata"]),
    ],
)
async def test_children_shows_ages_that_count_birthdays_and_month_days(
    migrated_url: str, language: str, expected: list[str]
) -> None:
    async with running_bot(migrated_url) as bot:
        bot.clock.now = TODAY
        mum = bot.api.make_user("Mia", language_code=language)
        chat_id = await seed_chat(bot.services, mum.id, language=language)
        births = [date(2025, 12, 3), date(2025, 2, 3), date(2026, 12, 3), date(2026, 12, 1)]
        births.append(date(2024, 12, 3))
        await add_children(bot, chat_id, *(Child(chat_id=0, birth_date=b) for b in births))

        listed = await bot.say(mum, "/children")
        lines = listed.plain_text.splitlines()[1:]
        assert len(lines) == len(expected)
        for line, age in zip(lines, expected, strict=True):
            assert age in line, (line, age)
        assert "0 " not in listed.plain_text  # no "0 weeks old" for a newborn


@pytest.mark.parametrize("language", ["en", "ur"])
async def test_our_situation_has_changed_asks_first_and_then_lists_the_child_gently(
    migrated_url: str, language: str
) -> None:
    async with running_bot(migrated_url) as bot:
        _ = bot.services.catalogs.for_language(language).gettext
        mum = bot.api.make_user("Noor", language_code=language)
        await seed_chat(bot.services, mum.id, language=language, due=date(2027, 3, 1))

        listed = await bot.say(mum, "/children")
        child = await bot.tap(mum, listed, "✏️ 1")
        confirm = await bot.tap(mum, child, _("Our situation has changed"))
        assert button_labels(confirm) == [_("Yes, stop them"), _("No, go back")]
        back = await bot.tap(mum, confirm, _("No, go back"))
        assert _("Our situation has changed") in button_labels(back)
        profile = await bot.profile(mum.id)
        assert profile is not None and profile.children[0].content_stopped_at is None

        confirm = await bot.tap(mum, back, _("Our situation has changed"))
        done = await bot.tap(mum, confirm, _("Yes, stop them"))
        thanks = _(
            "Thank you for telling us. We have stopped tips about "
            "this pregnancy or child, starting now."
        )
        assert thanks in (done.text or "")
        profile = await bot.profile(mum.id)
        assert profile is not None and profile.children[0].content_stopped_at is not None

        listed = await bot.say(mum, "/children")
        gently = _("no tips about this pregnancy, as you asked")
        assert gently in listed.plain_text
        assert "paused" not in listed.plain_text
        opened = await bot.tap(mum, listed, "✏️ 1")
        assert button_labels(opened) == [_("Remove"), _("⬅️ Back")]


@pytest.mark.parametrize("language", ["en", "pl"])
async def test_remove_asks_first_and_undo_restores_the_child_exactly(
    migrated_url: str, language: str
) -> None:
    async with running_bot(migrated_url) as bot:
        _ = bot.services.catalogs.for_language(language).gettext
        bot.clock.now = TODAY
        mum = bot.api.make_user("Ola", language_code=language)
        chat_id = await seed_chat(bot.services, mum.id, language=language)
        stopped = datetime(2026, 11, 20, 9, 30, 5, tzinfo=UTC)
        await add_children(
            bot,
            chat_id,
            Child(chat_id=0, birth_date=date(2024, 5, 6)),
            Child(
                chat_id=0,
                due_date=date(2026, 11, 1),
                birth_date=date(2026, 10, 30),
                content_stopped_at=stopped,
                created_at=datetime(2026, 6, 1, 8, 0, 7, tzinfo=UTC),
            ),
        )
        before = await bot.profile(mum.id)
        assert before is not None
        kept = [
            (c.id, c.due_date, c.birth_date, c.content_stopped_at, c.created_at)
            for c in before.children
        ]

        listed = await bot.say(mum, "/children")
        opened = await bot.tap(mum, listed, "✏️ 2")
        confirm = await bot.tap(mum, opened, _("Remove"))
        assert button_labels(confirm) == [_("Yes, remove"), _("No, go back")]
        back = await bot.tap(mum, confirm, _("No, go back"))
        assert _("Remove") in button_labels(back)
        after_no = await bot.profile(mum.id)
        assert after_no is not None and len(after_no.children) == 2

        confirm = await bot.tap(mum, back, _("Remove"))
        removed = await bot.tap(mum, confirm, _("Yes, remove"))
        assert removed.plain_text.startswith(_("Removed."))
        assert button_labels(removed)[0] == _("↩️ Undo")
        gone = await bot.profile(mum.id)
        assert gone is not None and len(gone.children) == 1

        bot.clock.advance(timedelta(minutes=9))
        restored = await bot.tap(mum, removed, _("↩️ Undo"))
        assert _("↩️ Undo") not in button_labels(restored)
        back_again = await bot.profile(mum.id)
        assert back_again is not None
        again = [
            (c.id, c.due_date, c.birth_date, c.content_stopped_at, c.created_at)
            for c in back_again.children
        ]
        assert again == kept

        # A second tap on the old Undo (a client that still shows it) does not add it twice.
        since = len(bot.api.calls)
        bot.api.press_button(mum, removed, button_data(removed, _("↩️ Undo")), strict=False)
        await bot.api.wait_for_call(lambda c: c.method == "answerCallbackQuery", since=since)
        twice = await bot.profile(mum.id)
        assert twice is not None and len(twice.children) == 2


async def test_undo_is_offered_for_ten_minutes_only(migrated_url: str) -> None:
    async with running_bot(migrated_url) as bot:
        _ = bot.services.catalogs.for_language("pl").gettext
        mum = bot.api.make_user("Ewa", language_code="pl")
        await seed_chat(bot.services, mum.id, language="pl", born=date(2025, 1, 1))
        listed = await bot.say(mum, "/children")
        opened = await bot.tap(mum, listed, "✏️ 1")
        confirm = await bot.tap(mum, opened, _("Remove"))
        removed = await bot.tap(mum, confirm, _("Yes, remove"))

        bot.clock.advance(timedelta(minutes=11))
        since = len(bot.api.calls)
        late = await bot.tap(mum, removed, _("↩️ Undo"))
        too_late = _("It's too late to undo that. Add the date again below.")
        await bot.api.wait_for_call(
            lambda c: c.method == "answerCallbackQuery" and c.params.get("text") == too_late,
            since=since,
        )
        assert _("↩️ Undo") not in button_labels(late)
        profile = await bot.profile(mum.id)
        assert profile is not None and profile.children == ()


@pytest.mark.parametrize(("language", "typed"), [("en", "25/11/2026"), ("ur", "25/11/2026")])
async def test_a_baby_born_early_turns_the_pregnancy_into_the_baby(
    migrated_url: str, language: str, typed: str
) -> None:
    async with running_bot(migrated_url) as bot:
        _ = bot.services.catalogs.for_language(language).gettext
        t = bot.services.catalogs.for_language(language)
        mum = bot.api.make_user("Zara", language_code=language)
        await seed_chat(bot.services, mum.id, language=language, due=date(2027, 1, 10))

        listed = await bot.say(mum, "/children")
        opened = await bot.tap(mum, listed, "✏️ 1")
        when = await bot.tap(mum, opened, _("👶 Our baby is born"))
        assert button_labels(when) == []  # not "on the due date": that is still ahead
        asked = await bot.api.wait_for(
            lambda m: m.chat_id == mum.id and m.button_data == ["qa:cancel"], since=when.index
        )
        today = bot.clock().date()
        assert asked.text == _("Send the date of birth, for example %(example)s.") % {
            "example": bot.services.catalogs.for_language(language).example_date(today)
        }
        done = await bot.say(mum, typed, reply_to=asked)
        assert _("Congratulations! 🎉 From now on the tips follow your baby's age.") in (
            done.plain_text
        )
        age = t.ngettext("%(n)d day old", "%(n)d days old", 1) % {"n": 1}
        assert age in done.plain_text
        profile = await bot.profile(mum.id)
        assert profile is not None
        assert [(c.due_date, c.birth_date) for c in profile.children] == [
            (date(2027, 1, 10), date(2026, 11, 25))
        ]
