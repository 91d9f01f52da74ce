"""tipsbot's configuration: one pydantic-settings class read from the environment and `.env`.

Every setting is documented in `.env.example` with its default. `load_settings()` turns
validation failures into a `ConfigError` whose message is one line per bad setting, saying
how to fix it, so the CLI can print it without a traceback.
"""

from __future__ import annotations

import re
from datetime import time
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from domain.cadence import WEEKDAYS, parse_days, parse_hhmm

TOKEN_PATTERN = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{30,}$")
TOKEN_HELP = (
    "TELEGRAM_BOT_TOKEN is {problem}: create a bot with @BotFather in Telegram "
    "(send /newbot), then put the token it gives you in .env as TELEGRAM_BOT_TOKEN=123456:ABC..."
)
PLACEHOLDER_TOKENS = {"", "changeme", "your-token-here", "123456:replace-me"}


WEBHOOK_PREFIX = "/telegram"


def webhook_url_problem(url: str) -> str | None:
    """Why `url` cannot be the webhook address, or None when it can.

    The webhook's path is served without a login (Telegram authenticates by its secret header),
    so it must be one that no dashboard page can ever have: /telegram or below it.
    """
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        return "Telegram only sends webhooks to https:// addresses, like https://bot.example.org/telegram"
    if parts.path != WEBHOOK_PREFIX and not parts.path.startswith(WEBHOOK_PREFIX + "/"):
        return (
            f"the path must be {WEBHOOK_PREFIX} or start with {WEBHOOK_PREFIX}/ (so it can never "
            f"be a dashboard page), like https://{parts.netloc}{WEBHOOK_PREFIX}; "
            f"got {parts.path or '/'!r}"
        )
    if parts.query or parts.fragment:
        return "no query string or fragment, like https://bot.example.org/telegram"
    return None


MIN_DASHBOARD_TOKEN_LENGTH = 24


