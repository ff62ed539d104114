"""Atom feeds of new and updated entries, all or per category."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from django.test import Client

from .conftest import World

pytestmark = pytest.mark.django_db
ATOM = {"a": "http://www.w3.org/2005/Atom"}


def titles(client: Client, path: str) -> list[str]:
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)  # noqa: S314 (our own answer, in a test)
    return [entry.findtext("a:title", namespaces=ATOM) for entry in root.findall("a:entry", ATOM)]


def test_new_entries_newest_first(client: Client, world: World) -> None:
    assert titles(client, "/catalogue/feeds/new.atom") == ["Sheet", "Grammar", "Writer"]


def test_updated_entries_latest_first(client: Client, world: World) -> None:
    assert titles(client, "/catalogue/feeds/updated.atom") == ["Writer", "Sheet", "Grammar"]


def test_a_category_feed_holds_its_entries_and_those_below(client: Client, world: World) -> None:
    assert titles(client, "/catalogue/feeds/categories/bureautique/new.atom") == ["Writer"]
    assert titles(client, "/catalogue/feeds/categories/donnees/updated.atom") == [
        "Writer",
        "Sheet",
    ]
    assert client.get("/catalogue/feeds/categories/nothing/new.atom").status_code == 404


def test_the_pages_offer_the_feeds(client: Client, world: World) -> None:
    html = client.get("/catalogue/?category=bureautique").content.decode()
    assert 'href="/catalogue/feeds/new.atom"' in html
    assert 'href="/catalogue/feeds/categories/bureautique/new.atom"' in html
