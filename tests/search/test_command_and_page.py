"""``communs search reindex``, and the repository list page wired to the search."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import translation

from communs.repositories.models import Repository
from communs.search import SearchQuery, search_repositories
from communs.search.models import RepositoryEntry
from communs.search.query import SORTS
from communs.web.queries import SEARCH_SORT_LABELS

from .conftest import Sector

LIST = reverse("repository-list")
pytestmark = pytest.mark.django_db


def test_it_rebuilds_the_whole_index_from_the_command(catalogue: list[Repository]) -> None:
    # Rows stored without indexing (an import from before this index existed)…
    stale = catalogue[0]
    Repository.objects.filter(pk=stale.pk).update(description="Hydrologie des bassins")
    RepositoryEntry.objects.filter(pk=catalogue[1].pk).delete()
    out = StringIO()
    with translation.override("en"):
        call_command("search", "reindex", stdout=out)
    assert re.search(r"Indexed 120 repositories and 4 organisations in [\d.]+ s\.", out.getvalue())
    assert RepositoryEntry.objects.count() == 120
    assert [
        r.pk for r in search_repositories(SearchQuery(q="hydrologie", include_gone=True)).items
    ] == [stale.pk]


def test_it_needs_an_action(db: None) -> None:
    with pytest.raises(Exception, match="action|required|arguments"):
        call_command("search")


def listed(client: Client, query: str) -> tuple[int, str]:
    response = client.get(f"{LIST}?{query}", HTTP_ACCEPT_LANGUAGE="en")
    return response.status_code, response.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        "q=%FF%FE%FD",  # not UTF-8
        "q=%C3",  # a cut UTF-8 sequence
        "q=%00",
        "q=%22",
        "q=*",
        "q=NEAR%28",
        "q=AND+OR",
        "q=-",
        "q=" + "x" * 10_000,
        "q=%ED%A0%80",  # an encoded surrogate
        "page=-1&q=budget",
        "page=99999999999999&q=budget",
        "sort=%FF&fork=%FF&license=%FF&pushed_within=%FF&organisation=%FF",
        "pushed_within=99999999999999999999999",
        "ministry=nobody&organisation=nobody",
    ],
)
def test_it_answers_hostile_queries_normally(
    client: Client, catalogue: list[Repository], query: str
) -> None:
    status, html = listed(client, query)
    assert status in (200, 404)  # 404: a page number that is no page, as before
    if "page=-1" not in query:
        assert status == 200
        assert 'class="result-count"' in html


def test_it_shows_facet_counts_beside_the_values(
    client: Client, catalogue: list[Repository]
) -> None:
    status, html = listed(client, "q=transport&language=Python")
    assert status == 200
    result = search_repositories(SearchQuery(q="transport", language="Python"))
    assert f"{result.total} repositories" in html or f"{result.total} repository" in html
    for value, label, count in result.facets["language"]:
        selected = " selected" if value == "Python" else ""
        assert f'<option value="{value}"{selected}>{label} ({count})</option>' in html
    # Words given: relevance is the sort, and offered.
    assert '<option value="relevance" selected>' in html


def test_it_offers_relevance_only_with_words(client: Client, catalogue: list[Repository]) -> None:
    _, html = listed(client, "")
    assert 'value="relevance"' not in html
    assert '<option value="pushed" selected>' in html


def test_it_works_without_javascript(client: Client, catalogue: list[Repository]) -> None:
    _, html = listed(client, "q=budget")
    # The answer is in the page as served; a script may only enhance it, once loaded.
    for repository in search_repositories(SearchQuery(q="budget")).items:
        assert repository.full_path in html
    for script in re.findall(r"<script\b[^>]*>", html):
        assert " src=" in script and " defer" in script, script
    start = html.index('<form class="filters"')
    form = html[start : html.index("</form>", start)]
    assert 'method="get"' in form
    assert '<button type="submit">' in form


def test_the_list_names_every_sort_the_search_knows() -> None:
    # The page reads its parameters with the search's parse_params: a sort the search
    # added without a label here could not be chosen, one only here would be ignored.
    assert set(SEARCH_SORT_LABELS) == set(SORTS)


def test_it_lists_what_the_index_holds(client: Client, sector: Sector) -> None:
    repository = Repository.objects.create(
        forge=sector.gitlab,
        name="nouveau",
        full_path="groupe/nouveau",
        url="https://gitlab.exemple.gouv.fr/groupe/nouveau",
    )
    assert "groupe/nouveau" not in listed(client, "")[1]
    call_command("search", "reindex", stdout=StringIO())
    assert "groupe/nouveau" in listed(client, "q=nouv")[1]
    assert repository.search_entry.name_key == "nouveau"


def test_it_reports_the_backend_in_use() -> None:
    from communs.search.backends import current_backend

    assert current_backend().vendor == connection.vendor
