"""Front matter: split a tip file into YAML and Markdown, and read YAML nodes with line numbers.

The YAML is composed into PyYAML nodes (SafeLoader), never constructed into Python objects, so
every value keeps the line it came from and problems point at the offending key or value. Values
are read strictly, the way JSON Schema sees them: text must be text (`title: No` is a yes/no
value, not text), booleans are `true`/`false` only, dates are written YYYY-MM-DD.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from domain.content.errors import FrontMatterError, Problem, error

DELIMITER = "---"
_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_FLOAT = "tag:yaml.org,2002:float"
_WHOLE_NUMBER = re.compile(r"^[-+]?[0-9]+$")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


@dataclass(frozen=True, slots=True)
class FrontMatter:
    """A tip file split in two; lines are 1-based file lines."""

    node: MappingNode
    first_line: int  # the line after the opening ---
    closing_line: int  # the closing ---
    body: str

    @property
    def body_line(self) -> int:
        return self.closing_line + 1


def parse_front_matter(text: str) -> FrontMatter:
    """Split `text` at its `---` lines and compose the YAML; FrontMatterError with a line."""
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != DELIMITER:
        raise FrontMatterError(
            "a tip file must start with a line '---', then the front matter, then '---'", line=1
        )
    closing = next((i for i, line in enumerate(lines[1:], 1) if line.rstrip() == DELIMITER), None)
    if closing is None:
        raise FrontMatterError(
            "the front matter opened on line 1 is never closed: add a line '---' after it",
            line=1,
        )
    yaml_text = "\n".join(lines[1:closing])
    try:
        node = yaml.compose(yaml_text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = 2 + (mark.line if mark is not None else 0)
        raise FrontMatterError(_yaml_message(exc), line=min(line, closing)) from exc
    except yaml.YAMLError as exc:
        raise FrontMatterError(f"the front matter is not valid YAML: {exc}", line=2) from exc
    except RecursionError:  # PyYAML composes nested lists recursively; it is not a YAMLError
        raise FrontMatterError("the front matter is nested too deeply", line=2) from None
    if node is None:
        raise FrontMatterError("the front matter is empty", line=1)
    if not isinstance(node, MappingNode):
        raise FrontMatterError(
            "the front matter must be a list of 'field: value' lines", line=2 + node.start_mark.line
        )
    return FrontMatter(node, 2, closing + 1, "\n".join(lines[closing + 1 :]))


def _yaml_message(exc: yaml.MarkedYAMLError) -> str:
    problem = exc.problem or "cannot read this"
    message = f"the front matter is not valid YAML: {problem}"
    if "\\t" in problem or "'\\t'" in problem or "tab" in problem:
        message += " (indent with spaces, not tabs)"
    elif "mapping values are not allowed" in problem:
        message += " (a value containing ': ' must be put in quotes)"
    elif "found character '`'" in problem or "found character '@'" in problem:
        message += " (put the value in quotes)"
    return message


def did_you_mean(word: str, choices: Collection[str]) -> str:
    """' (did you mean 'x'?)' for the closest of `choices`, or ''."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


@dataclass(frozen=True, slots=True)
class Entry:
    """One `key: value` of a YAML mapping."""

    key: str
    key_node: ScalarNode
    value: Node


