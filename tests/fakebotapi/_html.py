"""Telegram's HTML parse mode, checked the way the Bot API checks it, turned into text + entities.

Stricter than Telegram in one place on purpose: a bare ``&`` (or an unsupported named entity
such as ``&nbsp;``) is an error here, while Telegram keeps it literally. Our renderer must escape
it anyway, and catching it here is cheaper than finding ``&amp;amp;`` in production.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

JSONDict = dict[str, Any]

# Tag -> entity type. `span`, `a`, `code`, `pre`, `blockquote` and `tg-emoji` get special care.
_SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_BAD_AMPERSAND = re.compile(r"&(?!(?:lt|gt|amp|quot|#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6});)")


class HtmlParseError(ValueError):
    """The text is not valid Telegram HTML; the message is Telegram-style (after the prefix)."""


@dataclass(slots=True)
class FormattedText:
    """Text as Telegram stores it: plain text plus entities (offsets in UTF-16 code units)."""

    text: str
    entities: list[JSONDict]


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram's entity offsets."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le")) // 2


def byte_offset(source: str, char_index: int) -> int:
    return len(source[:char_index].encode("utf-8"))


class _TelegramHtmlParser(HTMLParser):
    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=False)
        self._source = source
        self._parts: list[str] = []
        self._length = 0  # UTF-16 units emitted so far
        # Open tags: (tag name, start offset, entity type or None, extra entity fields).
        self._stack: list[tuple[str, int, str | None, JSONDict]] = []
        self.entities: list[JSONDict] = []

    # -- helpers ---------------------------------------------------------------------------
    def _char_index(self, extra: int = 0) -> int:
        line, column = self.getpos()
        index = 0
        for _ in range(line - 1):
            index = self._source.index("\n", index) + 1
        return index + column + extra

    def _error(self, message: str, extra: int = 0) -> HtmlParseError:
        """``message`` with ``{offset}`` replaced by the byte offset of the current position."""
        offset = byte_offset(self._source, self._char_index(extra))
        return HtmlParseError(message.replace("{offset}", str(offset)))

    def _emit(self, text: str) -> None:
        self._parts.append(text)
        self._length += utf16_len(text)

    @property
    def text(self) -> str:
        return "".join(self._parts)

    # -- HTMLParser callbacks --------------------------------------------------------------
    def handle_data(self, data: str) -> None:
        position = data.find("<")
        if position >= 0:
            raise self._error(
                'Unclosed start tag or unescaped "<" at byte offset {offset}', position
            )
        self._emit(data)

    def handle_entityref(self, name: str) -> None:
        char = _NAMED_ENTITIES.get(name)
        if char is None:
            raise self._error(f'Unsupported HTML entity "&{name};" at byte offset {{offset}}')
        self._emit(char)

    def handle_charref(self, name: str) -> None:
        try:
            code = int(name[1:], 16) if name[:1] in ("x", "X") else int(name)
            char = chr(code)
        except (ValueError, OverflowError):
            message = f'Invalid character reference "&#{name};" at byte offset {{offset}}'
            raise self._error(message) from None
        self._emit(char)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if len(attributes) != len(attrs):
            raise self._error(f'Duplicate attribute in tag "{tag}" at byte offset {{offset}}')
        kind, extra, allowed = self._describe_tag(tag, attributes)
        unknown = sorted(set(attributes) - allowed)
        if unknown:
            raise self._error(
                f'Unsupported attribute "{unknown[0]}" in tag "{tag}" at byte offset {{offset}}'
            )
        self._stack.append((tag, self._length, kind, extra))

    def _describe_tag(
        self, tag: str, attributes: dict[str, str | None]
    ) -> tuple[str | None, JSONDict, set[str]]:
        """Entity type, extra entity fields and the allowed attribute names for a start tag."""
        if tag in _SIMPLE_TAGS:
            return _SIMPLE_TAGS[tag], {}, set()
        if tag == "span":
            if attributes.get("class") != "tg-spoiler":
                raise self._error('Tag "span" must have class "tg-spoiler" at byte offset {offset}')
            return "spoiler", {}, {"class"}
        if tag == "a":
            href = attributes.get("href")
            return ("text_link", {"url": href}, {"href"}) if href else (None, {}, {"href"})
        if tag == "code":
            language = attributes.get("class")
            if language is not None and not language.startswith("language-"):
                raise self._error(
                    'Tag "code" class must start with "language-" at byte offset {offset}'
                )
            extra = {"language": language.removeprefix("language-")} if language else {}
            return "code", extra, {"class"}
        if tag == "pre":
            return "pre", {}, set()
        if tag == "blockquote":
            expandable = "expandable" in attributes
            return ("expandable_blockquote" if expandable else "blockquote"), {}, {"expandable"}
        if tag == "tg-emoji":
            emoji_id = attributes.get("emoji-id")
            if not emoji_id:
                raise self._error(
                    'Tag "tg-emoji" must have attribute "emoji-id" at byte offset {offset}'
                )
            return "custom_emoji", {"custom_emoji_id": emoji_id}, {"emoji-id"}
        raise self._error(f'Unsupported start tag "{tag}" at byte offset {{offset}}')

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raise self._error(f'Unsupported start tag "{tag}/" at byte offset {{offset}}')

    def handle_endtag(self, tag: str) -> None:
        if not self._stack:
            raise self._error("Unexpected end tag at byte offset {offset}")
        open_tag, start, kind, extra = self._stack[-1]
        if open_tag != tag:
            raise self._error(
                f'Unmatched end tag at byte offset {{offset}}, expected "</{open_tag}>", '
                f'found "</{tag}>"'
            )
        self._stack.pop()
        if kind == "code" and self._stack and self._stack[-1][0] == "pre":
            # <pre><code class="language-x"> is one `pre` entity with a language.
            self._stack[-1][3].update(extra)
            return
        length = self._length - start
        if kind is not None and length > 0:
            self.entities.append({"type": kind, "offset": start, "length": length, **extra})

    def handle_comment(self, data: str) -> None:
        raise self._error("Comments are not supported at byte offset {offset}")

    def handle_decl(self, decl: str) -> None:
        raise self._error("Declarations are not supported at byte offset {offset}")

    def handle_pi(self, data: str) -> None:
        raise self._error("Processing instructions are not supported at byte offset {offset}")

    def unknown_decl(self, data: str) -> None:
        raise self._error("Declarations are not supported at byte offset {offset}")

    def finish(self) -> None:
        self.close()
        if self._stack:
            raise HtmlParseError(
                f'Can\'t find end tag corresponding to start tag "{self._stack[-1][0]}"'
            )


def parse_html(source: str) -> FormattedText:
    """Parse Telegram HTML into text and entities, or raise :class:`HtmlParseError`."""
    bad = _BAD_AMPERSAND.search(source)
    if bad is not None:
        raise HtmlParseError(
            f'Character "&" must be escaped as "&amp;" (or be one of &lt; &gt; &amp; &quot; '
            f"&#N;) at byte offset {byte_offset(source, bad.start())}"
        )
    parser = _TelegramHtmlParser(source)
    parser.feed(source)
    parser.finish()
    entities = sorted(parser.entities, key=lambda e: (e["offset"], -e["length"]))
    return FormattedText(parser.text, entities)


def strip_formatted(formatted: FormattedText) -> FormattedText:
    """Drop leading/trailing whitespace like Telegram does, keeping entities aligned."""
    text = formatted.text
    stripped = text.strip()
    if stripped == text:
        return formatted
    lead = utf16_len(text[: len(text) - len(text.lstrip())])
    end = utf16_len(stripped)
    entities = []
    for entity in formatted.entities:
        start = max(0, entity["offset"] - lead)
        stop = min(end, entity["offset"] + entity["length"] - lead)
        if stop > start:
            entities.append({**entity, "offset": start, "length": stop - start})
    return FormattedText(stripped, entities)
