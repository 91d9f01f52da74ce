"""Operators' mistakes end a command with one clear line and a non-zero exit code: a library
with no tips, a misspelt filter, an unreachable database, a folder that does not exist."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.bot.harness import REPO

GOOD_TOKEN = "123456789:" + "A" * 35
UNREACHABLE_PG = "postgresql://tipsbot:s3cret@127.0.0.1:1/nothing"


def tipsbot(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    inherited = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TELEGRAM_", "DATABASE_", "CONTENT_"))
    }
    settings = {
        "TELEGRAM_BOT_TOKEN": GOOD_TOKEN,
        # Nothing listens there: a command that reaches Telegram fails at once.
        "TELEGRAM_BASE_URL": "http://127.0.0.1:1/bot",
        "DATABASE_URL": f"sqlite+aiosqlite:///{cwd / 'tipsbot.db'}",
        "CONTENT_DIR": str(REPO / "content"),
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env={**inherited, **settings, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def one_line(result: subprocess.CompletedProcess[str], code: int) -> str:
    """The single error line of a command that failed with `code`."""
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert result.returncode == code, result.stderr
    return lines[0]


@pytest.mark.parametrize(
    "args",
    [("run",), ("send-due", "--dry-run"), ("broadcast", "h-safe-sleep-on-back", "--dry-run")],
)
def test_a_library_without_tips_is_an_error_that_names_content_dir(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    # Started in the wrong folder: the default CONTENT_DIR (./content) is not there.
    result = tipsbot(*args, cwd=tmp_path, CONTENT_DIR="content")
    line = one_line(result, 2)
    assert "no tips in" in line and str(tmp_path / "content") in line
    assert "CONTENT_DIR" in line and "topics.yaml is missing" in line
    assert not (tmp_path / "tipsbot.db").exists()  # stopped before touching the database


@pytest.mark.parametrize(
    ("option", "value", "needles"),
    [
        ("--region", "mars", ("'mars' is not one of", "'scotland'", "'northern-ireland'")),
        ("--topic", "healht", ("'healht'", "did you mean 'health'", "learning")),
        ("--language", "fr", ("'fr'", "cy, en, pl, uk, ur")),
    ],
)
def test_a_misspelt_broadcast_filter_is_refused_with_the_valid_values(
    tmp_path: Path, option: str, value: str, needles: tuple[str, ...]
) -> None:
    result = tipsbot("broadcast", "h-safe-sleep-on-back", option, value, "--yes", cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert "chats" not in result.stdout  # nothing was counted, let alone planned
    for needle in needles:
        assert needle in result.stderr


def test_an_unknown_delivery_status_lists_the_statuses(tmp_path: Path) -> None:
    line = one_line(tipsbot("deliveries", "--status", "bogus", cwd=tmp_path), 2)
    assert "'bogus'" in line
    assert "failed, planned, retrying, sending, sent, skipped, unknown" in line


@pytest.mark.parametrize(
    "args",
    [("stats",), ("deliveries",), ("deliveries", "--follow"), ("db", "purge"), ("db", "upgrade")],
)
def test_an_unreachable_database_is_one_line_without_the_password(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    line = one_line(tipsbot(*args, cwd=tmp_path, DATABASE_URL=UNREACHABLE_PG), 1)
    assert "cannot use the database" in line and "DATABASE_URL" in line
    assert "s3cret" not in line


def test_link_to_a_folder_that_does_not_exist_is_one_line(tmp_path: Path) -> None:
    target = tmp_path / "nonexistent" / "x.png"
    result = tipsbot(
        "link", "learning", "--bot-username", "tips_bot", "--output", str(target), cwd=tmp_path
    )
    line = one_line(result, 1)
    assert "--output" in line and str(target.parent) in line and "does not exist" in line


def test_link_to_an_unwritable_file_is_one_line(tmp_path: Path) -> None:
    # /proc takes no new files, not even from root.
    result = tipsbot(
        "link", "learning", "--bot-username", "tips_bot", "--output", "/proc/qr.png", cwd=tmp_path
    )
    assert "cannot write" in one_line(result, 1)


def test_db_upgrade_says_which_migrations_it_applied(database_url: str, tmp_path: Path) -> None:
    first = tipsbot("db", "upgrade", cwd=tmp_path, DATABASE_URL=database_url)
    assert first.returncode == 0, first.stderr
    lines = first.stdout.splitlines()
    revisions = sorted(p.name[:4] for p in (REPO / "alembic" / "versions").glob("[0-9]*.py"))
    assert lines[0].startswith(f"applied {len(revisions)} migrations to ")
    assert [line.split()[0] for line in lines[1:-1]] == revisions
    assert "initial schema" in lines[1]
    assert lines[-1] == f"database is now at revision {revisions[-1]}"
    again = tipsbot("db", "upgrade", cwd=tmp_path, DATABASE_URL=database_url)
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith(f"database already up to date (revision {revisions[-1]})")
