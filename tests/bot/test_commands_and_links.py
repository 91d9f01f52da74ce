"""The command menu per language and scope, and deep links with their QR codes."""

from __future__ import annotations

from pathlib import Path

import segno

from bot.commands import COMMANDS, register_commands
from bot.handlers.help import help_command  # noqa: F401  (the menu and /help share COMMANDS)
from tests.bot.harness import process_env, running_bot
from tests.e2e.tipsbot_process import run_tipsbot
from tests.fakebotapi import FakeBotAPI


async def test_commands_are_registered_per_language_and_scope(migrated_url: str) -> None:
    async with running_bot(migrated_url) as bot:
        await register_commands(bot.app.bot, bot.services.catalogs)
        private_en = bot.api.get_commands({"type": "all_private_chats"}, "en")
        private_pl = bot.api.get_commands({"type": "all_private_chats"}, "pl")
        admins_cy = bot.api.get_commands({"type": "all_chat_administrators"}, "cy")
        members_ur = bot.api.get_commands({"type": "all_group_chats"}, "ur")
        assert [c["command"] for c in private_en] == [c.name for c in COMMANDS]
        assert [c["command"] for c in private_pl] == [c.name for c in COMMANDS]
        assert private_pl[0]["description"] != private_en[0]["description"]  # translated
        assert {c["command"] for c in members_ur} == {"tip", "ask", "help"}
        assert "start" in {c["command"] for c in admins_cy}
        assert bot.api.get_commands(None, "")  # a default for every other language


async def test_descriptions_and_fallback_menus_are_set_for_every_language(
    migrated_url: str,
) -> None:
    async with running_bot(migrated_url) as bot:
        await register_commands(bot.app.bot, bot.services.catalogs)
        api = bot.api
        languages = ["", *bot.services.catalogs.languages]
        assert set(api.descriptions) == set(languages)
        assert set(api.short_descriptions) == set(languages)
        for language in languages:
            assert 0 < len(api.descriptions[language]) <= 512
            assert 0 < len(api.short_descriptions[language]) <= 120
        assert api.descriptions[""] == api.descriptions["en"]  # the fallback: the default
        assert api.descriptions["pl"] != api.descriptions["en"]  # translated
        assert api.short_descriptions["ur"] != api.short_descriptions["en"]
        members = api.get_commands({"type": "all_group_chats"}, "")
        admins = api.get_commands({"type": "all_chat_administrators"}, "")
        private = api.get_commands({"type": "all_private_chats"}, "")
        assert {c["command"] for c in members} == {"tip", "ask", "help"}
        assert "start" in {c["command"] for c in admins}
        assert [c["command"] for c in private] == [c.name for c in COMMANDS]


async def test_link_prints_the_deep_link_and_writes_its_qr_code(tmp_path: Path) -> None:
    async with FakeBotAPI(bot_username="parents_tips_bot") as api:
        env = process_env(api, f"sqlite:///{tmp_path / 'x.db'}")
        code, out, err = await run_tipsbot(
            "link",
            "learning",
            "--output",
            str(tmp_path / "qr.png"),
            env=env,
            cwd=tmp_path,
            seconds=60,
        )
    assert code == 0, err
    url = "https://t.me/parents_tips_bot?start=learning"
    assert out.splitlines()[0] == url
    png = (tmp_path / "qr.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    expected = tmp_path / "expected.png"
    segno.make(url, error="m").save(str(expected), scale=10, border=4)
    assert png == expected.read_bytes()  # the code encodes exactly that link
