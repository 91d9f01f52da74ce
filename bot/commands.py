"""The command menu (setMyCommands per language and scope, also shown by /help) and the bot's
description and short description (setMyDescription / setMyShortDescription per language),
all set at start-up, each with a language-free fallback for every other language."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeDefault,
)
from telegram.error import TelegramError

from domain.i18n import N_, Catalogs, Translator

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Command:
    name: str
    description: str  # an untranslated msgid, worded for a private chat
    group_description: str | None = None  # the same for a group ("the group's ..."), if other
    private: bool = True
    group_admin: bool = True
    group_member: bool = False

    def described(self, *, group: bool) -> str:
        """The untranslated description for a private chat or a group."""
        return (self.group_description if group else None) or self.description


COMMANDS: tuple[Command, ...] = (
    Command("start", N_("Start or set up tips"), N_("Set up tips for this group")),
    Command("settings", N_("All settings in one place"), N_("All the group's settings")),
    Command("topics", N_("Choose topics"), N_("Choose the group's topics")),
    Command("children", N_("Add or change children"), N_("Due and birth dates tips follow")),
    Command("schedule", N_("Days, time and time zone"), N_("The group's days, time and time zone")),
    Command("language", N_("Change language"), N_("Change the group's language")),
    Command("region", N_("Your UK nation"), N_("The group's UK nation")),
    Command("tip", N_("Get a tip now"), N_("Get a tip now (a few an hour)"), group_member=True),
    Command(
        "ask",
        N_("Ask a question in your own words"),
        N_("Ask a question; the group sees the answer"),
        group_member=True,
    ),
    Command("pause", N_("Pause tips for a while"), N_("Pause the group's tips for a while")),
    Command("resume", N_("Resume tips"), N_("Resume the group's tips")),
    Command("stop", N_("Stop all tips"), N_("Stop all tips in this group")),
    Command("mydata", N_("See what is stored"), N_("See what is stored about this group")),
    Command("forget", N_("Erase everything stored"), N_("Erase everything about this group")),
    Command("cancel", N_("Cancel the open question")),
    Command("help", N_("How tipsbot works"), group_member=True),
)


# What people see before they start: the description in the empty chat (at most 512
# characters), the short one on the bot's profile and in shared links (at most 120).
DESCRIPTION = N_(
    "Short, trusted tips for parents, from pregnancy to the first school years: health, "
    "wellbeing and learning, on the days and at the time you choose. Tap Start to choose "
    "your topics; add a due date or birth date and the tips follow your child's age. "
    "No names or messages are stored: /mydata shows what is, /forget erases it."
)
SHORT_DESCRIPTION = N_(
    "Trusted tips for parents, from pregnancy to school age, when you want them."
)
DESCRIPTION_LIMIT, SHORT_DESCRIPTION_LIMIT = 512, 120


def localized(commands: list[Command], t: Translator, *, group: bool = False) -> list[BotCommand]:
    return [BotCommand(c.name, t.gettext(c.described(group=group))) for c in commands]


async def register_commands(bot: Bot, catalogs: Catalogs) -> None:
    """setMyCommands for private chats, group admins and group members, and the descriptions,
    in every language; without a language code in the default language, for the languages
    tipsbot does not speak (Telegram shows those when there is nothing in the user's)."""
    scopes = (
        (BotCommandScopeAllPrivateChats(), [c for c in COMMANDS if c.private], False),
        (BotCommandScopeAllChatAdministrators(), [c for c in COMMANDS if c.group_admin], True),
        (BotCommandScopeAllGroupChats(), [c for c in COMMANDS if c.group_member], True),
    )
    default = catalogs.for_language(catalogs.default_language)
    languages: list[tuple[str | None, Translator]] = [(None, default)]
    languages += [(code, catalogs.for_language(code)) for code in catalogs.languages]
    try:
        await bot.set_my_commands(
            localized(list(COMMANDS), default), scope=BotCommandScopeDefault()
        )
        for language, t in languages:
            for scope, commands, group in scopes:
                await bot.set_my_commands(
                    localized(commands, t, group=group), scope=scope, language_code=language
                )
            await bot.set_my_description(t.gettext(DESCRIPTION), language_code=language)
            await bot.set_my_short_description(t.gettext(SHORT_DESCRIPTION), language_code=language)
    except TelegramError as exc:  # the menu is a convenience; the bot works without it
        log.warning("could not register the command menu and descriptions: %s", exc)
