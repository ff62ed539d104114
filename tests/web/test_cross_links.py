"""The links people follow between pages: repository → organisation → ministry, and forges."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

from django.test import Client
from django.urls import reverse

from .conftest import RepositoryFactory, Sector


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.hrefs.append(href)


def links_of(client: Client, url: str) -> list[str]:
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200, url
    parser = _Links()
    parser.feed(response.content.decode())
    return parser.hrefs


def follow(client: Client, url: str, target: str) -> None:
    """``url`` links to ``target``, and ``target`` answers."""
    assert target in links_of(client, url), (url, target)
    assert client.get(target).status_code == 200, target


def test_a_repository_links_its_organisation_ministry_and_forge(
    client: Client, sector: Sector, make_repository: RepositoryFactory
) -> None:
    repository = make_repository("carto")
    page = repository.get_absolute_url()
    follow(client, page, sector.directorate.get_absolute_url())
    follow(client, page, reverse("ministry-detail", args=[sector.ministry.key]))
    follow(client, page, reverse("forge-detail", args=[sector.github.host]))


def test_an_organisation_links_its_ministrys_page(client: Client, sector: Sector) -> None:
    ministry_page = reverse("ministry-detail", args=[sector.ministry.key])
    for organisation in (sector.lab, sector.directorate, sector.ministry):
        follow(client, organisation.get_absolute_url(), ministry_page)
    # And back: the ministry's page links its page as an organisation.
    follow(client, ministry_page, sector.ministry.get_absolute_url())


def test_an_organisation_outside_any_ministry_links_no_ministry_page(
    client: Client, sector: Sector
) -> None:
    sector.directorate.parent = None
    sector.directorate.save()
    hrefs = links_of(client, sector.directorate.get_absolute_url())
    assert not [
        href for href in hrefs if href.startswith("/ministries/") and href != "/ministries/"
    ]


def test_an_organisation_links_the_forges_it_uses_and_runs(client: Client, sector: Sector) -> None:
    follow(
        client, sector.lab.get_absolute_url(), reverse("forge-detail", args=[sector.gitlab.host])
    )
    follow(
        client,
        sector.directorate.get_absolute_url(),
        reverse("forge-detail", args=[sector.github.host]),
    )


def test_a_forge_links_who_runs_it_and_its_repositories(
    client: Client, sector: Sector, make_repository: RepositoryFactory
) -> None:
    make_repository("sur-gitlab", account=None)
    page = reverse("forge-detail", args=[sector.gitlab.host])
    follow(client, page, sector.lab.get_absolute_url())
    listing = next(href for href in links_of(client, page) if href.startswith("/repositories/?"))
    assert parse_qs(urlsplit(listing).query) == {"forge": [sector.gitlab.host]}
    assert "groupe/sur-gitlab" in client.get(listing).content.decode()
