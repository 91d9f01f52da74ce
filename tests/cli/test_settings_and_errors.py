"""Bad configuration gives one clear line, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from domain.settings import ConfigError, load_settings

GOOD_TOKEN = "123456789:" + "A" * 35


def _tipsbot(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_"))}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env={**base, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _assert_one_clear_line(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    for needle in needles:
        assert needle in lines[0]


@pytest.mark.parametrize(
    ("token", "needle"),
    [(None, "not set"), ("changeme", "placeholder"), ("12345:short", "malformed")],
)
def test_missing_or_malformed_token_says_how_to_get_one(
    tmp_path: Path, token: str | None, needle: str
) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}"}
    if token is not None:
        env["TELEGRAM_BOT_TOKEN"] = token
    result = _tipsbot("run", env=env, cwd=tmp_path)
    _assert_one_clear_line(result, "TELEGRAM_BOT_TOKEN", "BotFather", needle)


def test_unsupported_database_url_is_one_line(tmp_path: Path) -> None:
    result = _tipsbot(
        "run",
        env={"TELEGRAM_BOT_TOKEN": GOOD_TOKEN, "DATABASE_URL": "mysql://root@localhost/x"},
        cwd=tmp_path,
    )
    _assert_one_clear_line(result, "DATABASE_URL", "not supported")
    assert result.returncode == 2


def test_unreachable_database_is_one_line_without_password(tmp_path: Path) -> None:
    result = _tipsbot(
        "db",
        "upgrade",
        env={"DATABASE_URL": "postgresql://tipsbot:s3cret@127.0.0.1:1/nothing"},
        cwd=tmp_path,
    )
    _assert_one_clear_line(result, "cannot use the database", "DATABASE_URL")
    assert "s3cret" not in result.stderr


def test_db_upgrade_creates_the_sqlite_file(tmp_path: Path) -> None:
    result = _tipsbot("db", "upgrade", env={}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "data" / "tipsbot.db").is_file()
    assert result.stdout.startswith("applied ")


def test_settings_parse_lists_times_and_normalise_urls() -> None:
    settings = load_settings(
        admin_user_ids="1, 22,333",
        default_days="fri,Mon",
        default_send_time="7:30",
        database_url="postgresql://u:p@db/tips",
    )
    assert settings.admin_user_ids == frozenset({1, 22, 333})
    assert settings.default_days == ("mon", "fri")
    assert settings.default_send_time.hour == 7 and settings.default_send_time.minute == 30
    assert settings.database_url.startswith("postgresql+psycopg://")
    assert "p@" not in settings.database_url_safe


@pytest.mark.parametrize(
    ("field", "value", "needle"),
    [
        ("default_timezone", "Mars/Olympus", "time zone"),
        ("admin_user_ids", "12,abc", "not a number"),
        ("default_send_time", "25:00", "24-hour"),
        ("default_days", "funday", "weekdays"),
        ("send_rate", "0", "SEND_RATE"),
    ],
)
def test_bad_settings_name_the_variable(field: str, value: str, needle: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(**{field: value})
    message = str(info.value)
    assert field.upper() in message
    assert needle in message
    assert "\n" not in message
