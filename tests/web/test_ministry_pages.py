"""The ministries' list (/ministries/) and each ministry's page."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from communs.repositories.models import Repository
from communs.sources.models import Account, Organisation

from .conftest import RepositoryFactory, Sector, forget_cached
from .tables import number, read_tables


@pytest.fixture
def ministries(sector: Sector, make_repository: RepositoryFactory) -> Organisation:
    other = Organisation.objects.create(
        key="ministere-autre", name="Autre ministère", level=Organisation.Level.MINISTRY
    )
    account = Account.objects.create(forge=sector.github, path="autre", organisation=other)
    make_repository("carte", license="MIT", language="Python")
    make_repository("budget", license="MIT", language="Go", description="Budget participatif")
    make_repository("labo", account=sector.lab_account, license="EUPL-1.2", language="Python")
    make_repository("instance", account=None, language="Rust")  # the lab's own forge
    make_repository("parti", license="MIT", gone_since=datetime(2024, 1, 1, tzinfo=UTC))
    make_repository("ailleurs", account=account, license="MIT", language="Python")
    return other


def test_the_list_counts_each_ministry_with_what_is_under_it(
    client: Client, sector: Sector, ministries: Organisation
) -> None:
    html = client.get(reverse("ministry-list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    reader = read_tables(html)
    rows = reader.tables["Ministries, with their organisations and repositories"]
    # By name; organisations with the ministry itself; present repositories only.
    assert [(row[0], number(row[1]), number(row[2])) for row in rows] == [
        ("Autre ministère", 1, 1),
        ("Ministère de l'Exemple", 3, 4),
    ]
    links = reader.links["Ministries, with their organisations and repositories"]
    assert links["Ministère de l'Exemple"] == "/ministries/ministere-exemple/"
    assert 'href="/repositories/?ministry=ministere-exemple"' in html


def test_a_ministry_page_shows_its_tree_figures_and_newest(
    client: Client, sector: Sector, ministries: Organisation
) -> None:
    response = client.get(
        reverse("ministry-detail", args=[sector.ministry.key]), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<dt>Repositories</dt><dd>4</dd>" in html
    assert "<dt>Organisations, itself included</dt><dd>3</dd>" in html
    assert "<dt>Accounts followed</dt><dd>2</dd>" in html
    # The hierarchy nests: the lab's item sits inside the directorate's list.
    tree = html[html.index('class="organisation-tree"') :]
    directorate = tree.index(f'href="{sector.directorate.get_absolute_url()}"')
    lab = tree.index(f'href="{sector.lab.get_absolute_url()}"')
    assert directorate < tree.index("<ul>", directorate) < lab
    assert "(4 repositories)" in tree and "(2 repositories)" in tree
    # Licences and languages of its repositories, linked to the list with both filters.
    reader = read_tables(html)
    licences = reader.tables["Repositories of the ministry by licence, the most frequent first"]
    assert {row[0]: number(row[1]) for row in licences} == {"MIT": 2, "EUPL-1.2": 1, "Unknown": 1}
    links = reader.links["Repositories of the ministry by licence, the most frequent first"]
    assert links["MIT"] == "/repositories/?ministry=ministere-exemple&license=MIT"
    languages = reader.tables[
        "Repositories of the ministry by main language, the most frequent first"
    ]
    assert {row[0]: number(row[1]) for row in languages} == {"Python": 2, "Go": 1, "Rust": 1}
    # Newest first; the other ministry's and the gone repository are not there.
    newest = re.findall(r'<a href="/repositories/\d+/">([^<]+)</a>', html)
    assert newest == [
        "groupe/instance",
        "labo-innov/labo",
        "direction-numerique/budget",
        "direction-numerique/carte",
    ]
    assert 'href="/repositories/?ministry=ministere-exemple"' in html


def test_the_linked_list_finds_the_same_repositories(
    client: Client, sector: Sector, ministries: Organisation
) -> None:
    html = client.get(
        "/repositories/", {"ministry": sector.ministry.key}, HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "4 repositories" in html
    present = Repository.objects.filter(gone_since__isnull=True).exclude(account__path="autre")
    assert present.count() == 4


@pytest.mark.parametrize("key", ["direction-numerique", "nobody", "x" * 300])
def test_only_ministries_have_a_ministry_page(
    client: Client, sector: Sector, ministries: Organisation, key: str
) -> None:
    response = client.get(f"/ministries/{key}/")
    assert response.status_code == 404


def test_a_ministry_with_nothing_yet(client: Client, ministries: Organisation) -> None:
    Repository.objects.filter(account__organisation=ministries).delete()
    response = client.get(
        reverse("ministry-detail", args=[ministries.key]), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "No repository is known for this ministry." in html
    assert "Nothing to count yet." in html


def test_the_pages_do_a_fixed_number_of_queries(
    client: Client,
    sector: Sector,
    ministries: Organisation,
    add_repositories: Callable[[int], None],
) -> None:
    urls = ("/stats/", "/ministries/", f"/ministries/{sector.ministry.key}/")

    def queries_per_page() -> list[int]:
        counted = []
        for url in urls:
            forget_cached()
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url).status_code == 200
            counted.append(len(captured))
        return counted

    before = queries_per_page()
    add_repositories(40)
    Organisation.objects.create(key="sous-labo", name="Sous-labo", parent=sector.lab)
    assert queries_per_page() == before
