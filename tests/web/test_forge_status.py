"""The forge status pages, against harvest runs made through the ORM."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.timezone import localtime

from communs.harvest.models import HarvestRun, OwnerProgress
from communs.sources.models import Account, Forge

from .conftest import Sector

LIST = reverse("forge-list")
T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def make_run(forge: Forge, hours: int, status: str, **fields: object) -> HarvestRun:
    """A finished run started ``hours`` after T0 that lasted 90 seconds."""
    started = T0 + timedelta(hours=hours)
    values: dict[str, object] = {"finished_at": started + timedelta(seconds=90)}
    values.update(fields)
    return HarvestRun.objects.create(forge=forge, status=status, started_at=started, **values)


def stamp(moment: datetime) -> str:
    """How a page writes a moment in a ``datetime`` attribute (the site's time zone)."""
    return localtime(moment).isoformat()


def get(client: Client, url: str, **params: str) -> str:
    response = client.get(url, params, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response.content.decode()


def listed_hosts(html: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/forges/[^"]+/">([^<]+)</a>', html)


@pytest.fixture
def emulated(sector: Sector) -> Forge:
    """A forge whose host key holds a port and a path, as the emulator's do."""
    return Forge.objects.create(
        host="127.0.0.1:8123/gitea",
        kind="gitea",
        url="http://127.0.0.1:8123/gitea",
        api_url="http://127.0.0.1:8123/gitea/api/v1",
    )


@pytest.mark.django_db
def test_it_lists_failing_forges_first_with_their_last_run(
    client: Client, sector: Sector, emulated: Forge
) -> None:
    make_run(sector.github, 0, "succeeded", new=40, requests=12)
    make_run(sector.github, 1, "succeeded", new=3, updated=5, unchanged=32, gone=2, requests=7)
    make_run(emulated, 0, "succeeded", new=9)
    make_run(emulated, 2, "failed", error="HTTP 503 from the forge", updated=1, requests=4)

    html = get(client, LIST)

    # The failing forge first, then the others by host; one never harvested says so.
    assert listed_hosts(html) == ["127.0.0.1:8123/gitea", "github.com", "gitlab.exemple.gouv.fr"]
    rows = html.split('<th scope="row">')[1:]
    assert "Failing" in rows[0] and "HTTP 503 from the forge" in rows[0]
    assert "Failing" not in rows[1] and "HTTP 503" not in rows[1]
    # github.com's counts are its latest run's: 40 listed, 3 new, 5 updated, 2 gone.
    github_numbers = re.findall(r'<td class="number">([\d,]+)</td>', rows[1])
    assert github_numbers == ["40", "3", "5", "2", "7"]
    assert "Never harvested" in rows[2]
    assert "<caption>" in html and 'scope="col"' in html
    assert "2 forges" not in html and "3 forges" in html and "1 failing" in html


@pytest.mark.django_db
def test_it_stops_listing_a_forge_as_failing_once_a_later_run_succeeds(
    client: Client, sector: Sector
) -> None:
    make_run(sector.gitlab, 0, "failed", error="timed out")
    make_run(sector.gitlab, 1, "succeeded", new=2)

    html = get(client, LIST)

    gitlab_row = html.split('<th scope="row">')[2]
    assert "gitlab.exemple.gouv.fr" in gitlab_row
    assert "Failing" not in gitlab_row
    # The old error is still shown, with its date, as the last error.
    assert "timed out" in gitlab_row


@pytest.mark.django_db
def test_it_shows_one_forge_with_its_runs_newest_first_and_failed_accounts(
    client: Client, sector: Sector, emulated: Forge
) -> None:
    Account.objects.create(forge=emulated, path="Ministere", organisation=sector.ministry)
    make_run(emulated, 0, "succeeded", new=11, requests=21, not_modified=0)
    last = make_run(
        emulated,
        5,
        "failed",
        error="2 owners could not be listed",
        owners=3,
        owners_done=1,
        owners_failed=2,
        unchanged=11,
        requests=17,
        not_modified=13,
        errors=4,
    )
    OwnerProgress.objects.create(run=last, owner="ministere", step="failed", reason="HTTP 404")
    OwnerProgress.objects.create(run=last, owner="perdu", step="failed", reason="HTTP 410 gone")
    OwnerProgress.objects.create(run=last, owner="ok", step="done")

    html = get(client, reverse("forge-detail", args=[emulated.host]))

    assert "<h1>127.0.0.1:8123/gitea</h1>" in html
    runs = html.split('id="runs-title"')[1]
    started = re.findall(r'<th scope="row"><time datetime="([^"]+)"', runs)
    assert started == [stamp(T0 + timedelta(hours=5)), stamp(T0)]
    newest = runs.split('<th scope="row">')[1]
    assert "1/3" in newest and "2 failed" in newest
    assert re.findall(r'<td class="number">([\d,]+)</td>', newest) == [
        "0",
        "0",
        "11",
        "0",
        "17",
        "13",
        "4",
    ]
    assert "1 min 30 s" in newest
    failures = html.split('id="failures-title"')[1].split('id="runs-title"')[0]
    assert "ministere" in failures and "HTTP 404" in failures
    # The account is matched without case and leads to its organisation.
    assert sector.ministry.get_absolute_url() in failures
    assert "perdu" in failures and "HTTP 410 gone" in failures
    assert ">ok<" not in failures


@pytest.mark.django_db
def test_it_paginates_the_runs_of_a_forge(client: Client, sector: Sector) -> None:
    for hour in range(30):
        make_run(sector.github, hour, "succeeded", new=hour)
    url = reverse("forge-detail", args=["github.com"])

    first = get(client, url)
    second = get(client, url, page="2")

    assert len(re.findall(r'<th scope="row"><time', first)) == 25
    assert len(re.findall(r'<th scope="row"><time', second)) == 5
    assert stamp(T0 + timedelta(hours=29)) in first
    assert stamp(T0) in second and stamp(T0) not in first
    assert client.get(url, {"page": "zero"}).status_code == 404


@pytest.mark.django_db
def test_it_answers_404_for_an_unknown_forge(client: Client, sector: Sector) -> None:
    assert client.get(reverse("forge-detail", args=["forge.inconnue.fr"])).status_code == 404
    assert client.get("/forges/127.0.0.1:9/nothing/").status_code == 404


@pytest.mark.django_db
def test_it_shows_the_forge_pages_in_french(client: Client, sector: Sector) -> None:
    make_run(sector.github, 0, "failed", error="boom")
    response = client.get(LIST, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 200
    assert 'lang="fr"' in response.content.decode()


@pytest.mark.django_db
def test_it_lists_forges_with_a_fixed_number_of_queries(
    client: Client, sector: Sector, django_assert_max_num_queries: Callable
) -> None:
    make_run(sector.github, 0, "failed", error="boom")
    with CaptureQueriesContext(connection) as few:
        get(client, LIST)
        get(client, reverse("forge-detail", args=["github.com"]))
    for index in range(12):
        forge = Forge.objects.create(
            host=f"forge-{index}.test",
            kind="gitea",
            url=f"https://forge-{index}.test",
            api_url=f"https://forge-{index}.test/api/v1",
        )
        for hour in range(3):
            run = make_run(forge, hour, ("failed", "succeeded")[hour % 2], error="boom")
            OwnerProgress.objects.create(run=run, owner=f"o{hour}", step="failed", reason="x")
        make_run(sector.github, index + 1, "succeeded")
    with django_assert_max_num_queries(len(few.captured_queries)):
        get(client, LIST)
        get(client, reverse("forge-detail", args=["github.com"]))
