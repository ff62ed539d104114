"""Rows for the feed tests: a sector with repositories seen at known times."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import translation
from tests.fixtures_data import RepositoryFactory, SectorCore, create_instance, create_sector_core
from tests.fixtures_data import repository_factory as factory_of

from communs.repositories.models import Repository

ATOM = "{http://www.w3.org/2005/Atom}"
EMAIL = "jeanne.martin@exemple.gouv.fr"
HOSTILE = f'<script>alert("x")</script> & <b>gras</b> \x07\x1b écrire à {EMAIL}'


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    """The search caches the hierarchy and counts: no test reads another's."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


@dataclass
class Sector(SectorCore):
    make: RepositoryFactory


@pytest.fixture
def sector(db: None) -> Sector:
    core = create_sector_core(
        directorate_description="La direction.", directorate_display_name="DNUM"
    )
    gitlab = create_instance("gitlab.exemple.gouv.fr", core.lab)
    return Sector(**core.parts(), make=factory_of(core.directorate_account, gitlab))


def seen(repo: Repository, days_ago: int) -> Repository:
    """Sets when Communs first saw ``repo`` (the field is set on creation otherwise)."""
    moment = datetime(2026, 1, 31, tzinfo=UTC) - timedelta(days=days_ago)
    Repository.objects.filter(pk=repo.pk).update(first_seen_at=moment)
    repo.first_seen_at = moment
    return repo


@dataclass
class Entry:
    title: str
    link: str
    id: str
    summary: str
    author: str
    updated: str
    categories: list[str]


@dataclass
class ParsedFeed:
    root: ET.Element
    body: str

    @property
    def title(self) -> str:
        return self.root.findtext(f"{ATOM}title") or ""

    @property
    def id(self) -> str:
        return self.root.findtext(f"{ATOM}id") or ""

    def link(self, rel: str) -> str:
        for node in self.root.findall(f"{ATOM}link"):
            if node.get("rel") == rel:
                return node.get("href") or ""
        return ""

    @property
    def entries(self) -> list[Entry]:
        return [
            Entry(
                title=node.findtext(f"{ATOM}title") or "",
                link=next((link.get("href") or "" for link in node.findall(f"{ATOM}link")), ""),
                id=node.findtext(f"{ATOM}id") or "",
                summary=node.findtext(f"{ATOM}summary") or "",
                author=node.findtext(f"{ATOM}author/{ATOM}name") or "",
                updated=node.findtext(f"{ATOM}updated") or "",
                categories=[item.get("term") or "" for item in node.findall(f"{ATOM}category")],
            )
            for node in self.root.findall(f"{ATOM}entry")
        ]


def get_feed(path: str, **query: str) -> ParsedFeed:
    """GETs an Atom feed and parses it: it must be well-formed XML."""
    response = Client(HTTP_ACCEPT_LANGUAGE="en").get(path, query)
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    body = response.content.decode()
    root = ET.fromstring(response.content)  # noqa: S314 (our own answer, in a test)
    assert root.tag == f"{ATOM}feed"
    return ParsedFeed(root, body)
