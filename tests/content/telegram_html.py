"""An independent checker of Telegram's HTML parse-mode rules, for tests.

Written from Telegram's documentation, not from the renderer: only the allowed tags and
attributes, balanced tags, only `&lt; &gt; &amp; &quot;` and numeric entities, no bare `<`,
`>` or `&`, and the nesting rules (no entity inside `code`/`pre`, `code`/`pre` not inside
other entities, no link inside a link, no blockquote inside a blockquote).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    "b": set(),
    "strong": set(),
    "i": set(),
    "em": set(),
    "u": set(),
    "ins": set(),
    "s": set(),
    "strike": set(),
    "del": set(),
    "span": {"class"},
    "tg-spoiler": set(),
    "a": {"href"},
    "tg-emoji": {"emoji-id"},
    "code": {"class"},
    "pre": set(),
    "blockquote": {"expandable"},
}
_AMPERSAND = re.compile(r"&(?!(?:lt|gt|amp|quot|#[0-9]+|#x[0-9a-fA-F]+);)")
_ENTITY_TAGS = {"code", "pre"}


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.problems: list[str] = []
        self.stack: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_ATTRIBUTES:
            self.problems.append(f"tag <{tag}> is not allowed")
        for name, _ in attrs:
            if name not in ALLOWED_ATTRIBUTES.get(tag, set()):
                self.problems.append(f"attribute {name} is not allowed on <{tag}>")
        if tag == "a" and not dict(attrs).get("href"):
            self.problems.append("<a> without href")
        inside = set(self.stack)
        if inside & _ENTITY_TAGS and not (tag == "code" and self.stack[-1:] == ["pre"]):
            self.problems.append(f"<{tag}> inside code or pre")
        if tag in _ENTITY_TAGS and inside - {"blockquote"} - ({"pre"} if tag == "code" else set()):
            self.problems.append(f"<{tag}> inside other formatting {sorted(inside)}")
        if tag == "a" and "a" in inside:
            self.problems.append("link inside a link")
        if tag == "blockquote" and "blockquote" in inside:
            self.problems.append("blockquote inside a blockquote")
        self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.problems.append(f"self-closing <{tag}/> is not allowed")

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> does not close the open tag {self.stack[-1:]}")
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        if "<" in data or ">" in data:
            self.problems.append(f"unescaped < or > in {data!r}")
        self.text.append(data)

    def handle_entityref(self, name: str) -> None:
        if name not in ("lt", "gt", "amp", "quot"):
            self.problems.append(f"entity &{name}; is not allowed")
        self.text.append({"lt": "<", "gt": ">", "amp": "&", "quot": '"'}.get(name, "?"))

    def handle_charref(self, name: str) -> None:
        self.text.append(chr(int(name[1:], 16) if name.lower().startswith("x") else int(name)))

    def handle_comment(self, data: str) -> None:
        self.problems.append("HTML comments are not allowed")

    def handle_decl(self, decl: str) -> None:
        self.problems.append("declarations are not allowed")

    def handle_pi(self, data: str) -> None:
        self.problems.append("processing instructions are not allowed")

    def unknown_decl(self, data: str) -> None:
        self.problems.append("CDATA is not allowed")


def telegram_html_problems(html: str) -> list[str]:
    """Every way `html` breaks Telegram's rules; empty when Telegram would accept it."""
    problems = [f"bare & at {m.start()}" for m in _AMPERSAND.finditer(html)]
    checker = _Checker()
    checker.feed(html)
    checker.close()
    problems.extend(checker.problems)
    if checker.stack:
        problems.append(f"unclosed tags {checker.stack}")
    return problems


def visible_text(html: str) -> str:
    """The text Telegram shows, trimmed as Telegram trims messages."""
    checker = _Checker()
    checker.feed(html)
    checker.close()
    return "".join(checker.text).strip()


def utf16_units(text: str) -> int:
    return sum(2 if ord(char) > 0xFFFF else 1 for char in text)
