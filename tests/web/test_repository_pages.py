from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from .conftest import RepositoryFactory, Sector, forget_cached

LIST = reverse("repository-list")


def listed(client: Client, **params: str) -> list[str]:
    """The repository paths on the list page for ``params``, in their order."""
    response = client.get(LIST, params, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return re.findall(r'<a href="/repositories/\d+/">([^<]+)</a>', response.content.decode())


@pytest.fixture
def catalogue(sector: Sector, make_repository: RepositoryFactory) -> None:
    make_repository(
        "alpha",
        description="Outil de cartographie",
        language="Python",
        license="MIT",
        stars=10,
        forks=1,
        is_fork=False,
        created_at=datetime(2019, 1, 1, tzinfo=UTC),
        pushed_at=datetime(2024, 3, 1, tzinfo=UTC),
    )
    make_repository(
        "Beta",
        account=sector.lab_account,
        language="Go",
        license="EUPL-1.2",
        stars=30,
        forks=0,
        is_fork=True,
        created_at=datetime(2021, 1, 1, tzinfo=UTC),
        pushed_at=datetime(2024, 1, 1, tzinfo=UTC),
    )
    make_repository(
        "gamma",
        account=None,
        language="Python",
        license="",
        stars=20,
        forks=9,
        is_archived=True,
        created_at=None,
        pushed_at=None,
    )
    make_repository(
        "delta", language="Rust", license="MIT", gone_since=datetime(2024, 5, 1, tzinfo=UTC)
    )


def test_it_lists_present_repositories_by_last_push(client: Client, catalogue: None) -> None:
    # Never pushed comes last; the gone repository is left out.
    assert listed(client) == [
        "direction-numerique/alpha",
        "labo-innov/Beta",
        "groupe/gamma",
    ]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("stars", ["labo-innov/Beta", "groupe/gamma", "direction-numerique/alpha"]),
        ("forks", ["groupe/gamma", "direction-numerique/alpha", "labo-innov/Beta"]),
        ("name", ["direction-numerique/alpha", "labo-innov/Beta", "groupe/gamma"]),
        ("created", ["labo-innov/Beta", "direction-numerique/alpha", "groupe/gamma"]),
        ("nonsense", ["direction-numerique/alpha", "labo-innov/Beta", "groupe/gamma"]),
    ],
)
def test_it_sorts(client: Client, catalogue: None, sort: str, expected: list[str]) -> None:
    assert listed(client, sort=sort) == expected


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "CARTO"}, ["direction-numerique/alpha"]),
        ({"q": "labo-innov"}, ["labo-innov/Beta"]),
        ({"q": "gam"}, ["groupe/gamma"]),
        ({"forge": "gitlab.exemple.gouv.fr"}, ["groupe/gamma"]),
        ({"forge": "github.com", "language": "Go"}, ["labo-innov/Beta"]),
        ({"language": "Python"}, ["direction-numerique/alpha", "groupe/gamma"]),
        ({"license": "MIT"}, ["direction-numerique/alpha"]),
        ({"license": "unknown"}, ["groupe/gamma"]),
        ({"fork": "only"}, ["labo-innov/Beta"]),
        ({"fork": "exclude"}, ["direction-numerique/alpha", "groupe/gamma"]),
        ({"archived": "only"}, ["groupe/gamma"]),
        ({"archived": "exclude"}, ["direction-numerique/alpha", "labo-innov/Beta"]),
        ({"language": "Rust"}, []),
        ({"language": "Rust", "gone": "1"}, ["direction-numerique/delta"]),
        (
            {"fork": "bogus", "archived": "bogus"},
            ["direction-numerique/alpha", "labo-innov/Beta", "groupe/gamma"],
        ),
    ],
)
def test_it_filters(
    client: Client, catalogue: None, params: dict[str, str], expected: list[str]
) -> None:
    assert listed(client, **params) == expected


def test_it_keeps_the_chosen_filters_in_the_form(client: Client, catalogue: None) -> None:
    html = client.get(
        LIST,
        {"q": "alp", "language": "Python", "sort": "stars", "license": "Unlisted-1.0"},
        HTTP_ACCEPT_LANGUAGE="en",
    ).content.decode()
    assert 'name="q" value="alp"' in html
    assert '<option value="Python" selected>' in html
    assert '<option value="stars" selected>' in html
    # A value nobody has is still offered, so the form shows what was asked.
    assert '<option value="Unlisted-1.0" selected>' in html
    assert "No repository matches these filters." in html


def test_it_labels_every_field_of_the_filter_form(client: Client, catalogue: None) -> None:
    html = client.get(LIST).content.decode()
    form = html[
        html.index('<form class="filters"') : html.index("</form>", html.index('class="filters"'))
    ]
    ids = re.findall(r'<(?:input|select)[^>]* id="([^"]+)"', form)
    assert set(ids) == {
        *("q", "forge", "language", "license", "ministry", "organisation", "fork", "archived"),
        *("template", "publiccode", "contributing", "pushed_within", "sort", "free", "gone"),
    }
    for field_id in ids:
        assert f'<label for="{field_id}">' in form


@pytest.fixture
def sixty_one(sector: Sector, add_repositories: Callable[[int], None]) -> None:
    add_repositories(2 * 50 + 1)


