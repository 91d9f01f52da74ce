"""Reading the dashboard's HTML in tests: tables by id, definition lists by section, and the
visible text, with the standard library's parser."""

from __future__ import annotations

import re
from html.parser import HTMLParser

VOID = {"area", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class Page(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: dict[str, list[list[str]]] = {}
        self.heads: dict[str, list[str]] = {}
        self.counts: dict[str, dict[str, str]] = {}  # section's aria-labelledby -> dt -> dd
        self.texts: list[str] = []
        self.headings: list[str] = []
        self._stack: list[tuple[str, dict[str, str]]] = []
        self._cell: list[str] | None = None
        self._row: list[str] | None = None
        self._term = ""
        self.feed(html)
        self.close()

    @property
    def text(self) -> str:
        return re.sub(r"\s+", " ", " ".join(self.texts)).strip()

    def _inside(self, tag: str, attr: str) -> str | None:
        for name, attrs in reversed(self._stack):
            if name == tag and attr in attrs:
                return attrs[attr]
        return None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID:
            return
        self._stack.append((tag, {k: v or "" for k, v in attrs}))
        if tag == "tr":
            self._row = []
        elif tag in ("td", "th", "dt", "dd", "h1", "h2", "h3"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        while self._stack:
            name, _ = self._stack.pop()
            if name == tag:
                break
        text = re.sub(r"\s+", " ", "".join(self._cell or [])).strip()
        if tag in ("td", "th") and self._row is not None:
            self._row.append(text)
        elif tag == "dt":
            self._term = text
        elif tag == "dd":
            section = self._inside("section", "aria-labelledby") or ""
            self.counts.setdefault(section, {})[self._term] = text
        elif tag in ("h1", "h2", "h3"):
            self.headings.append(text)
        elif tag == "tr" and self._row is not None:
            table = self._inside("table", "id")
            in_body = any(name == "tbody" for name, _ in self._stack)
            in_head = any(name == "thead" for name, _ in self._stack)
            if table is not None and in_body:
                self.tables.setdefault(table, []).append(self._row)
            elif table is not None and in_head:
                self.heads[table] = self._row
            self._row = None
        if tag in ("td", "th", "dt", "dd", "h1", "h2", "h3"):
            self._cell = None

    def handle_data(self, data: str) -> None:
        if any(name in ("style", "script", "title") for name, _ in self._stack):
            return
        self.texts.append(data)
        if self._cell is not None:
            self._cell.append(data)

    def table(self, table_id: str) -> list[list[str]]:
        return self.tables.get(table_id, [])

    def column(self, table_id: str, index: int) -> list[str]:
        return [row[index] for row in self.table(table_id)]

    def records(self, table_id: str) -> dict[str, dict[str, str]]:
        """Rows by their first cell, each as {column heading: cell}."""
        head = self.heads[table_id]
        return {row[0]: dict(zip(head, row, strict=True)) for row in self.table(table_id)}
