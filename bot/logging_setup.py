"""Logging to stdout, plain or JSON, with secrets and users' data kept out at every level.

The bot token appears in every Bot API URL, and httpx logs URLs at INFO, so httpx is held at
WARNING and a filter replaces the token wherever it still shows up. PTB logs whole updates
and request parameters (names, message texts) at DEBUG, and raw data when parsing fails:
a second filter withholds every such argument of a `telegram.*` record, keeping update ids.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

from telegram import TelegramObject, Update

_RESERVED = set(vars(logging.makeLogRecord({})))
# Secrets shorter than this are refused by the settings; redacting them would mangle words.
MIN_REDACTED_LENGTH = 16
WITHHELD = "[user data withheld]"
# Templates whose string arguments are raw bodies from Telegram.
RAW_DATA_PHRASES = ("invalid json data", "received data")
# Loggers held at WARNING whatever LOG_LEVEL says: URLs with the token, SQL parameters, and
# markdown-it's tens of thousands of lines per library load.
QUIET_LOGGERS = (
    "httpx",
    "httpcore",
    "apscheduler",
    "aiosqlite",
    "telegram.ext.ExtBot",
    "telegram.Bot",
    "markdown_it",
)


class RedactFilter(logging.Filter):
    """Replaces each secret in the formatted message and exception text with '***'."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        # Longest first, so a secret that contains another is replaced whole.
        self._secrets = sorted(
            {s for s in secrets if len(s) >= MIN_REDACTED_LENGTH}, key=len, reverse=True
        )

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        message = record.getMessage()
        cleaned = self._clean(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and record.exc_info[1] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_text = self._clean(text)
        return True

    def _clean(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text


def _withhold(value: object) -> object:
    if isinstance(value, Update):
        return f"update {value.update_id}"
    if isinstance(value, TelegramObject):
        return f"[{type(value).__name__}]"
    if isinstance(value, dict | list | tuple | set | bytes | bytearray):
        return WITHHELD
    return value


class UserDataFilter(logging.Filter):
    """Withholds updates, messages and raw request or response data that PTB puts into its log
    records (as arguments: "Processing update %s", "Received data was %r", parameters), so a
    record keeps its template and ids but never a user's name or text."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith("telegram") or not record.args:
            return True
        raw = any(phrase in str(record.msg).lower() for phrase in RAW_DATA_PHRASES)
        if isinstance(record.args, dict):
            record.args = {k: WITHHELD if raw else _withhold(v) for k, v in record.args.items()}
        else:
            record.args = tuple(WITHHELD if raw else _withhold(arg) for arg in record.args)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, extras, exception."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        data.update({k: v for k, v in vars(record).items() if k not in _RESERVED})
        if record.exc_info:
            data["exception"] = record.exc_text or self.formatException(record.exc_info)
        return json.dumps(data, default=str, ensure_ascii=False)


def configure_logging(*, level: str = "INFO", fmt: str = "plain", secrets: list[str]) -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.addFilter(UserDataFilter())
    handler.addFilter(RedactFilter(secrets))
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in QUIET_LOGGERS:
        logging.getLogger(noisy).setLevel(logging.WARNING)
