from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.test import Client
from django.urls import reverse

from communs.web.queries import site_figures

from .conftest import RepositoryFactory, Sector, forget_cached


@pytest.fixture
def indexed(sector: Sector, make_repository: RepositoryFactory) -> None:
    make_repository("ancien", license="MIT", language="Python", stars=5, is_fork=True)
    make_repository("archive", license="NOASSERTION", language="Python", is_archived=True)
    make_repository("recent", license="EUPL-1.2", language="Go", stars=7)
    make_repository("sans-licence", account=sector.lab_account, language="Go")
    make_repository(
        "pousse-hier",
        account=None,
        pushed_at=datetime(2030, 5, 17, tzinfo=UTC),
        description="Le dernier poussé",
    )
    make_repository("disparu", license="MIT", gone_since=datetime(2024, 2, 1, tzinfo=UTC))


def test_it_counts_what_the_index_holds(indexed: None) -> None:
    figures = site_figures()
    # The gone repository counts nowhere; NOASSERTION is not a known licence.
    assert figures.repositories == 5
    assert figures.licensed == 2
    assert figures.licensed_percent == pytest.approx(40.0)
    assert (figures.forks, figures.archived, figures.stars) == (1, 1, 12)
    assert (figures.organisations, figures.ministries) == (3, 1)
    assert (figures.forges, figures.accounts) == (2, 2)


def test_it_keeps_figures_for_a_while_but_never_lists(
    client: Client, indexed: None, make_repository: RepositoryFactory
) -> None:
    assert site_figures().repositories == 5
    make_repository("tout-neuf")
    # Figures scan the whole index: they are cached. The lists are not.
    assert site_figures().repositories == 5
    html = client.get(reverse("home")).content.decode()
    assert "direction-numerique/tout-neuf" in html
    forget_cached()
    assert site_figures().repositories == 6


def test_it_gives_zero_figures_on_an_empty_index(db: None, client: Client) -> None:
    assert site_figures().licensed_percent == 0.0
    response = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "No repository is indexed yet." in response.content.decode()


def test_it_shows_the_figures_and_the_latest_repositories(client: Client, indexed: None) -> None:
    response = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<dt>Repositories</dt><dd>5</dd>" in html
    assert "<dt>Organisations</dt><dd>3</dd>" in html
    assert "40%" in html
    # Newest first by first sight: the last one created is listed first.
    newest = html.index('id="newest-title"')
    assert html.index("groupe/pousse-hier", newest) < html.index("labo-innov/sans-licence", newest)
    # The most recent push leads the other list, with its date.
    pushed = html.index('id="pushed-title"')
    assert html.index("groupe/pousse-hier", pushed) < html.index("direction-numerique/", pushed)
    assert "May 17, 2030" in html
    assert "disparu" not in html
    # The rankings link to the filtered list.
    assert 'href="/repositories/?language=Python"' in html
    assert 'href="/repositories/?license=NOASSERTION">Other (not identified)</a>' in html


def test_it_shows_the_home_page_in_french_with_french_dates(client: Client, indexed: None) -> None:
    html = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert '<html lang="fr"' in html
    assert "<dt>Dépôts</dt><dd>5</dd>" in html
    assert "17 mai 2030" in html
    assert "40\u202f%" in html