def env_file_warning(path: Path = Path(".env")) -> str | None:
    """A warning when the .env file (which holds the bot token) is readable by other users."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return None
    if mode & 0o077:
        return (
            f"{path} can be read by other users of this machine (mode {mode & 0o777:o}) and "
            f"holds the bot token: run chmod 600 {path}"
        )
    return None


class ConfigError(Exception):
    """A setting is missing or invalid; the message is meant for the person running tipsbot."""


class Settings(BaseSettings):
    """All of tipsbot's settings. Field names map to upper-case environment variables."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True
    )

    # Telegram
    telegram_bot_token: SecretStr | None = None
    telegram_base_url: str = "https://api.telegram.org/bot"
    telegram_base_file_url: str | None = None

    # Storage and content
    database_url: str = "sqlite+aiosqlite:///data/tipsbot.db"
    content_dir: Path = Path("content")
    content_reload_seconds: float = Field(default=2.0, ge=0)

    # People and locale
    default_timezone: str = "Europe/London"
    default_language: str = "en"
    default_region: Literal["england", "wales", "scotland", "northern-ireland"] = "england"
    admin_user_ids: Annotated[frozenset[int], NoDecode] = frozenset()

    # Cadence defaults for new subscribers
    default_days: Annotated[tuple[str, ...], NoDecode] = ("mon", "wed", "fri")
    default_send_time: time = time(10, 0)
    quiet_hours_start: time = time(21, 0)
    quiet_hours_end: time = time(8, 0)

    # Delivery engine
    send_rate: float = Field(default=25.0, gt=0, le=1000)
    paid_broadcast: bool = False
    paid_send_rate: float = Field(default=1000.0, gt=0, le=1000)
    group_rate_per_minute: int = Field(default=20, gt=0)
    chat_min_interval_seconds: float = Field(default=1.0, ge=0)
    delivery_guarantee: Literal["at-most-once", "at-least-once"] = "at-most-once"
    planner_interval_seconds: float = Field(default=30.0, gt=0)
    planner_batch_size: int = Field(default=500, gt=0)
    catch_up_limit_hours: float = Field(default=36.0, ge=0)
    max_send_attempts: int = Field(default=5, ge=1)

    # Operations
    log_format: Literal["plain", "json"] = "plain"
    log_level: str = "INFO"
    log_retention_days: int = Field(default=180, ge=1)
    # Parents' questions: texts tipsbot had no tip for are kept (without any chat id) for
    # editors only when this is on, and only for ASK_UNANSWERED_RETENTION_DAYS.
    ask_keep_unanswered: bool = False
    ask_unanswered_retention_days: int = Field(default=30, ge=1, le=3650)
    web_host: str = "127.0.0.1"
    web_port: int | None = Field(default=None, ge=1, le=65535)
    dashboard_user: str = "admin"
    dashboard_password_hash: SecretStr | None = None
    dashboard_token: SecretStr | None = None
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None

    @field_validator("admin_user_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.split(",") if p.strip()]
            bad = [p for p in parts if not p.lstrip("-").isdigit()]
            if bad:
                raise ValueError(
                    f"must be comma-separated numeric Telegram user ids; not a number: {bad[0]!r}"
                )
            return frozenset(int(p) for p in parts)
        return value

    @field_validator("default_days", mode="before")
    @classmethod
    def _split_days(cls, value: object) -> object:
        if isinstance(value, str):
            try:
                return tuple(WEEKDAYS[d] for d in sorted(parse_days(value)))
            except ValueError:
                raise ValueError("must be weekdays like mon,wed,fri") from None
        return value

    @field_validator("default_send_time", "quiet_hours_start", "quiet_hours_end", mode="before")
    @classmethod
    def _time(cls, value: object) -> time:
        if isinstance(value, time):
            return value
        try:
            return parse_hhmm(str(value))
        except ValueError:
            raise ValueError(f"must be a time like 08:00 (24-hour clock), got {value!r}") from None

    @field_validator("default_timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"{value!r} is not a known time zone; use an IANA name like Europe/London"
            ) from None
        return value

    @field_validator("default_language")
    @classmethod
    def _language(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z]{2,3}", value):
            raise ValueError(f"{value!r} is not a language code like en or cy")
        return value

    @field_validator("telegram_base_url")
    @classmethod
    def _base_url(cls, value: str) -> str:
        if not re.match(r"^https?://", value):
            raise ValueError(
                "must start with http:// or https://, e.g. https://api.telegram.org/bot"
            )
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        return normalise_database_url(value).render_as_string(hide_password=False)

    @field_validator("webhook_secret")
    @classmethod
    def _webhook_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not re.fullmatch(
            r"[A-Za-z0-9_-]{1,256}", value.get_secret_value()
        ):
            raise ValueError("must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
        return value

    @field_validator("web_port", mode="before")
    @classmethod
    def _web_port(cls, value: object) -> object:
        # WEB_PORT= (empty) switches the web server off, like leaving it out.
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("dashboard_token")
    @classmethod
    def _dashboard_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        if len(value.get_secret_value().strip()) < MIN_DASHBOARD_TOKEN_LENGTH:
            raise ValueError(
                f"must be {MIN_DASHBOARD_TOKEN_LENGTH} or more random characters; make one with "
                "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"
            )
        return SecretStr(value.get_secret_value().strip())

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, value: str | None) -> str | None:
        if value is not None and (problem := webhook_url_problem(value)):
            raise ValueError(problem)
        return value

    # Derived values -------------------------------------------------------------------

    def bot_token(self) -> str:
        """The bot token, or a ConfigError explaining how to get one."""
        if self.telegram_bot_token is None:
            raise ConfigError(TOKEN_HELP.format(problem="not set"))
        token = self.telegram_bot_token.get_secret_value().strip()
        if token.lower() in PLACEHOLDER_TOKENS:
            raise ConfigError(TOKEN_HELP.format(problem="still the placeholder"))
        if not TOKEN_PATTERN.match(token):
            raise ConfigError(
                TOKEN_HELP.format(problem="malformed (expected digits, a colon, then 30+ letters)")
            )
        return token

    @property
    def base_file_url(self) -> str:
        if self.telegram_base_file_url:
            return self.telegram_base_file_url
        base = self.telegram_base_url
        return base[: -len("/bot")] + "/file/bot" if base.endswith("/bot") else base

    @property
    def database_url_safe(self) -> str:
        """The database URL with any password hidden, for logs."""
        return make_url(self.database_url).render_as_string(hide_password=True)

    @property
    def effective_send_rate(self) -> float:
        """Messages per second in total: the paid rate when paid broadcasts are on."""
        return self.paid_send_rate if self.paid_broadcast else self.send_rate

    @property
    def is_sqlite(self) -> bool:
        return make_url(self.database_url).get_backend_name() == "sqlite"


def normalise_database_url(value: str) -> URL:
    """Accept the common spellings and pick the async drivers tipsbot ships with."""
    try:
        url = make_url(value.strip())
    except ArgumentError:
        raise ValueError(
            f"{value!r} is not a database URL; use sqlite+aiosqlite:///data/tipsbot.db "
            "or postgresql+psycopg://user:password@host:5432/dbname"
        ) from None
    backend = url.get_backend_name()
    if backend == "sqlite":
        return url.set(drivername="sqlite+aiosqlite")
    if backend in ("postgresql", "postgres"):
        return url.set(drivername="postgresql+psycopg")
    raise ValueError(
        f"database {backend!r} is not supported; use sqlite+aiosqlite:///path.db "
        "or postgresql+psycopg://user:password@host:5432/dbname"
    )


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment and `.env`; ConfigError with one line per problem."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            name = str(error["loc"][0]).upper() if error["loc"] else "settings"
            message = str(error["msg"]).removeprefix("Value error, ")
            lines.append(f"{name}: {message}")
        raise ConfigError("; ".join(lines)) from None
