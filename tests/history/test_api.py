"""GET /api/v1/stats/history and /api/v1/repositories/{id}/history: answers, ETags,
and 400s (never 500s) for dates that cannot be used."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.db.models import F
from django.test import Client

from communs.history.snapshots import take_snapshot
from communs.repositories.models import Repository

from .conftest import DAY

HISTORY = "/api/v1/stats/history"


@pytest.fixture
def days(index: list[Repository]) -> list[Repository]:
    for offset in (0, 1, 3):
        if offset:
            Repository.objects.filter(pk=index[0].pk).update(stars=F("stars") + offset)
        take_snapshot(DAY + timedelta(days=offset))
    return index


@pytest.fixture(autouse=True)
def today() -> None:
    with mock.patch("communs.api.history.today", return_value=DAY + timedelta(days=3)):
        yield


def test_it_lists_the_snapshots_of_the_last_year(days: list[Repository], client: Client) -> None:
    body = client.get(HISTORY).json()
    assert body["until"] == str(DAY + timedelta(days=3))
    assert body["count"] == 3
    first = body["results"][0]
    assert first["day"] == str(DAY)
    assert first["repositories"] == 8 and first["stars"] == 13
    assert {item["value"]: item["count"] for item in first["by_license"]}["unknown"] == 2
    assert {item["value"]: item["count"] for item in first["by_forge"]}["github.com"] == 6
    assert {"value": "ministere-autre", "name": "Autre ministère", "count": 1} in first[
        "by_ministry"
    ]
    assert [item["stars"] for item in body["results"]] == [13, 14, 17]


def test_it_reads_a_range_both_days_included(days: list[Repository], client: Client) -> None:
    body = client.get(
        HISTORY, {"since": str(DAY + timedelta(days=1)), "until": str(DAY + timedelta(days=3))}
    ).json()
    assert [item["day"] for item in body["results"]] == [
        str(DAY + timedelta(days=1)),
        str(DAY + timedelta(days=3)),
    ]
    assert client.get(HISTORY, {"until": str(DAY - timedelta(days=1))}).json()["count"] == 0


@pytest.mark.parametrize(
    "params",
    [
        {"since": "2026-02-30"},
        {"until": "yesterday"},
        {"since": "0000-01-01"},
        {"since": "2026-03-05", "until": "2026-03-01"},
        {"since": "2000-01-01", "until": "2026-03-01"},
        {"since": "0001-01-01", "until": "9999-12-31"},
    ],
)
def test_unusable_dates_are_a_400(db: None, client: Client, params: dict[str, str]) -> None:
    response = client.get(HISTORY, params)
    assert response.status_code == 400, response.content
    assert response.json()["errors"][0]["parameter"] in {"since", "until"}


@pytest.mark.parametrize("until", ["0001-01-01", "9999-12-31"])
def test_the_first_and_last_days_answer_empty(db: None, client: Client, until: str) -> None:
    # A default `since` a year before the first day cannot be written: the range starts then.
    body = client.get(HISTORY, {"until": until}).json()
    assert (body["until"], body["count"]) == (until, 0)


def test_it_answers_304_to_a_client_holding_the_same_answer(
    days: list[Repository], client: Client
) -> None:
    for path in (HISTORY, f"/api/v1/repositories/{days[0].pk}/history"):
        first = client.get(path)
        again = client.get(path, HTTP_IF_NONE_MATCH=first["ETag"])
        assert again.status_code == 304
    # A new day, a new answer.
    Repository.objects.filter(pk=days[0].pk).update(stars=50)
    with mock.patch("communs.api.history.today", return_value=DAY + timedelta(days=4)):
        take_snapshot(DAY + timedelta(days=4))
        assert client.get(HISTORY, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


def test_a_repository_series_holds_only_its_moves(days: list[Repository], client: Client) -> None:
    body = client.get(f"/api/v1/repositories/{days[0].pk}/history").json()
    assert body["repository"] == days[0].pk
    assert [(p["day"], p["stars"], p["forks"]) for p in body["results"]] == [
        (str(DAY), 10, 1),
        (str(DAY + timedelta(days=1)), 11, 1),
        (str(DAY + timedelta(days=3)), 14, 1),
    ]
    assert body["results"][0]["pushed_at"].startswith("2024-01-01")
    # The point in force on `since` comes first, though older.
    later = client.get(
        f"/api/v1/repositories/{days[1].pk}/history", {"since": str(DAY + timedelta(days=2))}
    ).json()
    assert [p["day"] for p in later["results"]] == [str(DAY)]


def test_a_repository_history_404s_and_400s(days: list[Repository], client: Client) -> None:
    assert client.get("/api/v1/repositories/999999/history").status_code == 404
    assert client.get(f"/api/v1/repositories/{2**70}/history").status_code == 404
    assert client.get(f"/api/v1/repositories/{days[0].pk}/history?since=x").status_code == 400
    long = {"since": "1990-01-01", "until": "2026-01-01"}
    assert client.get(f"/api/v1/repositories/{days[0].pk}/history", long).status_code == 400
    # A repository its forge no longer lists still answers (with no points).
    gone = client.get(f"/api/v1/repositories/{days[8].pk}/history")
    assert gone.status_code == 200 and gone.json()["results"] == []
