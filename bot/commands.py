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
    description: str  # an untranslated msgid
    private: bool = True
    group_admin: bool = True
    group_member: bool = False


COMMANDS: tuple[Command, ...] = (
    Command("start", N_("Start or set up tips")),
    Command("settings", N_("All settings in one place")),
    Command("topics", N_("Choose topics")),
    Command("children", N_("Add or change children")),
    Command("schedule", N_("Days, time and time zone")),
    Command("language", N_("Change language")),
    Command("region", N_("Your UK nation")),
    Command("tip", N_("Get a tip now"), group_member=True),
    Command("ask", N_("Ask a question in your own words"), group_member=True),
    Command("pause", N_("Pause tips for a while")),
    Command("resume", N_("Resume tips")),
    Command("stop", N_("Stop all tips")),
    Command("mydata", N_("See what is stored")),
    Command("forget", N_("Erase everything stored")),
    Command("help", N_("How tipsbot works"), group_member=True),
)


def localized(commands: list[Command], t: Translator) -> list[BotCommand]:
    return [BotCommand(c.name, t.gettext(c.description)) for c in commands]


async def register_commands(bot: Bot, catalogs: Catalogs) -> None:
    """setMyCommands for private chats, group admins and group members, in every language."""
    scopes = (
        (BotCommandScopeAllPrivateChats(), [c for c in COMMANDS if c.private]),
        (BotCommandScopeAllChatAdministrators(), [c for c in COMMANDS if c.group_admin]),
        (BotCommandScopeAllGroupChats(), [c for c in COMMANDS if c.group_member]),
    )
    try:
        default = catalogs.for_language(catalogs.default_language)
        await bot.set_my_commands(
            localized(list(COMMANDS), default), scope=BotCommandScopeDefault()
        )
        for language in catalogs.languages:
            t = catalogs.for_language(language)
            for scope, commands in scopes:
                await bot.set_my_commands(
                    localized(commands, t), scope=scope, language_code=language
                )
    except TelegramError as exc:  # the menu is a convenience; the bot works without it
        log.warning("could not register the command menu: %s", exc)
