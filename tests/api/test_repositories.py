"""GET /api/v1/repositories and /api/v1/repositories/{id}: values, filters, facets, paging."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import cycle

import pytest
from django.utils import timezone

from communs.repositories.exports import REPOSITORY_FIELDS, repository_to_dict
from communs.repositories.models import Repository
from communs.search import index_repositories

from .conftest import ApiClient, Catalogue, RepositoryFactory, Sector

LIST = "/api/v1/repositories"


def names(api: ApiClient, **params: object) -> list[str]:
    return [row["name"] for row in api.json(LIST, params)["results"]]


def test_it_lists_present_repositories_with_the_export_fields(
    api: ApiClient, catalogue: Catalogue
) -> None:
    page = api.json(LIST)
    assert page["count"] == 4
    assert page["next_cursor"] is None and page["next"] is None
    # Last push first, never-pushed last; the gone repository is left out.
    assert [row["name"] for row in page["results"]] == ["alpha", "Beta", "delta", "gamma"]
    alpha = page["results"][0]
    assert list(alpha) == ["id", *REPOSITORY_FIELDS]
    expected = repository_to_dict(catalogue.alpha)
    assert alpha["id"] == catalogue.alpha.pk
    assert alpha["forge"] == "github.com"
    assert alpha["owner"] == "direction-numerique"
    assert alpha["full_name"] == "direction-numerique/alpha"
    assert alpha["organisation"] == "direction-numerique"
    assert alpha["account"] == "direction-numerique"
    assert alpha["languages"] == {"Python": 1200, "HTML": 300}
    assert alpha["pushed_at"] == "2024-03-01T00:00:00Z"
    assert alpha["last_harvested_at"] == "2024-03-02T10:00:00Z"
    for name in ("stars", "forks", "license", "language", "homepage", "is_fork", "created_at"):
        assert alpha[name] == expected[name], name
    # On the lab's own forge, with no account: the forge's organisation.
    gamma = page["results"][3]
    assert gamma["forge"] == "git.exemple.gouv.fr:8443/gitlab"
    assert (gamma["organisation"], gamma["account"]) == ("laboratoire-innovation", None)
    assert gamma["pushed_at"] is None and gamma["is_template"] is True


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "cartographie"}, ["alpha"]),
        ({"q": "BETA"}, ["Beta"]),
        ({"language": "Python"}, ["alpha", "gamma"]),
        ({"license": "MIT"}, ["alpha"]),
        ({"license": "unknown"}, ["gamma"]),
        ({"forge": "git.exemple.gouv.fr:8443/gitlab"}, ["gamma"]),
        ({"fork": "only"}, ["Beta"]),
        ({"fork": "exclude"}, ["alpha", "delta", "gamma"]),
        ({"archived": "only"}, ["gamma"]),
        ({"archived": "exclude"}, ["alpha", "Beta", "delta"]),
        ({"template": "only"}, ["gamma"]),
        ({"template": "exclude"}, ["alpha", "Beta", "delta"]),
        # MIT and EUPL-1.2 are free; no licence and NOASSERTION are not.
        ({"free": "1"}, ["alpha", "Beta"]),
        ({"free": "true", "fork": "exclude"}, ["alpha"]),
        ({"organisation": "direction-numerique"}, ["alpha", "Beta", "gamma"]),
        ({"organisation": "laboratoire-innovation"}, ["Beta", "gamma"]),
        ({"ministry": "ministere-exemple"}, ["alpha", "Beta", "gamma"]),
        ({"ministry": "ministere-autre"}, ["delta"]),
        # A key that is not a ministry's, or no one's: nothing rather than everything.
        ({"ministry": "direction-numerique"}, []),
        ({"organisation": "inconnue"}, []),
        ({"language": "Python", "license": "MIT"}, ["alpha"]),
        ({"gone": "1", "language": "Python"}, ["alpha", "disparu", "gamma"]),
    ],
)
def test_it_filters_as_the_pages_do(
    api: ApiClient, catalogue: Catalogue, params: dict[str, str], expected: list[str]
) -> None:
    page = api.json(LIST, {**params, "sort": "name"})
    assert [row["name"] for row in page["results"]] == expected
    assert page["count"] == len(expected)


def test_it_keeps_recently_pushed_repositories(
    api: ApiClient, catalogue: Catalogue, make_repository: RepositoryFactory
) -> None:
    make_repository("frais", pushed_at=timezone.now() - timedelta(days=10))
    make_repository("ancien", pushed_at=timezone.now() - timedelta(days=400))
    assert names(api, pushed_within=30) == ["frais"]
    assert names(api, pushed_within=500) == ["frais", "ancien"]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("pushed", ["alpha", "Beta", "delta", "gamma"]),
        ("stars", ["Beta", "delta", "gamma", "alpha"]),  # delta and gamma tie: newer id first
        ("forks", ["gamma", "alpha", "delta", "Beta"]),
        ("name", ["alpha", "Beta", "delta", "gamma"]),
        ("created", ["Beta", "alpha", "delta", "gamma"]),
    ],
)
def test_it_sorts(api: ApiClient, catalogue: Catalogue, sort: str, expected: list[str]) -> None:
    # forks: 9, 1, then delta and Beta tie at 0 (newer id first).
    assert names(api, sort=sort) == expected


def counts(facet: list[dict[str, object]]) -> dict[object, object]:
    return {item["value"]: item["count"] for item in facet}


def test_it_counts_what_each_filter_would_give(api: ApiClient, catalogue: Catalogue) -> None:
    page = api.json(LIST, {"language": "Python"})
    facets = page["facets"]
    # Every filter but the facet's own: the other languages stay offered.
    assert counts(facets["language"]) == {"Python": 2, "Go": 1, "Rust": 1}
    assert counts(facets["license"]) == {"MIT": 1, "unknown": 1}
    assert counts(facets["forge"]) == {"github.com": 1, "git.exemple.gouv.fr:8443/gitlab": 1}
    assert counts(facets["archived"]) == {"only": 1, "exclude": 1}
    assert counts(facets["organisation"])["direction-numerique"] == 2
    assert counts(facets["ministry"]) == {"ministere-exemple": 2}
    # Most frequent first; labels are for people.
    assert facets["language"][0] == {"value": "Python", "label": "Python", "count": 2}
    assert {item["label"] for item in facets["license"]} >= {"MIT"}
    whole = api.json(LIST)["facets"]
    assert counts(whole["forge"]) == {
        "github.com": 2,
        "gitlab.com": 1,
        "git.exemple.gouv.fr:8443/gitlab": 1,
    }
    assert counts(whole["free"]) == {"1": 2}
    assert api.json(LIST, {"facets": "false"})["facets"] is None


def test_it_ranks_by_relevance_when_there_are_words(api: ApiClient, catalogue: Catalogue) -> None:
    page = api.json(LIST, {"q": "cartographie"})
    assert page["sort"] == "relevance"
    assert [row["name"] for row in page["results"]] == ["alpha"]
    assert api.json(LIST)["sort"] == "pushed"


@pytest.fixture
def crowd(sector: Sector) -> list[Repository]:
    """Sixty repositories with many ties and empty dates: what breaks a careless cursor."""
    accounts = cycle([sector.directorate_account, sector.lab_account, None])
    rows = []
    for index in range(60):
        account = next(accounts)
        forge = account.forge if account else sector.instance
        path = f"{account.path if account else 'groupe'}/lot-{index}"
        rows.append(
            Repository(
                forge=forge,
                account=account,
                native_id=f"lot-{index}",
                full_path=path,
                # Names differ by case only in pairs: Lower() ties them.
                name=f"Lot-{index // 2}" if index % 2 else f"lot-{index // 2}",
                url=f"{forge.url}/{path}",
                stars=index % 4,
                forks=0,
                pushed_at=None
                if index % 5 == 0
                else datetime(2024, 1, 1 + index % 3, 12, 0, index % 2, 250000, tzinfo=UTC),
                created_at=None if index % 7 == 0 else datetime(2020, 1, 1, tzinfo=UTC),
                language="Python" if index % 2 else "Go",
            )
        )
    created = Repository.objects.bulk_create(rows)
    index_repositories([repo.pk for repo in created])
    return created


@pytest.mark.parametrize("sort", ["pushed", "stars", "forks", "name", "created"])
@pytest.mark.parametrize("limit", [1, 7, 100])
def test_it_pages_through_every_row_exactly_once(
    api: ApiClient, crowd: list[Repository], sort: str, limit: int
) -> None:
    whole = [row["id"] for row in api.json(LIST, {"sort": sort, "limit": 100})["results"]]
    assert len(whole) == 60
    seen: list[int] = []
    params: dict[str, object] = {"sort": sort, "limit": limit, "facets": "false"}
    for _ in range(100):
        page = api.json(LIST, params)
        assert page["count"] == 60
        assert len(page["results"]) <= limit
        seen.extend(row["id"] for row in page["results"])
        if page["next_cursor"] is None:
            break
        # The next URL is this one with the new cursor.
        assert page["next"].startswith(LIST + "?") and page["next_cursor"] in page["next"]
        params = {**params, "cursor": page["next_cursor"]}
    assert seen == whole  # the same order, each row once, none missing


def test_it_follows_the_next_url(api: ApiClient, crowd: list[Repository]) -> None:
    # The Go repositories: thirty, in pages of twenty, with their filter kept.
    first = api.json(LIST, {"limit": 20, "language": "Go"})
    second = api.json(first["next"])
    assert (len(first["results"]), len(second["results"])) == (20, 10)
    assert second["next"] is None
    rows = first["results"] + second["results"]
    assert {row["language"] for row in rows} == {"Go"}
    assert len({row["id"] for row in rows}) == 30


def test_it_refuses_a_cursor_of_another_sort(api: ApiClient, crowd: list[Repository]) -> None:
    cursor = api.json(LIST, {"sort": "stars", "limit": 5})["next_cursor"]
    error = api.json(LIST, {"sort": "name", "cursor": cursor}, status=400)
    assert error["errors"][0]["parameter"] == "cursor"
    assert "cursor" in error["detail"]


def test_it_gives_one_repository(api: ApiClient, catalogue: Catalogue) -> None:
    row = api.json(f"{LIST}/{catalogue.beta.pk}")
    assert row["id"] == catalogue.beta.pk
    assert (row["name"], row["organisation"], row["is_fork"]) == (
        "Beta",
        "laboratoire-innovation",
        True,
    )
    # A repository gone from its forge still answers, saying since when.
    gone = api.json(f"{LIST}/{catalogue.gone.pk}")
    assert gone["gone_since"] == "2024-05-01T00:00:00Z"


@pytest.mark.parametrize("key", ["0", "-3", "999999", str(2**63), str(10**40)])
def test_it_says_when_there_is_no_such_repository(
    api: ApiClient, catalogue: Catalogue, key: str
) -> None:
    assert api.json(f"{LIST}/{key}", status=404)["detail"] == "There is no such repository."


def test_it_names_a_bad_id(api: ApiClient, db: None) -> None:
    error = api.json(f"{LIST}/abc", status=400)
    assert error["errors"][0]["parameter"] == "id"
