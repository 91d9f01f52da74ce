"""Every command is documented in README and has help; every chat command is in /help."""

from __future__ import annotations

from pathlib import Path

import click
from click.testing import CliRunner

from bot.cli import main
from bot.commands import COMMANDS

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def _commands(group: click.Group, prefix: str) -> list[tuple[str, click.Command]]:
    found: list[tuple[str, click.Command]] = []
    context = click.Context(group)
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        assert command is not None, name
        path = f"{prefix} {name}"
        found.append((path, command))
        if isinstance(command, click.Group):
            found += _commands(command, path)
    return found


def test_every_cli_command_has_help_and_is_in_the_readme() -> None:
    runner = CliRunner()
    commands = _commands(main, "tipsbot")
    assert len(commands) >= 15
    for path, command in commands:
        result = runner.invoke(main, [*path.split()[1:], "--help"])
        assert result.exit_code == 0, path
        assert command.help, f"{path} has no help text"
        if not isinstance(command, click.Group) or command.invoke_without_command:
            assert f"`{path}" in README, f"{path} is not described in README.md"


def test_every_chat_command_is_in_the_readme() -> None:
    for command in COMMANDS:
        assert f"/{command.name}" in README, command.name


def test_every_setting_is_in_the_env_example() -> None:
    import re

    from domain.settings import Settings

    example = (Path(__file__).resolve().parents[2] / ".env.example").read_text()
    for name in Settings.model_fields:
        assert re.search(rf"^#? ?{name.upper()}=", example, re.M), name.upper()
