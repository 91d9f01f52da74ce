"""Errors and problem reports of the content library.

Exceptions (callers catch the base, `ContentError`):

    ContentError            anything wrong with the editors' content
    ├── FrontMatterError    a tip file's front matter cannot be read (delimiters, YAML syntax)
    └── RenderError         Markdown that cannot become a Telegram message

Loading never raises for a bad file: each file's faults become `Problem`s (path, line, severity,
message) that the loader collects, so one bad file never stops the others.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path


class ContentError(Exception):
    """Base class of the content library's exceptions."""


class FrontMatterError(ContentError):
    """The front matter of a tip file cannot be read; `line` is 1-based in the file."""

    def __init__(self, message: str, *, line: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


class RenderError(ContentError):
    """Markdown that cannot be sent; `line` is 0-based within the Markdown, when known."""

    def __init__(self, message: str, *, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


class Severity(enum.StrEnum):
    """How bad a problem is: errors fail `content check`, warnings do not, infos are quiet."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding about one place in the content library."""

    path: Path
    line: int
    severity: Severity
    message: str

    def format(self, *, relative_to: Path | None = None) -> str:
        """The compiler-style line `path:line: severity: message`."""
        return (
            f"{display_path(self.path, relative_to)}:{self.line}: {self.severity}: {self.message}"
        )


def display_path(path: Path, relative_to: Path | None = None) -> str:
    """`path` relative to `relative_to` (default: the working directory) when it lies below it."""
    base = (Path.cwd() if relative_to is None else relative_to).resolve()
    resolved = path.resolve()
    if resolved.is_relative_to(base):
        return resolved.relative_to(base).as_posix()
    return path.as_posix()


def error(path: Path, line: int, message: str) -> Problem:
    return Problem(path, line, Severity.ERROR, message)


def warning(path: Path, line: int, message: str) -> Problem:
    return Problem(path, line, Severity.WARNING, message)


def info(path: Path, line: int, message: str) -> Problem:
    return Problem(path, line, Severity.INFO, message)
