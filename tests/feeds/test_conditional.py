"""Feed readers poll: a feed says when it last changed and answers 304 when nothing did."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils.http import http_date, parse_http_date

from communs.figures import refresh_figures
from communs.repositories.models import Repository

from .conftest import Sector, seen

FEEDS = [
    "/feeds/repositories.atom",
    "/feeds/repositories.atom?language=Python",
    "/feeds/releases.atom",
    "/feeds/organisations/direction-numerique.atom",
]
RELEASE = {"tag": "v1.0", "name": "v1.0", "published_at": "2026-01-20T10:00:00Z", "url": ""}


@pytest.fixture
def published(sector: Sector) -> Sector:
    seen(sector.make("ancien", language="Python", latest_release=RELEASE), 5)
    seen(sector.make("recent", language="Python"), 2)
    return sector


@pytest.mark.parametrize("path", FEEDS)
def test_a_reader_holding_the_feed_gets_304(published: Sector, path: str) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    first = client.get(path)
    assert first.status_code == 200
    assert first["ETag"].startswith('"')
    again = client.get(path, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == first["ETag"]
    since = client.get(path, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert since.status_code == 304


def test_the_feed_says_its_newest_entry_as_last_modified(published: Sector) -> None:
    response = Client().get("/feeds/repositories.atom")
    newest = Repository.objects.get(name="recent").first_seen_at
    assert parse_http_date(response["Last-Modified"]) == int(newest.timestamp())


def test_a_new_entry_gives_the_whole_feed_again(published: Sector) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    first = client.get("/feeds/repositories.atom")
    seen(published.make("tout-neuf"), 0)
    cache.clear()
    by_etag = client.get("/feeds/repositories.atom", HTTP_IF_NONE_MATCH=first["ETag"])
    assert by_etag.status_code == 200
    assert "tout-neuf" in by_etag.content.decode()
    assert by_etag["ETag"] != first["ETag"]
    by_date = client.get("/feeds/repositories.atom", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert by_date.status_code == 200


def test_an_edited_entry_changes_the_etag_even_without_a_newer_date(published: Sector) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    first = client.get("/feeds/repositories.atom")
    Repository.objects.filter(name="ancien").update(description="Une description nouvelle")
    again = client.get("/feeds/repositories.atom", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200
    assert "Une description nouvelle" in again.content.decode()


def test_each_language_has_its_own_etag(published: Sector) -> None:
    english = Client(HTTP_ACCEPT_LANGUAGE="en").get("/feeds/repositories.atom")
    french = Client(HTTP_ACCEPT_LANGUAGE="fr").get("/feeds/repositories.atom")
    assert english["ETag"] != french["ETag"]
    assert "Accept-Language" in french["Vary"]


def test_an_old_copy_gets_the_feed(published: Sector) -> None:
    old = http_date(0)
    response = Client().get("/feeds/repositories.atom", HTTP_IF_MODIFIED_SINCE=old)
    assert response.status_code == 200
    stale = Client().get("/feeds/repositories.atom", HTTP_IF_NONE_MATCH='"not-this-one"')
    assert stale.status_code == 200


def test_errors_are_not_made_conditional(sector: Sector) -> None:
    response = Client().get("/feeds/repositories.atom?fork=maybe", HTTP_IF_NONE_MATCH="*")
    assert response.status_code == 400
    missing = Client().get("/feeds/organisations/personne.atom", HTTP_IF_NONE_MATCH="*")
    assert missing.status_code == 404


def test_a_harvests_refresh_renews_the_releases_feed(
    published: Sector, django_capture_on_commit_callbacks: Any
) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    first = client.get("/feeds/releases.atom")
    newer = dict(RELEASE, tag="v2.0", name="v2.0", published_at="2026-01-25T10:00:00Z")
    published.make("nouvelle-version", latest_release=newer)
    # Sorting releases reads every repository: kept until data is stored again.
    assert "nouvelle-version" not in client.get("/feeds/releases.atom").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        refresh_figures()  # what a harvest calls once it stored its pages
    again = client.get("/feeds/releases.atom", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200
    assert "nouvelle-version" in again.content.decode()
