"""The CLI imports a command's module only when that command runs, so --help is instant."""

from __future__ import annotations

import json
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.cli.lazy import LazyGroup

HEAVY = ("telegram", "sqlalchemy", "sqlmodel", "alembic", "aiohttp", "scheduler", "apscheduler")

PROBE = """
import json, sys
from bot.cli import main
code = None
try:
    main(sys.argv[1:], prog_name="tipsbot")
except SystemExit as exit:
    code = exit.code
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def _modules_loaded_by(*args: str) -> tuple[str, set[str]]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    lines = result.stdout.splitlines()
    report = json.loads(lines[-1])
    assert report["code"] in (0, None), result.stderr
    return "\n".join(lines[:-1]), set(report["modules"])


@pytest.mark.parametrize("args", [("--help",), ("content", "--help"), ("db", "--help")])
def test_help_imports_neither_telegram_nor_the_database(args: tuple[str, ...]) -> None:
    out, modules = _modules_loaded_by(*args)
    assert "Usage: tipsbot" in out
    heavy = sorted(m for m in modules if m.split(".")[0] in HEAVY)
    assert heavy == [], f"tipsbot {' '.join(args)} imported {heavy[:5]}"


def test_root_help_imports_no_command_module() -> None:
    out, modules = _modules_loaded_by("--help")
    for name in main.commands.keys() | {"deliveries", "broadcast", "stats", "send-due"}:
        assert name in out
    loaded = sorted(m for m in modules if m.startswith("bot.cli."))
    assert loaded == ["bot.cli.lazy"]


def _lazy_groups(group: click.Group, path: str) -> list[tuple[str, LazyGroup]]:
    found: list[tuple[str, LazyGroup]] = []
    if isinstance(group, LazyGroup):
        found.append((path, group))
    context = click.Context(group)
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        if isinstance(command, click.Group):
            found += _lazy_groups(command, f"{path} {name}")
    return found


def test_every_lazy_summary_is_its_commands_own_help() -> None:
    groups = _lazy_groups(main, "tipsbot")
    assert [path for path, _ in groups] == ["tipsbot", "tipsbot db"]
    for path, group in groups:
        for name, lazy in group.lazy.items():
            command = lazy.load()
            assert command.name == name, f"{path} {name} loads {lazy.target} named {command.name}"
            assert lazy.summary == command.get_short_help_str(10**6), f"{path} {name}"


def test_the_lazy_help_reads_as_clicks_own() -> None:
    """The root help, built from summaries, equals the help click prints with every command
    loaded."""
    lazy_help = CliRunner().invoke(main, ["--help"], prog_name="tipsbot").output
    eager = click.Group(main.name, help=main.help, params=main.params)
    context = click.Context(main)
    for name in main.list_commands(context):
        command = main.get_command(context, name)
        assert command is not None
        eager.add_command(command, name)
    eager.context_settings = main.context_settings
    eager_help = CliRunner().invoke(eager, ["--help"], prog_name="tipsbot").output
    assert lazy_help == eager_help


def test_an_unknown_command_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["delivery"], prog_name="tipsbot")
    assert result.exit_code == 2
    assert "No such command 'delivery'" in result.output
