"""GET /api/v1/organisations and /api/v1/organisations/{key}."""

from __future__ import annotations

import pytest

from communs.repositories.exports import ORGANISATION_FIELDS, organisation_to_dict
from communs.sources.models import Organisation

from .conftest import ApiClient, Catalogue, Sector

LIST = "/api/v1/organisations"


def keys(api: ApiClient, **params: object) -> list[str]:
    return [row["key"] for row in api.json(LIST, params)["results"]]


def test_it_lists_organisations_by_name_with_their_counts(
    api: ApiClient, catalogue: Catalogue
) -> None:
    page = api.json(LIST)
    assert page["count"] == 4 and page["next_cursor"] is None
    assert [row["key"] for row in page["results"]] == [
        "ministere-autre",
        "direction-numerique",
        "laboratoire-innovation",
        "ministere-exemple",
    ]
    directorate = page["results"][1]
    # The export's fields first, with the export's values.
    exported = organisation_to_dict(Organisation.objects.get(key="direction-numerique"))
    assert {name: directorate[name] for name in ORGANISATION_FIELDS} == exported
    assert directorate["parent"] == "ministere-exemple"
    assert directorate["ministry"] == "ministere-exemple"
    assert directorate["accounts"] == 1
    # Its own: alpha (gone "disparu" left out); with the lab's: Beta and gamma too.
    assert directorate["repositories"] == 1
    assert directorate["repositories_with_descendants"] == 3
    assert directorate["sub_organisations"] == 1
    ministry = page["results"][3]
    assert (ministry["level"], ministry["ministry"], ministry["parent"]) == (
        "ministry",
        "ministere-exemple",
        None,
    )
    assert ministry["repositories_with_descendants"] == 3


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "minist"}, ["ministere-autre", "ministere-exemple"]),
        ({"q": "LABORATOIRE"}, ["laboratoire-innovation"]),
        ({"level": "ministry"}, ["ministere-autre", "ministere-exemple"]),
        ({"level": "organisation"}, ["direction-numerique", "laboratoire-innovation"]),
        (
            {"ministry": "ministere-exemple"},
            ["direction-numerique", "laboratoire-innovation", "ministere-exemple"],
        ),
        (
            {"ministry": "ministere-exemple", "level": "organisation", "q": "labo"},
            ["laboratoire-innovation"],
        ),
        ({"ministry": "inconnu"}, []),
    ],
)
def test_it_filters(
    api: ApiClient, sector: Sector, params: dict[str, str], expected: list[str]
) -> None:
    assert keys(api, **params) == expected


def test_it_pages_through_every_organisation_exactly_once(api: ApiClient, sector: Sector) -> None:
    # Names that tie once lower-cased, and accents: the order is the database's.
    for index in range(23):
        name = f"Commune {index // 2}" if index % 2 else f"commune {index // 2}"
        Organisation.objects.create(key=f"commune-{index}", name=name, parent=sector.lab)
    Organisation.objects.create(key="eclat", name="Éclat")
    whole = keys(api, limit=100)
    assert len(whole) == 28
    seen: list[str] = []
    cursor = None
    while True:
        page = api.json(LIST, {"limit": 4, **({"cursor": cursor} if cursor else {})})
        seen.extend(row["key"] for row in page["results"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == whole


def test_it_refuses_a_repository_cursor(api: ApiClient, catalogue: Catalogue) -> None:
    cursor = api.json("/api/v1/repositories", {"limit": 1})["next_cursor"]
    error = api.json(LIST, {"cursor": cursor}, status=400)
    assert error["errors"][0]["parameter"] == "cursor"


def test_it_gives_an_organisation_with_its_place_in_the_hierarchy(
    api: ApiClient, catalogue: Catalogue
) -> None:
    lab = api.json(f"{LIST}/laboratoire-innovation")
    assert lab["name"] == "Laboratoire d'innovation"
    assert lab["ancestors"] == [
        {"key": "ministere-exemple", "name": "Ministère de l'Exemple", "level": "ministry"},
        {"key": "direction-numerique", "name": "Direction du numérique", "level": "organisation"},
    ]
    assert lab["children"] == []
    assert lab["forges"] == ["git.exemple.gouv.fr:8443/gitlab"]
    assert lab["forge_accounts"] == [
        {
            "forge": "github.com",
            "path": "labo-innov",
            "url": "https://github.com/labo-innov",
            "display_name": "",
            "ignored_since": None,
            "repositories": 1,
        }
    ]
    # Beta on its account, gamma on its forge.
    assert lab["repositories"] == 2

    directorate = api.json(f"{LIST}/direction-numerique")
    assert directorate["identifiers"] == {"siren": "130025265"}
    assert directorate["pso_id"] == "0a1b2c3d-0000-4000-8000-000000000001"
    assert [child["key"] for child in directorate["children"]] == ["laboratoire-innovation"]
    assert directorate["children"][0]["repositories_with_descendants"] == 2
    assert [node["key"] for node in directorate["ancestors"]] == ["ministere-exemple"]


@pytest.mark.parametrize("key", ["inconnue", "a b", "é", "x" * 300, "null"])
def test_it_says_when_there_is_no_such_organisation(
    api: ApiClient, sector: Sector, key: str
) -> None:
    assert api.json(f"{LIST}/{key}", status=404)["detail"] == "There is no such organisation."
