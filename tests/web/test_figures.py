"""The pages' whole-index figures: shared by every process, counted anew when data is stored."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from django.apps import apps
from django.db import connection
from django.db.models.signals import post_migrate
from django.test import Client
from django.test.utils import CaptureQueriesContext

from communs import figures
from communs.demo.generator import generate
from communs.demo.management.commands.demo import load_demo
from communs.repositories.models import Repository
from communs.search import engine
from communs.search.documents import REPOSITORY
from communs.web import stats
from communs.web.queries import organisation_counts, site_figures

from .conftest import RepositoryFactory, Sector

REPOSITORY_TABLE = Repository._meta.db_table


def repository_scans(captured: CaptureQueriesContext) -> list[str]:
    """The statements that read the repositories' table (what the cache spares)."""
    return [q["sql"] for q in captured.captured_queries if REPOSITORY_TABLE in q["sql"]]


def test_a_refresh_counts_every_figure_before_anyone_asks(
    sector: Sector,
    make_repository: RepositoryFactory,
    django_capture_on_commit_callbacks: Callable,
    client: Client,
) -> None:
    make_repository("premier", language="Python")
    assert site_figures().repositories == 1
    make_repository("second", language="Go")
    assert site_figures().repositories == 1  # kept: nothing said the data changed
    with django_capture_on_commit_callbacks(execute=True):
        figures.refresh_figures()
    with CaptureQueriesContext(connection) as captured:
        assert site_figures().repositories == 2
        assert stats.statistics().repositories == 2
        assert organisation_counts().total[sector.ministry.pk] == 2
    assert repository_scans(captured) == []
    # The pages read them too: the stats page counts nothing itself.
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/stats/").status_code == 200
    assert repository_scans(captured) == []


def test_a_refresh_waits_for_the_data_to_be_committed(
    sector: Sector, make_repository: RepositoryFactory, django_capture_on_commit_callbacks: Callable
) -> None:
    make_repository("premier")
    assert site_figures().repositories == 1
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        make_repository("second")
        figures.refresh_figures()
    # Not before the commit: counting inside the transaction would count what may roll back.
    assert site_figures().repositories == 1
    for callback in callbacks:
        callback()
    assert site_figures().repositories == 2


def test_the_figures_are_kept_in_the_database_for_every_process(
    sector: Sector, make_repository: RepositoryFactory, django_capture_on_commit_callbacks: Callable
) -> None:
    make_repository("premier")
    with django_capture_on_commit_callbacks(execute=True):
        figures.refresh_figures()
    # Another server process reads the same table (a process's memory would not do).
    table = connection.ops.quote_name("communs_figures_cache")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT cache_key FROM {table}")  # noqa: S608 - a fixed name
        keys = [row[0] for row in cursor.fetchall()]
    assert any(key.endswith(".figures") for key in keys)
    assert any(key.endswith(f".ministry.{sector.ministry.pk}") for key in keys)
    # The ministry's tree too, in each language of the site.
    for language in ("fr", "en"):
        assert any(key.endswith(f".ministry.{sector.ministry.pk}.tree.{language}") for key in keys)


def test_a_migration_or_a_flush_forgets_the_figures(
    sector: Sector, make_repository: RepositoryFactory
) -> None:
    make_repository("premier")
    assert site_figures().repositories == 1
    make_repository("second")
    post_migrate.send(sender=apps.get_app_config("web"), app_config=apps.get_app_config("web"))
    assert site_figures().repositories == 2