@pytest.mark.parametrize(
    ("page", "status", "first_shown"),
    [
        ("1", 200, 1),
        ("2", 200, 51),
        ("3", 200, 101),
        ("999999", 200, 101),
        ("99999999999999999999999999", 404, None),
        ("last", 200, 101),
        ("0", 404, None),
        ("-1", 404, None),
        ("abc", 404, None),
        ("", 200, 1),
    ],
)
def test_it_pages_by_fifty_and_never_fails_on_a_bad_page(
    client: Client, sixty_one: None, page: str, status: int, first_shown: int | None
) -> None:
    response = client.get(LIST, {"page": page, "sort": "name"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == status
    if first_shown is not None:
        html = response.content.decode()
        rows = re.findall(r'<th scope="row">', html)
        assert len(rows) == (50 if first_shown < 101 else 1)
        assert "101 repositories" in html


def test_it_marks_the_current_page_in_a_pagination_nav(client: Client, sixty_one: None) -> None:
    html = client.get(LIST, {"page": "2", "language": "Go"}).content.decode()
    # 34 Go repositories fit in one page: no pager at all.
    assert 'class="pagination"' not in html
    html = client.get(LIST, {"page": "2", "q": "lot"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    nav = html[html.index('<nav class="pagination"') :]
    nav = nav[: nav.index("</nav>")]
    assert 'aria-label="Pages of repositories"' in nav
    # Links keep the filters; the current page is marked for assistive technologies.
    assert 'href="?page=2&amp;q=lot" aria-current="page"' in nav
    assert 'href="?page=1&amp;q=lot" rel="prev"' in nav
    assert 'href="?page=3&amp;q=lot" rel="next"' in nav
    assert nav.count("aria-current") == 1


def test_it_lists_with_a_fixed_number_of_queries(
    client: Client,
    sector: Sector,
    add_repositories: Callable[[int], None],
    django_assert_max_num_queries: Callable,
) -> None:
    add_repositories(3)
    with CaptureQueriesContext(connection) as few:
        assert client.get(LIST, {"q": "lot"}).status_code == 200
    add_repositories(120)
    forget_cached()  # cold again: the statistics are counted anew, as after they expire
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(LIST, {"q": "lot"})
    assert response.content.decode().count('<th scope="row">') == 50


def test_it_escapes_what_the_forge_wrote(
    client: Client, make_repository: RepositoryFactory
) -> None:
    repository = make_repository(
        "piege",
        description='<script>alert("x")</script> écrire à jean.dupont@exemple.gouv.fr',
        homepage="javascript:alert(1)",
        topics=["<b>gras</b>"],
    )
    for url in (LIST, repository.get_absolute_url()):
        html = client.get(url).content.decode()
        assert "<script>" not in html
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
        assert "jean.dupont@exemple.gouv.fr" not in html
    html = client.get(repository.get_absolute_url()).content.decode()
    assert "javascript:" not in html
    assert "&lt;b&gt;gras&lt;/b&gt;" in html


def test_it_shows_every_stored_field_on_the_detail_page(
    client: Client, sector: Sector, make_repository: RepositoryFactory
) -> None:
    repository = make_repository(
        "complet",
        native_id="987654",
        description="Tout est renseigné",
        default_branch="main",
        is_fork=True,
        is_archived=True,
        is_template=True,
        homepage="https://complet.exemple.gouv.fr",
        created_at=datetime(2018, 4, 2, tzinfo=UTC),
        updated_at=datetime(2024, 6, 3, tzinfo=UTC),
        pushed_at=datetime(2024, 6, 1, tzinfo=UTC),
        last_harvested_at=datetime(2024, 6, 4, 8, 30, tzinfo=UTC),
        gone_since=datetime(2024, 7, 1, tzinfo=UTC),
        stars=1234,
        forks=56,
        watchers=78,
        open_issues=9,
        license="AGPL-3.0-or-later",
        language="Python",
        languages={"Python": 750, "HTML": 250},
        topics=["cartographie", "open-data"],
        previous_names=["direction-numerique/ancien-nom"],
    )
    response = client.get(repository.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    for expected in (
        "<h1>complet",
        "Tout est renseigné",
        "987654",
        "<code>main</code>",
        "Archived",
        "Fork",
        "Template",
        "Gone since",
        'href="https://complet.exemple.gouv.fr"',
        'href="https://github.com/direction-numerique/complet"',
        'href="https://github.com/direction-numerique" rel="external">DNUM</a>',
        'href="/organisations/direction-numerique/">Direction du numérique</a>',
        "1,234",
        "<dd>56</dd>",
        "<dd>78</dd>",
        "<dd>9</dd>",
        "AGPL-3.0-or-later",
        "<li>cartographie</li>",
        "<li>direction-numerique/ancien-nom</li>",
        "April 2, 2018",
        "June 3, 2024",
        "June 1, 2024",
        "July 1, 2024",
        "75.0%",
        "25.0%",
        '<time datetime="2024-06-04T08:30:00+00:00">',
    ):
        assert expected in html, expected


def test_it_shows_a_repository_without_account_under_the_forges_organisation(
    client: Client, make_repository: RepositoryFactory
) -> None:
    repository = make_repository("instance", account=None)
    html = client.get(repository.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'href="/organisations/laboratoire-innovation/"' in html
    assert "<dd>Unknown</dd>" in html  # no licence
    french = client.get(repository.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "<dt>Licence</dt>\n    <dd>Inconnue</dd>" in french


@pytest.mark.parametrize("pk", ["999999", "9223372036854775808", "99999999999999999999999"])
def test_it_answers_404_for_an_unknown_repository(client: Client, db: None, pk: str) -> None:
    assert client.get(f"/repositories/{pk}/").status_code == 404
