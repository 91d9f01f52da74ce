"""Commands in a group: its own /help, /tip for everyone but a few an hour, a member's /mydata
pointing to a private chat; and commands that must not create a chat's record."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from sqlmodel import func, select

from bot.commands import COMMANDS
from domain.models import Chat
from tests.bot.harness import Harness, running_bot, seed_chat
from tests.fakebotapi import FakeChat, FakeUser, SentMessage


def gettext(bot: Harness, language: str) -> Callable[[str], str]:
    return bot.services.catalogs.for_language(language).gettext


async def chat_rows(bot: Harness) -> int:
    async with bot.services.sessions() as session:
        return (await session.exec(select(func.count()).select_from(Chat))).one()


def listed_commands(message: SentMessage) -> list[str]:
    return [line.split()[0] for line in message.plain_text.splitlines() if line.startswith("/")]


async def quiet(bot: Harness, user: FakeUser, chat: FakeChat) -> list[SentMessage]:
    """What the bot sent in `chat` for everything before a /help sent now (one at a time per
    chat, so its answer comes after theirs); the /help answer itself left out."""
    since = len(bot.api.sent)
    help_text = await bot.say(user, "/help", chat=chat)
    return [m for m in bot.api.sent[since:] if m.chat_id == chat.id and m is not help_text]


@pytest.mark.parametrize("language", ["en", "pl"])
async def test_a_groups_help_lists_what_works_there_in_group_words(
    migrated_url: str, language: str
) -> None:
    async with running_bot(migrated_url) as bot:
        _ = gettext(bot, language)
        ada = bot.api.make_user("Ada", language_code=language)
        bo = bot.api.make_user("Bo", language_code=language)
        group = bot.api.make_group("Parents", admins=[ada], members=[bo])
        await seed_chat(bot.services, group.id, kind="group", language=language)

        for user in (ada, bo):
            shown = await bot.say(user, "/help", chat=group)
            text = shown.plain_text
            assert (
                _(
                    "I send short, trusted tips for families to this group, "
                    "on the days and at the time its admins choose."
                )
                in text
            )
            everyone, admins = text.split(_("The group's admins:"))
            assert listed_commands_in(everyone) == ["/tip", "/ask", "/help"]
            assert f"/tip — {_('Get a tip now (a few an hour)')}" in everyone
            topics = _("Choose the group's topics")
            assert f"/topics — {topics}" in admins
            assert f"/forget — {_('Erase everything about this group')}" in admins
            assert f"/cancel — {_('Cancel the open question')}" in admins
            assert _("Your UK nation") not in text  # private-chat wording
            assert len(listed_commands(shown)) == len(COMMANDS)

        private = await bot.say(ada, "/help")
        assert _("Your UK nation") in private.plain_text
        assert _("Everyone in the group:") not in private.plain_text
        assert listed_commands(private) == [f"/{c.name}" for c in COMMANDS]


def listed_commands_in(text: str) -> list[str]:
    return [line.split()[0] for line in text.splitlines() if line.startswith("/")]


@pytest.mark.parametrize("language", ["en", "uk"])
async def test_a_members_mydata_in_a_group_points_to_a_private_chat(
    migrated_url: str, language: str
) -> None:
    async with running_bot(migrated_url) as bot:
        _ = gettext(bot, language)
        ada = bot.api.make_user("Ada", language_code=language)
        bo = bot.api.make_user("Bo", language_code=language)
        group = bot.api.make_group("Parents", admins=[ada], members=[bo])
        await seed_chat(bot.services, group.id, kind="group", language=language)

        pointer = await bot.say(bo, "/mydata", chat=group)
        assert pointer.text == _(
            "/mydata shows what I store about you in a private chat with me. About this group "
            "I store only its settings, which its admins can see."
        )
        assert _("Only the group's admins can change these settings.") not in pointer.plain_text
        [[button]] = (pointer.reply_markup or {})["inline_keyboard"]
        assert button == {
            "text": _("Open a private chat"),
            "url": f"https://t.me/{bot.api.bot_user.username}",
        }
        # The group's admins still see what is stored about the group.
        shown = await bot.say(ada, "/mydata", chat=group)
        assert str(group.id) in shown.plain_text


@pytest.mark.parametrize("language", ["en", "pl"])
async def test_tip_in_a_group_is_limited_to_three_an_hour(migrated_url: str, language: str) -> None:
    async with running_bot(migrated_url) as bot:
        _ = gettext(bot, language)
        ada = bot.api.make_user("Ada", language_code=language)
        bo = bot.api.make_user("Bo", language_code=language)
        cy = bot.api.make_user("Cy", language_code=language)
        group = bot.api.make_group("Parents", admins=[ada], members=[bo, cy])
        await seed_chat(
            bot.services, group.id, kind="group", language=language, born=date(2026, 3, 1)
        )

        for user in (bo, cy, ada):  # members and admins alike
            tip = await bot.say(user, "/tip", chat=group)
            assert tip.button_data and tip.button_data[0].startswith("fb:")
            bot.clock.advance(timedelta(minutes=10))
        # 30 minutes after the first of the three: the next may come in 30.
        limit = await bot.say(bo, "/tip", chat=group)
        assert limit.text == gettext_plural(bot, language, 30)
        bot.api.send_text(cy, "/tip", chat=group)  # told once: then quiet
        bot.api.send_text(ada, "/tip", chat=group)
        assert await quiet(bot, ada, group) == []

        bot.clock.advance(timedelta(minutes=29))
        bot.api.send_text(bo, "/tip", chat=group)  # still within the hour: nothing
        assert await quiet(bot, ada, group) == []
        bot.clock.advance(timedelta(minutes=1))
        tip = await bot.say(cy, "/tip", chat=group)
        assert tip.button_data and tip.button_data[0].startswith("fb:")


def gettext_plural(bot: Harness, language: str, minutes: int) -> str:
    t = bot.services.catalogs.for_language(language)
    return t.ngettext(
        "That is as many tips on request as a group can have in an hour. "
        "The next one can come in %(minutes)d minute.",
        "That is as many tips on request as a group can have in an hour. "
        "The next one can come in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


@pytest.mark.parametrize("language", ["en", "cy"])
async def test_commands_from_strangers_create_no_record(migrated_url: str, language: str) -> None:
    async with running_bot(migrated_url) as bot:
        _ = gettext(bot, language)
        eve = bot.api.make_user("Eve", language_code=language)
        ada = bot.api.make_user("Ada", language_code=language)
        bo = bot.api.make_user("Bo", language_code=language)
        group = bot.api.make_group("Parents", admins=[ada], members=[bo])
        assert await chat_rows(bot) == 0

        await bot.say(eve, "/help")
        shown = await bot.say(eve, "/mydata")
        assert shown.text == _("I store nothing about this chat.")
        assert await chat_rows(bot) == 0
        await bot.say(eve, "/cancel")
        await bot.say(bo, "/help", chat=group)
        await bot.say(bo, "/mydata", chat=group)
        await bot.say(ada, "/mydata", chat=group)
        await bot.say(ada, "/cancel", chat=group)
        not_set_up = await bot.say(bo, "/tip", chat=group)
        assert not_set_up.text == _("Tips are not set up here yet. A group admin can send /start.")
        assert await chat_rows(bot) == 0
        assert await bot.profile(eve.id) is None and await bot.profile(group.id) is None
