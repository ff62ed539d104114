"""The accessibility rules every page keeps (RGAA / WCAG 2.1 AA), checked on the markup."""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser

import pytest
from django.test import Client

from .conftest import RepositoryFactory, Sector


class Markup(HTMLParser):
    """Collects what the checks below need from one page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.ids: Counter[str] = Counter()
        self.labels: set[str] = set()
        self.tables_with_caption = 0
        self.tables = 0
        self._table_has_caption: list[bool] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if attributes.get("id"):
            self.ids[attributes["id"]] += 1
        if tag == "label" and attributes.get("for"):
            self.labels.add(attributes["for"])
        if tag == "table":
            self.tables += 1
            self._table_has_caption.append(False)
        if tag == "caption" and self._table_has_caption:
            self._table_has_caption[-1] = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self._table_has_caption:
            self.tables_with_caption += self._table_has_caption.pop()


def parse(html: str) -> Markup:
    markup = Markup()
    markup.feed(html)
    return markup


@pytest.fixture
def pages(sector: Sector, make_repository: RepositoryFactory) -> list[str]:
    repository = make_repository(
        "complet", languages={"Python": 3, "HTML": 1}, topics=["a"], is_archived=True
    )
    make_repository("autre", account=sector.lab_account)
    return [
        "/",
        "/repositories/",
        "/repositories/?language=Python&sort=stars",
        repository.get_absolute_url(),
        "/organisations/",
        sector.ministry.get_absolute_url(),
        sector.directorate.get_absolute_url(),
        "/pas-une-page/",
    ]


@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_page_keeps_the_accessibility_rules(
    client: Client, pages: list[str], language: str
) -> None:
    for url in pages:
        response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code in {200, 404}, url
        markup = parse(response.content.decode())
        tags = [tag for tag, _ in markup.tags]
        html_attributes = markup.tags[0][1]
        assert html_attributes.get("lang") == language, url
        assert tags.count("h1") == 1, url
        assert tags.count("main") == 1 and "header" in tags and "footer" in tags, url
        # The skip link comes first and leads to the main landmark.
        first_link = next(attrs for tag, attrs in markup.tags if tag == "a")
        assert first_link.get("href") == "#main", url
        assert markup.ids["main"] == 1, url
        # Ids are unique, so labels and aria references point at one element.
        assert [name for name, n in markup.ids.items() if n > 1] == [], url
        for tag, attrs in markup.tags:
            if tag == "select" or (tag == "input" and attrs.get("type") not in {"hidden"}):
                assert attrs.get("id") in markup.labels, (url, attrs)
            if tag == "th":
                assert attrs.get("scope") in {"col", "row"}, (url, attrs)
            if tag == "nav":
                assert attrs.get("aria-label"), (url, attrs)
            if tag == "img":
                assert "alt" in attrs, (url, attrs)
        assert markup.tables == markup.tables_with_caption, url
