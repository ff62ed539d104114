from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from communs.sources.models import Account, Organisation
from communs.web.queries import subtree_ids

from .conftest import RepositoryFactory, Sector, forget_cached

LIST = reverse("organisation-list")


def listed(client: Client, **params: str) -> list[str]:
    response = client.get(LIST, params, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    return re.findall(r'<th scope="row"><a href="/organisations/[^/]+/">([^<]+)</a>', html)


@pytest.fixture
def published(sector: Sector, make_repository: RepositoryFactory) -> None:
    make_repository("un")
    make_repository("deux")
    make_repository("labo", account=sector.lab_account)
    make_repository("instance", account=None)  # on the lab's own forge


def test_it_lists_organisations_with_their_counts(client: Client, published: None) -> None:
    html = client.get(LIST, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    row = html[html.index("Direction du numérique</a></th>") :]
    row = row[: row.index("</tr>")]
    # Part of the ministry; one child, one account, two own repositories, four with the lab's.
    assert 'href="/organisations/ministere-exemple/">Ministère de l&#x27;Exemple</a>' in row
    assert re.findall(r'<td class="number">(\d+)</td>', row) == ["1", "1", "2", "4"]
    lab = html[html.index("Laboratoire d&#x27;innovation</a></th>") :]
    lab = lab[: lab.index("</tr>")]
    assert re.findall(r'<td class="number">(\d+)</td>', lab) == ["0", "1", "2", "2"]
    assert "<caption>" in html


def test_it_filters_organisations_by_name_and_ministry(client: Client, published: None) -> None:
    other = Organisation.objects.create(key="autre", name="Autre ministère", level="ministry")
    Organisation.objects.create(key="agence", name="Agence nationale", parent=other)
    assert listed(client, q="labor") == ["Laboratoire d&#x27;innovation"]
    assert listed(client, ministry="autre") == ["Agence nationale", "Autre ministère"]
    assert listed(client, ministry="ministere-exemple") == [
        "Direction du numérique",
        "Laboratoire d&#x27;innovation",
        "Ministère de l&#x27;Exemple",
    ]
    assert listed(client, ministry="inconnu") == []
    # Most repositories with sub-organisations first; ties by name.
    assert listed(client, sort="repositories") == [
        "Direction du numérique",
        "Ministère de l&#x27;Exemple",
        "Laboratoire d&#x27;innovation",
        "Agence nationale",
        "Autre ministère",
    ]


def test_it_lists_organisations_with_a_fixed_number_of_queries(
    client: Client, sector: Sector, django_assert_max_num_queries: Callable
) -> None:
    with CaptureQueriesContext(connection) as few:
        assert client.get(LIST).status_code == 200
    for number in range(80):
        child = Organisation.objects.create(
            key=f"service-{number}", name=f"Service {number}", parent=sector.directorate
        )
        Account.objects.create(forge=sector.github, path=f"service-{number}", organisation=child)
    forget_cached()
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(LIST)
    assert response.status_code == 200
    assert response.content.decode().count('<th scope="row">') == 50
    forget_cached()
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(LIST, {"sort": "repositories", "page": "2"})
    assert response.content.decode().count('<th scope="row">') == 83 - 50


@pytest.mark.parametrize(
    ("page", "status"), [("0", 404), ("-1", 404), ("abc", 404), ("999999", 200), ("last", 200)]
)
@pytest.mark.parametrize("sort", ["name", "repositories"])
def test_it_never_fails_on_a_bad_organisation_page(
    client: Client, sector: Sector, page: str, status: int, sort: str
) -> None:
    response = client.get(LIST, {"page": page, "sort": sort}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == status
    if status == 200:
        assert "3 organisations" in response.content.decode()


def test_it_shows_an_organisation_with_its_hierarchy_accounts_and_repositories(
    client: Client, sector: Sector, published: None
) -> None:
    response = client.get(sector.directorate.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    crumbs = html[
        html.index('<nav class="breadcrumb') : html.index("</nav>", html.index("breadcrumb"))
    ]
    assert re.findall(r">([^<]+)</a></li>", crumbs) == [
        "Home",
        "Organisations",
        "Ministère de l&#x27;Exemple",
        "Direction du numérique",
    ]
    assert 'aria-current="page">Direction du numérique' in crumbs
    # Its child, its account on the forge, its links, its identifiers.
    assert 'href="/organisations/laboratoire-innovation/">Laboratoire d&#x27;innovation' in html
    assert (
        'href="https://github.com/direction-numerique" rel="external">direction-numerique' in html
    )
    assert 'href="https://exemple.gouv.fr/ospo"' in html
    assert 'href="https://numerique.exemple.gouv.fr"' in html
    assert "0a1b2c3d-0000-4000-8000-000000000001" in html
    assert "130025265" in html
    # Its repositories and those of the lab under it.
    for path in ("direction-numerique/un", "labo-innov/labo", "groupe/instance"):
        assert path in html
    assert "2 (4 with its sub-organisations)" in html


def test_it_shows_the_forges_an_organisation_runs(
    client: Client, sector: Sector, published: None
) -> None:
    html = client.get(sector.lab.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    # Its status page in Communs, and the forge itself.
    assert '<a href="/forges/gitlab.exemple.gouv.fr/">gitlab.exemple.gouv.fr</a>' in html
    assert '<a href="https://gitlab.exemple.gouv.fr" rel="external">on the web</a>' in html
    assert "Whole forge followed" in html
    assert "groupe/instance" in html
    # The ministry has no account of its own: its page counts those below it.
    html = client.get(
        sector.ministry.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert 'href="https://exemple.gouv.fr/politique-logiciels-libres"' in html
    assert "0 (4 with its sub-organisations)" in html


def test_it_pages_an_organisations_repositories(
    client: Client, sector: Sector, add_repositories: Callable[[int], None]
) -> None:
    add_repositories(150)  # 50 each on the directorate, the lab and the lab's forge
    url = sector.directorate.get_absolute_url()
    first = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'href="?page=2#repositories"' in first
    last = client.get(url, {"page": "999"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'href="?page=3#repositories" aria-current="page"' in last
    assert client.get(url, {"page": "abc"}).status_code == 404


def test_it_answers_404_for_an_unknown_organisation(client: Client, db: None) -> None:
    assert client.get("/organisations/inconnue/").status_code == 404


def test_it_cuts_cycles_in_the_hierarchy(client: Client, sector: Sector) -> None:
    # Bad data must not hang the page: the ministry made a child of its own lab.
    sector.ministry.parent = sector.lab
    sector.ministry.save()
    assert set(subtree_ids(sector.ministry)) == {
        sector.ministry.pk,
        sector.directorate.pk,
        sector.lab.pk,
    }
    assert client.get(sector.lab.get_absolute_url()).status_code == 200
    assert client.get(LIST).status_code == 200