def test_a_failed_count_leaves_figures_counted_on_demand(
    sector: Sector,
    make_repository: RepositoryFactory,
    django_capture_on_commit_callbacks: Callable,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    make_repository("premier")
    assert site_figures().repositories == 1
    make_repository("second")

    def broken() -> dict:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(figures, "count_figures", broken)
    with django_capture_on_commit_callbacks(execute=True):
        figures.refresh_figures()  # logged, never raised
    assert site_figures().repositories == 2  # never the old figure


def test_loading_data_leaves_the_home_page_counted(
    db: None, tmp_path: Path, django_capture_on_commit_callbacks: Callable, client: Client
) -> None:
    data = generate(organisations=12, repositories=40, seed=3)
    with django_capture_on_commit_callbacks(execute=True):
        load_demo(data, tmp_path)
    present = Repository.objects.filter(gone_since__isnull=True).count()
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert site_figures().repositories == present
    # Only the two short lists read repositories; every figure came from the refresh.
    assert len(repository_scans(captured)) == 2


# -- the search's counts without words ----------------------------------------------------


def counting_statements(captured: CaptureQueriesContext) -> list[str]:
    """The statements that count the search's rows (its facet statement)."""
    table = REPOSITORY.entry_table
    return [
        q["sql"]
        for q in captured.captured_queries
        if table in q["sql"] and "COUNT(" in q["sql"].upper()
    ]


def listed_total(client: Client, url: str = "/repositories/", language: str = "en") -> int:
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.context["page"].paginator.count


def test_after_a_refresh_the_list_counts_nothing(
    sector: Sector,
    make_repository: RepositoryFactory,
    django_capture_on_commit_callbacks: Callable,
    client: Client,
) -> None:
    make_repository("premier", language="Python")
    make_repository("second", language="Go", is_fork=True)
    with django_capture_on_commit_callbacks(execute=True):
        figures.refresh_figures()
    # The first visitor after a harvest, in either language, and the htmx fragment.
    for language in ("fr", "en"):
        with CaptureQueriesContext(connection) as captured:
            assert listed_total(client, language=language) == 2
        assert counting_statements(captured) == []
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/repositories/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert counting_statements(captured) == []
    # One filter: the other facets are counted, that filter's own are the cached ones.
    with CaptureQueriesContext(connection) as captured:
        assert listed_total(client, "/repositories/?language=Python") == 1
    assert len(counting_statements(captured)) == 1


def test_the_cached_counts_are_those_counted_without_a_cache(
    sector: Sector,
    make_repository: RepositoryFactory,
    django_capture_on_commit_callbacks: Callable,
    client: Client,
) -> None:
    make_repository("premier", language="Python", license="MIT")
    make_repository("second", language="Go", is_fork=True)
    make_repository("troisième", language="Python", license="")

    def answer(url: str, language: str) -> tuple:
        context = client.get(url, HTTP_ACCEPT_LANGUAGE=language).context
        page = context["page"]
        return page.paginator.count, context["facets"], [r.pk for r in page.object_list]

    urls = ("/repositories/", "/repositories/?language=Python", "/repositories/?sort=name")
    counted = {(url, language): answer(url, language) for url in urls for language in ("fr", "en")}
    with django_capture_on_commit_callbacks(execute=True):
        figures.refresh_figures()
    for (url, language), expected in counted.items():
        assert answer(url, language) == expected
    # Each language keeps its own labels.
    assert counted[urls[0], "fr"][1]["fork"] != counted[urls[0], "en"][1]["fork"]


def test_an_index_change_is_counted_by_the_next_request(
    sector: Sector,
    make_repository: RepositoryFactory,
    django_capture_on_commit_callbacks: Callable,
    client: Client,
) -> None:
    make_repository("premier", language="Python")
    with django_capture_on_commit_callbacks(execute=True):
        figures.refresh_figures()
    assert listed_total(client) == 1
    # Indexing commits (a harvest's last step, `search reindex`): no refresh follows.
    with django_capture_on_commit_callbacks(execute=True):
        make_repository("second", language="Python")
    response = client.get("/repositories/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.context["page"].paginator.count == 2
    languages = {v.value: v.count for v in response.context["facets"]["language"]}
    assert languages["Python"] == 2
    # The pages' other figures wait for the command's refresh (an analysis commits every
    # few seconds: they would never be warm).
    assert site_figures().repositories == 1
    with django_capture_on_commit_callbacks(execute=True):
        figures.refresh_figures()
    assert site_figures().repositories == 2
    with CaptureQueriesContext(connection) as captured:
        assert listed_total(client) == 2
    assert counting_statements(captured) == []


def test_unfiltered_counts_older_than_their_age_are_counted_again(
    sector: Sector,
    make_repository: RepositoryFactory,
    django_capture_on_commit_callbacks: Callable,
    client: Client,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    make_repository("premier")
    with django_capture_on_commit_callbacks(execute=True):
        figures.refresh_figures()
    # "Pushed within 30 days" moves with the clock: past their age, counted again.
    monkeypatch.setattr(engine, "UNFILTERED_MAX_AGE", -1)
    with CaptureQueriesContext(connection) as captured:
        assert listed_total(client) == 1
    assert len(counting_statements(captured)) == 1


@pytest.mark.parametrize("present", [1, 3])
def test_no_test_reads_the_counts_another_cached(
    present: int,
    sector: Sector,
    make_repository: RepositoryFactory,
    django_capture_on_commit_callbacks: Callable,
    client: Client,
) -> None:
    # Run twice with different rows: the second would read the first's counts if the
    # shared cache (a table of the test database) outlived a test.
    for number in range(present):
        make_repository(f"depot-{number}")
    assert listed_total(client) == present
    with django_capture_on_commit_callbacks(execute=True):
        figures.refresh_figures()
    assert listed_total(client) == present
