"""The sitemap index, its sections and robots.txt."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from django.test import Client
from tests.fixtures_data import SectorCore

from communs.opendata.sitemaps import RepositorySitemap
from communs.repositories.models import Repository

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def locations(path: str) -> list[str]:
    response = Client().get(path)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    root = ET.fromstring(response.content)  # noqa: S314 (our own answer, in a test)
    return [node.text or "" for node in root.findall(".//s:loc", NS)]


def test_the_index_lists_every_section(sector: SectorCore) -> None:
    sections = locations("/sitemap.xml")

    assert sections == [
        "http://testserver/sitemap-pages.xml",
        "http://testserver/sitemap-organisations.xml",
        "http://testserver/sitemap-catalogue.xml",
        "http://testserver/sitemap-repositories.xml",
    ]


def test_sections_list_pages_organisations_and_present_repositories(sector: SectorCore) -> None:
    pages = locations("/sitemap-pages.xml")
    assert "http://testserver/" in pages
    assert "http://testserver/open-data/" in pages
    organisations = locations("/sitemap-organisations.xml")
    assert "http://testserver/organisations/laboratoire-innovation/" in organisations
    assert len(organisations) == 3

    repositories = locations("/sitemap-repositories.xml")
    present = Repository.objects.filter(gone_since__isnull=True).order_by("pk")
    assert repositories == [f"http://testserver/repositories/{repo.pk}/" for repo in present]
    gone = Repository.objects.get(name="disparu")
    assert f"http://testserver/repositories/{gone.pk}/" not in repositories
    for url in repositories:
        assert Client().get(url.removeprefix("http://testserver")).status_code == 200
    # The last push (or update) tells crawlers when to come back.
    root = ET.fromstring(Client().get("/sitemap-repositories.xml").content)  # noqa: S314
    lastmods = [node.findtext("s:lastmod", namespaces=NS) for node in root.findall("s:url", NS)]
    assert lastmods == [
        max(moment for moment in (repo.pushed_at, repo.updated_at) if moment).date().isoformat()
        if repo.pushed_at or repo.updated_at
        else None
        for repo in present
    ]


@pytest.mark.django_db
def test_the_catalogue_section_lists_published_entries_only() -> None:
    from communs.catalogue.models import Moderation, Software

    Software.objects.create(name="Publié", slug="publie", moderation=Moderation.PUBLISHED)
    Software.objects.create(name="Proposé", slug="propose", moderation=Moderation.PROPOSED)

    assert locations("/sitemap-catalogue.xml") == ["http://testserver/catalogue/software/publie/"]
    pages = locations("/sitemap-pages.xml")
    assert "http://testserver/catalogue/" in pages
    assert "http://testserver/catalogue/instances/" in pages
    assert Client().get("/catalogue/software/publie/").status_code == 200


def test_many_repositories_make_an_index_of_pages(
    sector: SectorCore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Three present repositories, two a page: as a million would, ten thousand a page.
    monkeypatch.setattr(RepositorySitemap, "limit", 2)

    sections = locations("/sitemap.xml")

    assert sections[-2:] == [
        "http://testserver/sitemap-repositories.xml",
        "http://testserver/sitemap-repositories.xml?p=2",
    ]
    first = locations("/sitemap-repositories.xml")
    second = locations("/sitemap-repositories.xml?p=2")
    assert (len(first), len(second)) == (2, 1)
    assert set(first).isdisjoint(second)
    for page in ("3", "0", "-1", "abc", "9" * 40):
        assert Client().get(f"/sitemap-repositories.xml?p={page}").status_code == 404


def test_an_unknown_section_is_404(sector: SectorCore) -> None:
    assert Client().get("/sitemap-secrets.xml").status_code == 404


def test_robots_txt_points_to_the_sitemap(db: None) -> None:
    response = Client().get("/robots.txt")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert "Sitemap: http://testserver/sitemap.xml" in lines
    assert "Disallow: /admin/" in lines
