"""Reads the tables of a page as a visitor (or a screen reader) does: caption and cells."""

from __future__ import annotations

from html.parser import HTMLParser


class TableReader(HTMLParser):
    """Every ``<table>`` of a page, by caption: its body rows as lists of cell texts."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.links: dict[str, dict[str, str]] = {}
        self._caption: list[str] | None = None
        self._current: str | None = None
        self._rows: list[list[str]] = []
        self._links: dict[str, str] = {}
        self._cell: list[str] | None = None
        self._href = ""
        self._in_body = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._rows, self._links, self._current = [], {}, None
        elif tag == "caption":
            self._caption = []
        elif tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self._rows.append([])
        elif tag in {"th", "td"} and self._in_body:
            self._cell, self._href = [], ""
        elif tag == "a" and self._cell is not None:
            self._href = dict(attrs).get("href") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "caption" and self._caption is not None:
            self._current = " ".join("".join(self._caption).split())
            self._caption = None
        elif tag in {"th", "td"} and self._cell is not None:
            text = " ".join("".join(self._cell).split())
            if not self._rows[-1] and self._href:
                self._links[text] = self._href
            self._rows[-1].append(text)
            self._cell = None
        elif tag == "tbody":
            self._in_body = False
        elif tag == "table" and self._current is not None:
            self.tables[self._current] = self._rows
            self.links[self._current] = self._links

    def handle_data(self, data: str) -> None:
        if self._caption is not None:
            self._caption.append(data)
        elif self._cell is not None:
            self._cell.append(data)


def read_tables(html: str) -> TableReader:
    reader = TableReader()
    reader.feed(html)
    return reader


def number(text: str) -> int:
    """A count as the pages print it (``1,234`` in English)."""
    return int(text.replace(",", "").replace("\u202f", "").replace("\xa0", ""))
