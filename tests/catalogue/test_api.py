"""``/api/v1/catalogue/software``: the page's filters, keyset pages, one entry."""

from __future__ import annotations

import pytest
from django.test import Client

from communs.catalogue.models import Moderation, Software

from .conftest import World

pytestmark = pytest.mark.django_db

LIST = "/api/v1/catalogue/software"


def slugs(client: Client, **params: str) -> list[str]:
    response = client.get(LIST, params)
    assert response.status_code == 200, response.content
    return [row["slug"] for row in response.json()["results"]]


def test_it_lists_published_entries_with_counts(client: Client, world: World) -> None:
    body = client.get(LIST).json()
    assert body["count"] == 3
    rows = {row["slug"]: row for row in body["results"]}
    assert list(rows) == ["grammar", "sheet", "writer"]
    assert rows["writer"]["users"] == 3 and rows["writer"]["referents"] == 1
    assert rows["sheet"]["referents"] == 0  # lapsed
    assert rows["writer"]["categories"] == ["bureautique"]
    assert rows["grammar"]["parent"] == "writer"
    assert rows["writer"]["is_free"] and not rows["sheet"]["is_free"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"category": "donnees"}, ["sheet", "writer"]),
        ({"organisation": "culture"}, ["writer"]),
        ({"environment": "macos"}, ["sheet"]),
        ({"licence": "MPL-2.0"}, ["writer"]),
        ({"free": "no"}, ["sheet"]),
        ({"status": "dereferenced"}, ["grammar"]),
        ({"referents": "yes"}, ["writer"]),
        ({"expert": "no"}, ["grammar", "sheet"]),
        ({"q": "tableur"}, ["sheet"]),
        ({"sort": "users"}, ["writer", "sheet", "grammar"]),
        ({"sort": "added"}, ["sheet", "grammar", "writer"]),
    ],
)
def test_the_filters_and_sorts_of_the_page(
    client: Client, world: World, params: dict, expected: list[str]
) -> None:
    assert slugs(client, **params) == expected


@pytest.mark.parametrize("sort", ["name", "added", "updated", "users", "referents"])
def test_cursors_walk_every_entry_once(client: Client, world: World, sort: str) -> None:
    for index in range(7):
        Software.objects.create(
            name=f"Extra {index}", slug=f"extra-{index}", moderation=Moderation.PUBLISHED
        )
    seen: list[str] = []
    params = {"sort": sort, "limit": "2"}
    while True:
        body = client.get(LIST, params).json()
        seen += [row["slug"] for row in body["results"]]
        if body["next_cursor"] is None:
            break
        params["cursor"] = body["next_cursor"]
    assert sorted(seen) == sorted(Software.objects.published().values_list("slug", flat=True))
    assert len(seen) == len(set(seen)) == 10


@pytest.mark.parametrize(
    "query",
    ["?sort=stars", "?environment=amiga", "?free=maybe", "?limit=0", "?limit=1000", "?cursor=x"],
)
def test_bad_parameters_are_400(client: Client, world: World, query: str) -> None:
    response = client.get(LIST + query)
    assert response.status_code == 400
    assert response.json()["errors"]


def test_a_cursor_of_another_sort_is_refused(client: Client, world: World) -> None:
    cursor = client.get(LIST, {"limit": 1}).json()["next_cursor"]
    assert client.get(LIST, {"sort": "added", "cursor": cursor}).status_code == 400


def test_one_entry_in_detail(client: Client, world: World) -> None:
    body = client.get(f"{LIST}/writer").json()
    assert body["similar"] == ["sheet"]
    assert body["plugins"] == ["grammar"]
    assert body["organisations"] == {
        "DINUM": {"users": 1, "referents": 1},
        "Ministère de la Culture": {"users": 2, "referents": 0},
    }
    assert body["has_expert"] is True
    assert [i["name"] for i in body["instances"]] == ["Bureau DINUM"]
    assert body["attributes"] == {"rgaa": True}
    assert body["providers"] == [{"name": "Libre Services", "website": "https://services.example"}]


def test_unknown_and_proposed_entries_are_404(client: Client, world: World) -> None:
    assert client.get(f"{LIST}/nothing").status_code == 404
    assert client.get(f"{LIST}/secret-proposal").status_code == 404
