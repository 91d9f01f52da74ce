"""Reading topics.yaml: the library's languages (the first is the default) and its topics."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import yaml
from yaml.nodes import Node

from domain.content.errors import Problem, error
from domain.content.frontmatter import NodeReader
from domain.content.model import Topic
from domain.content.rules import LANGUAGE_PATTERN, TOPIC_ID_PATTERN

TOPICS_FILE = "topics.yaml"
TOPIC_FIELDS = ("id", "emoji", "order", "sources_required", "name", "description")


@dataclass(frozen=True, slots=True)
class TopicsFile:
    languages: tuple[str, ...]
    topics: dict[str, Topic]  # in display order
    languages_line: int = 1


def load_topics(path: Path) -> tuple[TopicsFile | None, list[Problem]]:
    """Read topics.yaml; None (and the problems) unless the whole file is valid."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, [error(path, 1, "topics.yaml is missing: the library needs its topics")]
    except (OSError, UnicodeDecodeError) as exc:
        return None, [error(path, 1, f"cannot read topics.yaml: {exc}")]
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        return None, [error(path, line, f"topics.yaml is not valid YAML: {exc.problem}")]
    reader = NodeReader(path, offset=1)
    if root is None:
        return None, [error(path, 1, "topics.yaml is empty")]
    parsed = _read(reader, root)
    if reader.problems:
        return None, reader.problems
    return parsed, []


def _read(reader: NodeReader, root: Node) -> TopicsFile | None:
    entries = reader.mapping(root, "topics.yaml")
    if entries is None:
        return None
    reader.check_fields(
        entries,
        allowed=("languages", "topics"),
        required=("languages", "topics"),
        where="topics.yaml",
        at=root,
    )
    languages: list[str] = []
    if "languages" in entries:
        for node in reader.items(entries["languages"].value, "languages") or []:
            code = reader.text(node, "a language")
            if code is None:
                continue
            if not re.fullmatch(LANGUAGE_PATTERN, code):
                reader.fail(node, f"'{code}' is not a language code like en or cy")
            elif code in languages:
                reader.fail(node, f"language '{code}' is listed twice")
            else:
                languages.append(code)
    topics: list[Topic] = []
    if "topics" in entries:
        for node in reader.items(entries["topics"].value, "topics") or []:
            topic = _read_topic(reader, node, languages)
            if topic is None:
                continue
            if any(other.id == topic.id for other in topics):
                reader.fail(node, f"topic '{topic.id}' is listed twice")
            topics.append(topic)
    topics.sort(key=lambda t: (t.order, t.id))
    languages_line = reader.line(entries["languages"].key_node) if "languages" in entries else 1
    return TopicsFile(tuple(languages), {topic.id: topic for topic in topics}, languages_line)


def _read_topic(reader: NodeReader, node: Node, languages: list[str]) -> Topic | None:
    entries = reader.mapping(node, "a topic")
    if entries is None:
        return None
    reader.check_fields(
        entries, allowed=TOPIC_FIELDS, required=TOPIC_FIELDS, where="a topic", at=node
    )
    if any(name not in entries for name in TOPIC_FIELDS):
        return None
    topic_id = reader.text(entries["id"].value, "a topic id")
    if topic_id is not None and not re.fullmatch(TOPIC_ID_PATTERN, topic_id):
        reader.fail(entries["id"].value, f"topic id '{topic_id}' may use only a-z, 0-9 and '-'")
        topic_id = None
    emoji = reader.text(entries["emoji"].value, "emoji")
    order = reader.integer(entries["order"].value, "order", 0)
    sources_required = reader.boolean(entries["sources_required"].value, "sources_required")
    names = _by_language(reader, entries["name"].value, "name", languages)
    descriptions = _by_language(reader, entries["description"].value, "description", languages)
    if (
        topic_id is None
        or emoji is None
        or order is None
        or sources_required is None
        or names is None
        or descriptions is None
    ):
        return None
    return Topic(topic_id, emoji, order, sources_required, names, descriptions)


def _by_language(
    reader: NodeReader, node: Node, what: str, languages: list[str]
) -> MappingProxyType[str, str] | None:
    entries = reader.mapping(node, what)
    if entries is None:
        return None
    reader.check_fields(entries, allowed=languages, required=languages, where=what, at=node)
    texts: dict[str, str] = {}
    for language in languages:
        if language in entries:
            value = reader.text(entries[language].value, f"{what} in '{language}'")
            if value is not None and value.strip():
                texts[language] = value
            elif value is not None:
                reader.fail(entries[language].value, f"{what} in '{language}' is empty")
    return MappingProxyType(texts) if len(texts) == len(languages) else None
