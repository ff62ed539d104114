"""The lists update in place with htmx, and work the same without JavaScript."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from .conftest import RepositoryFactory, Sector

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_ACCEPT_LANGUAGE": "en"}


def paths(html: str) -> list[str]:
    return re.findall(r'<a href="/repositories/\d+/">([^<]+)</a>', html)


@pytest.fixture
def sixty(sector: Sector, add_repositories: Callable[[int], None]) -> None:
    add_repositories(60)


def test_a_plain_get_gives_the_whole_page_with_a_working_form(client: Client, sixty: None) -> None:
    response = client.get("/repositories/", {"language": "Python"}, HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert html.startswith("<!doctype html>")
    # Without JavaScript the form is an ordinary GET form, and the pages ordinary links.
    assert re.search(r'<form class="filters" method="get" action="/repositories/"', html)
    assert '<option value="Python" selected>' in html
    assert "20 repositories" in html
    assert "HX-Request" in response["Vary"]
    # htmx comes from the site itself.
    assert '<script src="/static/web/vendor/htmx/htmx.min.js" defer></script>' in html
    assert finders.find("web/vendor/htmx/htmx.min.js") and finders.find("web/vendor/htmx/LICENSE")
    # Its requests leave the empty fields out (lists.js), so the pushed URL stays short.
    assert 'hx-on::config-request="communsDropEmpty(event)"' in html
    assert '<script src="/static/web/js/lists.js" defer></script>' in html
    assert finders.find("web/js/lists.js")


def test_an_htmx_request_gets_only_the_results_it_swaps(client: Client, sixty: None) -> None:
    full = client.get("/repositories/", {"sort": "stars", "page": "2"}).content.decode()
    response = client.get("/repositories/", {"sort": "stars", "page": "2"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and "<header" not in html
    assert html.count('id="repository-search"') == 1
    assert paths(html) == paths(full) and len(paths(html)) == 10
    # The title follows, and the live region outside the swapped part gets the new count.
    assert "<title>Repositories – page 2 of 2 · Communs</title>" in html
    assert '<p id="results-status" hx-swap-oob="innerHTML">60 repositories</p>' in html
    assert "HX-Request" in response["Vary"]


def test_the_filters_and_pages_ask_htmx_to_swap_in_place(client: Client, sixty: None) -> None:
    html = client.get("/repositories/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    wrapper = '<div id="repository-search" class="repository-search"'
    assert f'{wrapper} hx-target="this" hx-swap="outerHTML">' in html
    assert 'hx-get="/repositories/" hx-trigger="submit, change" hx-push-url="true"' in html
    # The pagination's links are boosted: same URLs, fetched by htmx.
    boosted = html[html.index('<div hx-boost="true">') :]
    assert 'href="?page=2" rel="next"' in boosted
    # The live region exists, empty, before any update.
    assert '<p id="results-status" class="visually-hidden" role="status"></p>' in html


def test_going_back_without_a_cached_copy_gets_the_whole_page(client: Client, sixty: None) -> None:
    html = client.get(
        "/repositories/", HTTP_HX_HISTORY_RESTORE_REQUEST="true", **HTMX
    ).content.decode()
    assert html.startswith("<!doctype html>")


def test_a_bad_page_is_still_a_404_for_htmx(client: Client, sixty: None) -> None:
    assert client.get("/repositories/", {"page": "abc"}, **HTMX).status_code == 404


def test_the_organisation_list_answers_htmx_too(
    client: Client, sector: Sector, make_repository: RepositoryFactory
) -> None:
    make_repository()
    params = {"ministry": sector.ministry.key, "sort": "repositories"}
    full = client.get("/organisations/", params, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    partial = client.get("/organisations/", params, **HTMX).content.decode()
    assert full.startswith("<!doctype html>") and "<html" not in partial
    assert 'id="organisation-search"' in full and 'id="organisation-search"' in partial
    names = re.compile(r'<th scope="row"><a href="/organisations/[^"]+/">([^<]+)</a>')
    assert (
        names.findall(partial)
        == names.findall(full)
        == [
            "Direction du numérique",
            "Ministère de l&#x27;Exemple",
            "Laboratoire d&#x27;innovation",
        ]
    )
    assert '<p id="results-status" hx-swap-oob="innerHTML">3 organisations</p>' in partial
