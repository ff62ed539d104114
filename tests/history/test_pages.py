"""The trends on the stats page and on a repository's page: a chart's JSON island and
the table of the same numbers, and a page that still works before any snapshot."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from unittest import mock

from django.db.models import F
from django.test import Client
from django.urls import reverse
from tests.web.tables import number, read_tables

from communs.history.snapshots import take_snapshot
from communs.repositories.models import Repository

from .conftest import DAY

STATS = reverse("stats")


def island(html: str, key: str) -> dict:
    found = re.search(
        rf'<script id="chart-{key}-data" type="application/json">(.*?)</script>', html, re.S
    )
    assert found, key
    return json.loads(found.group(1))


def three_days(index: list[Repository]) -> None:
    """Snapshots on DAY, DAY+1 and DAY+3; index[0] gains stars each time."""
    for offset in (0, 1, 3):
        if offset:
            Repository.objects.filter(pk=index[0].pk).update(stars=F("stars") + offset)
        take_snapshot(DAY + timedelta(days=offset))


def get(client: Client, url: str) -> str:
    # The pages show the last year before today: "today" is the last snapshot's day.
    with mock.patch("communs.history.display.today", return_value=DAY + timedelta(days=3)):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response.content.decode()


def test_the_stats_page_says_no_day_is_recorded_yet(
    index: list[Repository], client: Client
) -> None:
    html = get(client, STATS)
    assert "No day recorded yet" in html
    assert "chart-history-totals-data" not in html


def test_the_stats_page_shows_each_day_as_a_chart_and_a_table(
    index: list[Repository], client: Client
) -> None:
    three_days(index)
    html = get(client, STATS)
    totals = island(html, "history-totals")
    assert totals["type"] == "line"
    assert totals["labels"] == [
        str(DAY),
        str(DAY + timedelta(days=1)),
        str(DAY + timedelta(days=3)),
    ]
    series = {item["label"]: item["data"] for item in totals["series"]}
    assert series["Repositories"] == [8, 8, 8]
    assert series["With a known licence"] == [5, 5, 5]

    tables = read_tables(html).tables
    table = tables[
        "Repositories that their forge lists, forks, archived ones and those with a known "
        "licence, each day"
    ]
    # Newest first, a row a day: the day, then each series.
    assert len(table) == 3
    assert [number(cell) for cell in table[0][1:]] == [8, 5, 1, 1]

    forges = island(html, "history-forge")
    assert {item["label"]: item["data"][-1] for item in forges["series"]} == {
        "github.com": 6,
        "gitlab.exemple.gouv.fr": 1,
        "git.commune.fr": 1,
    }
    licences = {item["label"]: item["data"] for item in island(html, "history-license")["series"]}
    assert licences["MIT"] == [3, 3, 3]
    assert licences["Unknown"] == [2, 2, 2]
    ministries = {s["label"]: s["data"] for s in island(html, "history-ministry")["series"]}
    assert ministries["Autre ministère"] == [1, 1, 1]
    by_forge = tables["Repositories on each forge, each day (the largest forges today)"]
    assert [number(cell) for cell in by_forge[0][1:]] == [6, 1, 1]


def test_a_repository_page_shows_its_stars_and_forks_day_by_day(
    index: list[Repository], client: Client
) -> None:
    three_days(index)
    html = get(client, reverse("repository-detail", args=[index[0].pk]))
    data = island(html, "history-repository")
    assert {item["label"]: item["data"] for item in data["series"]} == {
        "Stars": [10, 11, 14],
        "Forks": [1, 1, 1],
    }
    table = read_tables(html).tables["Stars and forks of the repository on each day they changed"]
    assert [number(row[1]) for row in table] == [14, 11, 10]
    assert "chart.umd.min.js" in html

    # A repository that never moved: one point, a table row and no drawing.
    html = get(client, reverse("repository-detail", args=[index[1].pk]))
    table = read_tables(html).tables["Stars and forks of the repository on each day they changed"]
    assert len(table) == 1 and number(table[0][1]) == 3
    assert "chart-history-repository-data" not in html
    assert "chart.umd.min.js" not in html


def test_a_repository_page_without_points_shows_no_trend(
    index: list[Repository], client: Client
) -> None:
    html = get(client, reverse("repository-detail", args=[index[0].pk]))
    assert "Stars and forks over time" not in html
    assert "chart.umd.min.js" not in html


def test_the_stats_page_shows_a_day_taken_again(index: list[Repository], client: Client) -> None:
    three_days(index)
    assert island(get(client, STATS), "history-totals")["series"][0]["data"] == [8, 8, 8]
    Repository.objects.filter(pk=index[0].pk).delete()
    take_snapshot(DAY + timedelta(days=3))
    assert island(get(client, STATS), "history-totals")["series"][0]["data"] == [8, 8, 7]
