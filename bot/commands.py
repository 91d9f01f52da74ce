"""The command menu: registered with setMyCommands per language and scope, and shown by /help."""

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
    Command("pause", N_("Pause tips for a while"), N_("Pause the group's tips for a while")),
    Command("resume", N_("Resume tips"), N_("Resume the group's tips")),
    Command("stop", N_("Stop all tips"), N_("Stop all tips in this group")),
    Command("mydata", N_("See what is stored"), N_("See what is stored about this group")),
    Command("forget", N_("Erase everything stored"), N_("Erase everything about this group")),
    Command("cancel", N_("Cancel the open question")),
    Command("help", N_("How tipsbot works"), group_member=True),
)


def localized(commands: list[Command], t: Translator, *, group: bool = False) -> list[BotCommand]:
    return [BotCommand(c.name, t.gettext(c.described(group=group))) for c in commands]


async def register_commands(bot: Bot, catalogs: Catalogs) -> None:
    """setMyCommands for private chats, group admins and group members, in every language."""
    scopes = (
        (BotCommandScopeAllPrivateChats(), [c for c in COMMANDS if c.private], False),
        (BotCommandScopeAllChatAdministrators(), [c for c in COMMANDS if c.group_admin], True),
        (BotCommandScopeAllGroupChats(), [c for c in COMMANDS if c.group_member], True),
    )
    try:
        default = catalogs.for_language(catalogs.default_language)
        await bot.set_my_commands(
            localized(list(COMMANDS), default), scope=BotCommandScopeDefault()
        )
        for language in catalogs.languages:
            t = catalogs.for_language(language)
            for scope, commands, group in scopes:
                await bot.set_my_commands(
                    localized(commands, t, group=group), scope=scope, language_code=language
                )
    except TelegramError as exc:  # the menu is a convenience; the bot works without it
        log.warning("could not register the command menu: %s", exc)