@dataclass
class NodeReader:
    """Reads composed YAML nodes into Python values, collecting problems with file lines."""

    path: Path
    offset: int  # file line of the YAML's first line
    problems: list[Problem] = field(default_factory=list)

    def line(self, node: Node) -> int:
        return self.offset + node.start_mark.line

    def fail(self, node: Node, message: str) -> None:
        self.problems.append(error(self.path, self.line(node), message))

    def mapping(self, node: Node, where: str) -> dict[str, Entry] | None:
        """The entries of a mapping node, reporting non-text keys and keys given twice."""
        if not isinstance(node, MappingNode):
            self.fail(node, f"{where} must be a set of 'name: value' lines, not {_kind(node)}")
            return None
        entries: dict[str, Entry] = {}
        for key_node, value in node.value:
            if not isinstance(key_node, ScalarNode) or key_node.tag != _STR:
                self.fail(key_node, f"{where} has a field name that is not text")
                continue
            key = str(key_node.value)
            if key in entries:
                first = self.line(entries[key].key_node)
                self.fail(key_node, f"'{key}' is given twice (first on line {first})")
                continue
            entries[key] = Entry(key, key_node, value)
        return entries

    def check_fields(
        self,
        entries: dict[str, Entry],
        *,
        allowed: Collection[str],
        required: Collection[str],
        where: str,
        at: Node | int,
        explain: Mapping[str, str] | None = None,
    ) -> None:
        """Report unknown fields (explained, or with a suggestion) and missing required ones.

        `at` is the node (or file line) missing fields are reported at.
        """
        for entry in entries.values():
            if entry.key in allowed:
                continue
            if explain and entry.key in explain:
                self.fail(entry.key_node, explain[entry.key])
            else:
                hint = did_you_mean(entry.key, allowed)
                self.fail(entry.key_node, f"unknown field '{entry.key}' in {where}{hint}")
        line = at if isinstance(at, int) else self.line(at)
        for name in required:
            if name not in entries:
                self.problems.append(
                    error(self.path, line, f"{where} is missing the required field '{name}'")
                )

    def items(self, node: Node, what: str) -> list[Node] | None:
        if not isinstance(node, SequenceNode):
            self.fail(node, f"{what} must be a list, like [a, b] or lines starting with '- '")
            return None
        if not node.value:
            self.fail(node, f"{what} is an empty list: remove it or add an entry")
            return None
        return list(node.value)

    def text(self, node: Node, what: str) -> str | None:
        if isinstance(node, ScalarNode) and node.tag == _STR:
            return str(node.value)
        if isinstance(node, ScalarNode) and node.tag == _NULL:
            self.fail(node, f"{what} is empty")
        elif isinstance(node, ScalarNode):
            self.fail(node, f"{what} must be text, but YAML reads {_kind(node)}: put it in quotes")
        else:
            self.fail(node, f"{what} must be text, not {_kind(node)}")
        return None

    def integer(self, node: Node, what: str, low: int, high: int | None = None) -> int | None:
        if not (
            isinstance(node, ScalarNode)
            and node.tag == _INT
            and _WHOLE_NUMBER.match(str(node.value))
        ):
            self.fail(node, f"{what} must be a whole number, not {_kind(node)}")
            return None
        number = int(node.value)
        if number < low or (high is not None and number > high):
            limits = f"between {low} and {high}" if high is not None else f"at least {low}"
            self.fail(node, f"{what} must be {limits}, not {number}")
            return None
        return number

    def boolean(self, node: Node, what: str) -> bool | None:
        if isinstance(node, ScalarNode) and node.tag == _BOOL:
            value = str(node.value).lower()
            if value in ("true", "false"):
                return value == "true"
            self.fail(node, f"{what} must be true or false (not '{node.value}')")
            return None
        self.fail(node, f"{what} must be true or false, not {_kind(node)}")
        return None

    def day(self, node: Node, what: str) -> date | None:
        if isinstance(node, ScalarNode) and node.tag in (_TIMESTAMP, _STR):
            value = str(node.value)
            if _DATE.match(value):
                try:
                    return date.fromisoformat(value)
                except ValueError:
                    self.fail(node, f"{what}: {value} is not a real date")
                    return None
        self.fail(node, f"{what} must be a date written YYYY-MM-DD, like 2026-01-31")
        return None


def _kind(node: Node) -> str:
    """How YAML reads the node, in words an editor understands."""
    if isinstance(node, MappingNode):
        return "a set of 'name: value' lines"
    if isinstance(node, SequenceNode):
        return "a list"
    names = {
        _STR: "text",
        _INT: "a number",
        _FLOAT: "a number",
        _BOOL: "a yes/no value",
        _NULL: "nothing",
        _TIMESTAMP: "a date",
    }
    found = names.get(str(node.tag), "a value")
    if found == "nothing":
        return found
    return f"{found} ('{node.value}')" if found == "text" else f"{found} ({node.value})"
