"""What each backend does for speed: a mapped SQLite file, relevance pages ranked from
the words alone, bounded PostgreSQL statements never compiled by JIT; same answers."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from communs.figures import refresh_figures
from communs.repositories.models import Repository
from communs.search import (
    SearchQuery,
    engine,
    index_repositories,
    search_repositories,
    wordindex,
)
from communs.search.apps import SQLITE_MMAP_BYTES
from communs.search.backends import STATEMENT_TIMEOUT_MS

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def word_index(monkeypatch: pytest.MonkeyPatch) -> str:
    """These tests look at the statements themselves: no word index answers here (its
    own tuning is in test_word_index.py)."""
    monkeypatch.setattr(wordindex, "find", lambda terms: None)
    monkeypatch.setattr(wordindex, "find_all", lambda: None)
    return "statements"


def test_it_maps_the_sqlite_file_into_memory(tmp_path: Path) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    # A file database (the tests' own lives in memory, which has no file to map),
    # opened as the site opens one for each request.
    settings = {**connection.settings_dict, "NAME": str(tmp_path / "communs.sqlite3")}
    fresh = connections[DEFAULT_DB_ALIAS].__class__(settings)
    try:
        with fresh.cursor() as cursor:
            cursor.execute("PRAGMA mmap_size")
            assert cursor.fetchone()[0] == SQLITE_MMAP_BYTES
    finally:
        fresh.close()


def test_it_bounds_every_statement_of_a_search_on_postgresql(
    catalogue: list[Repository],
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    with CaptureQueriesContext(connection) as captured:
        result = search_repositories(SearchQuery(q="budget"))
    assert result.total > 0
    statements = [q["sql"] for q in captured.captured_queries]
    assert f"SET LOCAL statement_timeout = {STATEMENT_TIMEOUT_MS}" in statements
    assert "SET LOCAL jit = off" in statements
    # Settings first, then every read of the search, in the same transaction.
    assert statements.index("SET LOCAL jit = off") < next(
        i for i, sql in enumerate(statements) if "search_repository" in sql
    )


@pytest.mark.parametrize("margin", [0, engine.RELEVANCE_MARGIN])
@pytest.mark.parametrize("include_gone", [False, True])
def test_it_pages_by_relevance_by_number_as_by_cursor(
    catalogue: list[Repository], monkeypatch: pytest.MonkeyPatch, margin: int, include_gone: bool
) -> None:
    # No margin: the best matches read from the words alone (SQLite) fall short of a
    # page as soon as one of them is gone, and the window has to grow.
    monkeypatch.setattr(engine, "RELEVANCE_MARGIN", margin)
    query = SearchQuery(q="cartographie", per_page=7, include_gone=include_gone)
    by_cursor: list[int] = []
    page = replace(query, cursor="start")
    while True:
        result = search_repositories(page)
        by_cursor += [r.pk for r in result.items]
        if not result.next_cursor:
            break
        page = replace(page, cursor=result.next_cursor)
    first = search_repositories(query)
    by_number = [
        r.pk
        for number in range(1, first.pages + 1)
        for r in search_repositories(replace(query, page=number)).items
    ]
    gone = set(Repository.objects.filter(gone_since__isnull=False).values_list("pk", flat=True))
    assert by_number == by_cursor
    assert len(by_number) == first.total > 7
    assert bool(gone & set(by_number)) == include_gone


def test_it_forgets_cached_counts_once_new_entries_are_committed(
    catalogue: list[Repository], django_capture_on_commit_callbacks: Any
) -> None:
    query = SearchQuery(include_hidden=True, language="Python")
    before = search_repositories(query)  # counted, then cached for minutes
    account = catalogue[0].account or catalogue[1].account
    with django_capture_on_commit_callbacks(execute=True):
        added = Repository.objects.create(
            forge=account.forge,
            account=account,
            name="nouveau",
            full_path=f"{account.path}/nouveau",
            url=f"{account.forge.url}/{account.path}/nouveau",
            language="Python",
        )
        index_repositories([added.pk])
    after = search_repositories(query)
    assert after.total == before.total + 1
    python = {v.value: v.count for v in before.facets["language"]}["Python"]
    assert {v.value: v.count for v in after.facets["language"]}["Python"] == python + 1


def test_unfiltered_counts_are_shared_by_processes_until_indexing_commits(
    catalogue: list[Repository], django_capture_on_commit_callbacks: Any
) -> None:
    before = search_repositories(SearchQuery())
    # Another process: its own memory is empty, the shared ``figures`` cache is not.
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        again = search_repositories(SearchQuery())
    assert (again.total, again.facets) == (before.total, before.facets)
    assert not [q for q in captured.captured_queries if "GROUP BY" in q["sql"]]
    account = catalogue[0].account or catalogue[1].account
    with django_capture_on_commit_callbacks(execute=True):
        added = Repository.objects.create(
            forge=account.forge,
            account=account,
            name="nouveau",
            full_path=f"{account.path}/nouveau",
            url=f"{account.forge.url}/{account.path}/nouveau",
        )
        index_repositories([added.pk])
    assert search_repositories(SearchQuery()).total == before.total + 1


@pytest.mark.parametrize("language", ["fr", "en"])
def test_cached_counts_are_the_counts_read_without_a_cache(
    catalogue: list[Repository], django_capture_on_commit_callbacks: Any, language: str
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        refresh_figures()  # what a harvest leaves: the unfiltered counts, counted
    python = [r for r in catalogue if r.language == "Python"]
    assert python
    queries = [
        SearchQuery(),
        SearchQuery(language="Python"),
        SearchQuery(language="Python", fork="exclude"),
        SearchQuery(include_hidden=True, include_gone=True),
    ]
    with translation.override(language):
        for query in queries:
            for _ in range(2):  # counted or cached, then cached
                found = search_repositories(query)
                now = timezone.now().replace(second=0, microsecond=0)
                expected = engine._count_rows(engine._plan(query, now), query.facets)
                assert (found.total, found.facets) == (expected.total, expected.facets)


def test_sqlite_counts_words_from_the_words_alone_with_coded_facets(
    catalogue: list[Repository],
) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    query = SearchQuery(q="cartographie", fork="exclude", facets=("language", "license", "forge"))
    with CaptureQueriesContext(connection) as captured:
        coded = search_repositories(query)
    counting = [q["sql"] for q in captured.captured_queries if "GROUP BY" in q["sql"]]
    assert len(counting) == 1
    # Per facet code, from the FTS5 rowids: no entry read per match.
    assert "search_facet_code" in counting[0]
    assert "search_repository AS s" not in counting[0]
    # A facet that codes do not name (pushed within N days) reads the entries: the
    # same total either way.
    mixed = search_repositories(replace(query, facets=("language", "pushed_within")))
    assert mixed.total == coded.total > 0
    assert mixed.facets["language"] == coded.facets["language"]
