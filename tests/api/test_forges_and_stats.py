"""GET /api/v1/forges, /api/v1/forges/{host} and /api/v1/stats."""

from __future__ import annotations

import pytest

from communs.repositories.models import Repository

from .conftest import ApiClient, Catalogue, RepositoryFactory, Sector


def test_it_lists_forges_with_their_counts(api: ApiClient, catalogue: Catalogue) -> None:
    forges = api.json("/api/v1/forges")
    assert [forge["host"] for forge in forges] == [
        "git.exemple.gouv.fr:8443/gitlab",
        "github.com",
        "gitlab.com",
    ]
    instance, github, gitlab = forges
    assert instance == {
        "host": "git.exemple.gouv.fr:8443/gitlab",
        "kind": "gitlab",
        "url": "https://git.exemple.gouv.fr:8443/gitlab",
        "api_url": "https://git.exemple.gouv.fr:8443/gitlab/api/v4",
        "scope": "instance",
        "organisation": "laboratoire-innovation",
        "ignored_since": None,
        "ignored_reason": "",
        "accounts": 0,
        "repositories": 1,
    }
    # alpha and Beta; the gone one is not counted.
    assert (github["accounts"], github["repositories"]) == (2, 2)
    assert gitlab["ignored_since"] == "2024-06-01"


@pytest.mark.parametrize("host", ["github.com", "git.exemple.gouv.fr:8443/gitlab"])
def test_it_gives_a_forge_by_its_host_key_slashes_and_all(
    api: ApiClient, catalogue: Catalogue, host: str
) -> None:
    forge = api.json(f"/api/v1/forges/{host}")
    assert forge["host"] == host
    assert forge == next(f for f in api.json("/api/v1/forges") if f["host"] == host)


@pytest.mark.parametrize("host", ["gitlab.example.org", "git.exemple.gouv.fr:8443", "github.com/x"])
def test_it_says_when_there_is_no_such_forge(api: ApiClient, sector: Sector, host: str) -> None:
    assert api.json(f"/api/v1/forges/{host}", status=404)["detail"] == "There is no such forge."


def test_it_gives_the_figures_of_the_home_page(
    api: ApiClient, catalogue: Catalogue, make_repository: RepositoryFactory
) -> None:
    stats = api.json("/api/v1/stats")
    present = Repository.objects.filter(gone_since__isnull=True)
    assert stats["repositories"] == present.count() == 4
    # MIT and EUPL-1.2; no licence and NOASSERTION are not identified.
    assert (stats["licensed"], stats["licensed_percent"]) == (2, 50.0)
    assert (stats["forks"], stats["archived"], stats["stars"]) == (1, 1, 80)
    assert (stats["organisations"], stats["ministries"]) == (4, 2)
    # gitlab.com is ignored: two forges followed; three accounts.
    assert (stats["forges"], stats["accounts"]) == (2, 3)
    by_license = {item["value"]: item["count"] for item in stats["by_license"]}
    assert by_license == {"MIT": 1, "EUPL-1.2": 1, "NOASSERTION": 1, "unknown": 1}
    assert {item["value"]: item["count"] for item in stats["by_language"]} == {
        "Python": 2,
        "Go": 1,
        "Rust": 1,
    }
    assert {item["value"]: item["count"] for item in stats["by_forge"]} == {
        "github.com": 2,
        "gitlab.com": 1,
        "git.exemple.gouv.fr:8443/gitlab": 1,
    }
    assert stats["by_ministry"] == [
        {"value": "ministere-autre", "name": "Autre ministère", "count": 1},
        {"value": "ministere-exemple", "name": "Ministère de l'Exemple", "count": 3},
    ]
