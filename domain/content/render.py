"""Markdown to Telegram HTML, and the layout of a tip as one Telegram message.

The Markdown is parsed by markdown-it-py (CommonMark) and rebuilt from its syntax tree using only
the tags Telegram's HTML parse mode accepts; every piece of editor text is escaped. Telegram has
no lists, headings or paragraphs, so lists become lines starting with "• " or "1. ", headings
bold lines, and paragraphs are separated by a blank line. Telegram's nesting rules are kept:
`code` and `pre` never sit inside other formatting or a blockquote (there they become plain
text), links and blockquotes are never nested. Raw HTML (other than comments), images and
tables raise `RenderError`.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode

from domain.content.errors import RenderError

if TYPE_CHECKING:
    from domain.content.model import Tip, Topic

TEXT_LIMIT = 4096  # characters of a message, as Telegram counts them (UTF-16 code units)
CAPTION_LIMIT = 1024  # the same for a photo's caption
ENTITY_LIMIT = 100  # formatting entities Telegram honours in one message
LINK_SCHEMES = frozenset({"http", "https", "tg", "mailto"})
DEFAULT_SOURCES_LABELS: dict[str, str] = {
    "en": "Sources",
    "cy": "Ffynonellau",
    "pl": "Źródła",
    "uk": "Джерела",
    "ur": "ذرائع",
}
BULLET = "•"
RULE = "———"
SOURCE_SEPARATOR = " · "

_TAG = re.compile(r"<[^>]*>")
_OPENING_TAG = re.compile(r"<[a-z]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _parser() -> MarkdownIt:
    # CommonMark with tables switched on only so that a table is recognised and refused,
    # instead of arriving as a paragraph full of pipes.
    return MarkdownIt("commonmark").enable("table")


_MARKDOWN = _parser()


def escape(text: str) -> str:
    """Escape text for Telegram HTML: `&`, `<`, `>` and `"` become named entities."""
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def telegram_text(telegram_html: str) -> str:
    """The message text Telegram shows for `telegram_html`: tags dropped, entities decoded."""
    return html.unescape(_TAG.sub("", telegram_html)).strip()


def utf16_length(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram's limits (an emoji counts 2)."""
    return len(text.encode("utf-16-le")) // 2


def telegram_length(telegram_html: str) -> int:
    """How long Telegram considers the message: UTF-16 units of the text after entity parsing."""
    return utf16_length(telegram_text(telegram_html))


def entity_count(telegram_html: str) -> int:
    """The number of formatting entities (opening tags) in `telegram_html`."""
    return len(_OPENING_TAG.findall(telegram_html))


def render_markdown(markdown: str, *, limit: int = TEXT_LIMIT) -> str:
    """Telegram HTML for CommonMark `markdown`; RenderError if unsupported, empty or too long."""
    surrogate = _SURROGATE.search(markdown)
    if surrogate is not None:
        line = markdown.count("\n", 0, surrogate.start())
        raise RenderError("the text contains a broken character (a lone surrogate)", line=line)
    tree = SyntaxTreeNode(_MARKDOWN.parse(markdown))
    rendered = _join_blocks(_Renderer().blocks(tree.children, _Context()), "\n\n").strip()
    if not telegram_text(rendered):
        raise RenderError("the text is empty")
    length = telegram_length(rendered)
    if length > limit:
        raise RenderError(
            f"the text is {length} characters long as Telegram counts them; the limit is {limit}"
        )
    return rendered


@dataclass(frozen=True, slots=True)
class RenderedTip:
    """A tip ready to send: `html` for parse_mode HTML (a caption when `image` is set)."""

    html: str
    text_length: int  # UTF-16 code units after entity parsing, as Telegram counts
    link_preview: bool
    image: Path | None
    language: str  # the language actually used (the master's when `lang` has no translation)

    @property
    def limit(self) -> int:
        return CAPTION_LIMIT if self.image is not None else TEXT_LIMIT


def default_sources_label(language: str) -> str:
    return DEFAULT_SOURCES_LABELS.get(language, DEFAULT_SOURCES_LABELS["en"])


def render_tip(
    tip: Tip,
    topic: Topic,
    lang: str,
    *,
    sources_label: str | None = None,
    today: date | None = None,
) -> RenderedTip:
    """The message for `tip` in `lang` (else its master):

    "{emoji} <b>{title}</b>", a blank line, the body, and when there are sources a blank line
    and "<i>{sources_label}: <a>title</a> · ...</i>". RenderError when the body cannot be
    rendered or the message is over Telegram's limit (1024 when the tip has an image).
    """
    text = tip.text_for(lang, today=today)
    label = sources_label if sources_label is not None else default_sources_label(text.language)
    limit = CAPTION_LIMIT if tip.image is not None else TEXT_LIMIT
    parts = [
        f"{escape(topic.emoji)} <b>{escape(text.title)}</b>",
        render_markdown(text.body_markdown),
    ]
    if text.sources:
        links = SOURCE_SEPARATOR.join(
            f'<a href="{escape(source.url)}">{escape(source.title)}</a>' for source in text.sources
        )
        parts.append(f"<i>{escape(label)}: {links}</i>")
    message = "\n\n".join(parts)
    length = telegram_length(message)
    if length > limit:
        kind = "a photo caption" if tip.image is not None else "a message"
        raise RenderError(
            f"the message is {length} characters long as Telegram counts them "
            f"(title, text and sources); Telegram allows {limit} for {kind}"
        )
    return RenderedTip(message, length, tip.link_preview, tip.image, text.language)


# The renderer


