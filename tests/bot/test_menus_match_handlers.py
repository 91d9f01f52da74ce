"""The command menus the bot publishes (setMyCommands) and the commands it answers agree."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from telegram.ext import BaseHandler, CommandHandler, ConversationHandler

from bot.commands import register_commands
from bot.handlers import editors
from domain.migrations import upgrade_async
from tests.bot.harness import running_bot

SCOPES = ("all_private_chats", "all_chat_administrators", "all_group_chats")


def handled_commands(handlers: Iterable[BaseHandler[Any, Any, Any]]) -> set[str]:
    """Every command a CommandHandler answers, inside conversations too."""
    found: set[str] = set()
    for handler in handlers:
        if isinstance(handler, CommandHandler):
            found |= set(handler.commands)
        elif isinstance(handler, ConversationHandler):
            nested = [*handler.entry_points, *handler.fallbacks]
            nested += [h for state in handler.states.values() for h in state]
            found |= handled_commands(nested)
    return found


async def test_every_menu_command_is_answered_and_only_editors_commands_are_unlisted(
    sqlite_url: str,
) -> None:
    await upgrade_async(sqlite_url)  # the menus do not depend on the database's kind
    async with running_bot(sqlite_url) as bot:
        await register_commands(bot.app.bot, bot.services.catalogs)
        handled = handled_commands(h for group in bot.app.handlers.values() for h in group)
        menus: dict[tuple[str, str], list[dict[str, Any]]] = {
            ("default", ""): bot.api.get_commands(None, "")
        }
        for language in bot.services.catalogs.languages:
            for scope in SCOPES:
                menus[(scope, language)] = bot.api.get_commands({"type": scope}, language)
    assert all(menus.values()), [key for key, menu in menus.items() if not menu]
    listed: set[str] = set()
    for key, menu in menus.items():
        names = {entry["command"] for entry in menu}
        assert names <= handled, f"menu {key} lists commands nobody answers: {names - handled}"
        listed |= names
    # Editors' commands answer only ADMIN_USER_IDS, so they are deliberately kept out of the
    # menus everybody sees; every other command must be findable in some menu.
    admin_only = handled_commands(editors.build_handlers(frozenset({1})))
    assert admin_only == {"preview", "reload", "broadcast", "stats"}
    assert handled - listed == admin_only
    assert not admin_only & listed