@dataclass(frozen=True, slots=True)
class _Context:
    line: int = 0  # 0-based line of the block being rendered, for error messages
    open_tags: frozenset[str] = field(default_factory=frozenset)  # b, i, a currently open
    in_quote: bool = False

    def opening(self, tag: str) -> _Context:
        return _Context(self.line, self.open_tags | {tag}, self.in_quote)

    def at(self, node: SyntaxTreeNode) -> _Context:
        line = node.map[0] if node.map is not None else self.line
        return _Context(line, self.open_tags, self.in_quote)


def _join_blocks(blocks: list[str], separator: str) -> str:
    return separator.join(block for block in blocks if block)


def _is_comment(raw: str) -> bool:
    stripped = raw.strip()
    return stripped.startswith("<!--") and stripped.endswith("-->")


class _Renderer:
    def blocks(self, nodes: list[SyntaxTreeNode], ctx: _Context) -> list[str]:
        return [self.block(node, ctx.at(node)) for node in nodes]

    def block(self, node: SyntaxTreeNode, ctx: _Context) -> str:
        kind = node.type
        if kind == "paragraph":
            return self.inline_children(node, ctx)
        if kind == "heading":
            inner = self.inline_children(node, ctx.opening("b"))
            return f"<b>{inner}</b>" if inner else ""
        if kind in ("bullet_list", "ordered_list"):
            return self.list(node, ctx)
        if kind == "blockquote":
            inner = _join_blocks(self.blocks(node.children, _quoted(ctx)), "\n\n")
            if ctx.in_quote or not inner:
                return inner  # Telegram cannot nest blockquotes: the inner one merges in
            return f"<blockquote>{inner}</blockquote>"
        if kind in ("fence", "code_block"):
            code = escape(node.content.rstrip("\n"))
            # Telegram allows no pre inside a blockquote's other entities; keep it plain there.
            return code if ctx.in_quote or not code.strip() else f"<pre>{code}</pre>"
        if kind == "hr":
            return RULE
        if kind == "html_block":
            if _is_comment(node.content):
                return ""
            raise RenderError(_RAW_HTML, line=ctx.line)
        if kind == "table":
            raise RenderError("tables are not supported: use a list instead", line=ctx.line)
        raise RenderError(f"unsupported Markdown ({kind})", line=ctx.line)

    def list(self, node: SyntaxTreeNode, ctx: _Context) -> str:
        ordered = node.type == "ordered_list"
        number = int(node.attrs.get("start", 1)) if ordered else 0
        lines: list[str] = []
        for item in node.children:
            marker = f"{number}." if ordered else BULLET
            number += 1
            content = _join_blocks(self.blocks(item.children, ctx.at(item)), "\n")
            indent = " " * (len(marker) + 1)
            first, *rest = content.split("\n") if content else [""]
            lines.append(f"{marker} {first}".rstrip())
            lines.extend(f"{indent}{line}" if line else "" for line in rest)
        return "\n".join(lines)

    def inline_children(self, node: SyntaxTreeNode, ctx: _Context) -> str:
        return "".join(self.inline(child, ctx) for child in node.children)

    def inline(self, node: SyntaxTreeNode, ctx: _Context) -> str:
        kind = node.type
        if kind in ("text", "text_special"):
            return escape(node.content)
        if kind in ("softbreak", "hardbreak"):
            return "\n"
        if kind == "inline":
            return self.inline_children(node, ctx)
        if kind == "strong":
            return self.wrap("b", node, ctx)
        if kind == "em":
            return self.wrap("i", node, ctx)
        if kind == "code_inline":
            code = escape(node.content)
            # Telegram forbids code inside bold, italic or links: there it becomes plain text.
            return code if ctx.open_tags or not code.strip() else f"<code>{code}</code>"
        if kind == "link":
            return self.link(node, ctx)
        if kind == "html_inline":
            if _is_comment(node.content):
                return ""
            raise RenderError(_RAW_HTML, line=ctx.line)
        if kind == "image":
            raise RenderError(
                "images inside the text are not supported: use the image field instead",
                line=ctx.line,
            )
        raise RenderError(f"unsupported Markdown ({kind})", line=ctx.line)

    def wrap(self, tag: str, node: SyntaxTreeNode, ctx: _Context) -> str:
        if tag in ctx.open_tags:  # bold inside bold: Telegram has nothing to add
            return self.inline_children(node, ctx)
        inner = self.inline_children(node, ctx.opening(tag))
        return f"<{tag}>{inner}</{tag}>" if inner else ""

    def link(self, node: SyntaxTreeNode, ctx: _Context) -> str:
        href = str(node.attrs.get("href", ""))
        _check_link(href, ctx.line)
        if "a" in ctx.open_tags:  # an autolink inside a link's text: Telegram cannot nest them
            return self.inline_children(node, ctx)
        inner = self.inline_children(node, ctx.opening("a"))
        if not telegram_text(inner):
            inner = escape(href)
        return f'<a href="{escape(href)}">{inner}</a>'


_RAW_HTML = (
    "raw HTML is not supported: use Markdown instead (**bold**, *italic*, [text](https://...)); "
    "for a line break end the line with a backslash"
)


def _quoted(ctx: _Context) -> _Context:
    return _Context(ctx.line, ctx.open_tags, in_quote=True)


def _check_link(href: str, line: int) -> None:
    scheme = href.split(":", 1)[0].lower() if ":" in href else ""
    allowed = "links must start with https://, http://, mailto: or tg://"
    if scheme not in LINK_SCHEMES:
        raise RenderError(f"link target {href!r} is not allowed: {allowed}", line=line)
    if scheme in ("http", "https") and not urlsplit(href).netloc:
        raise RenderError(f"link target {href!r} has no web address after {scheme}://", line=line)
