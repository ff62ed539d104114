"""The status query, the read-only admin of runs, and the ETag store in the database."""

from __future__ import annotations

import zlib
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client

from communs.harvest.etags import read_response, store_response, url_key
from communs.harvest.models import HarvestRun, StoredResponse
from communs.harvest.status import forge_status, forge_statuses

from .conftest import FakeGitHub, make_forge, run_harvest

pytestmark = pytest.mark.django_db

T0 = datetime(2025, 3, 1, tzinfo=UTC)


def a_run(forge: object, status: str, hours: int, **fields: object) -> HarvestRun:
    started = T0 + timedelta(hours=hours)
    return HarvestRun.objects.create(
        forge=forge,
        status=status,
        started_at=started,
        finished_at=None if status == "running" else started + timedelta(minutes=5),
        **fields,
    )


def test_forge_status_gives_the_last_success_the_last_error_and_the_last_run() -> None:
    forge, quiet = make_forge(), make_forge("quiet.test", kind="gitea")
    a_run(forge, "succeeded", 0, new=3)
    a_run(forge, "failed", 1, error="etalab: 403 forbidden")
    last = a_run(forge, "succeeded", 2, unchanged=3, requests=4, not_modified=4)
    status = forge_status(forge)
    assert status.last_run == last and status.last_run.counts()["not_modified"] == 4
    assert status.last_success_at == last.finished_at
    assert status.last_error == "etalab: 403 forbidden"
    assert status.last_error_at == T0 + timedelta(hours=1, minutes=5)
    assert not status.failing and not status.running
    a_run(forge, "failed", 3, error="down")
    running = a_run(forge, "running", 4)
    status = forge_statuses()[forge.pk]
    assert status.failing and status.running and status.last_error == "down"
    assert status.last_run == running
    empty = forge_statuses()[quiet.pk]
    assert (empty.last_run, empty.last_success_at, empty.last_error) == (None, None, "")


def test_forge_statuses_cost_a_few_queries_whatever_the_number_of_forges(
    django_assert_max_num_queries: object,
) -> None:
    forges = [make_forge(f"f{i}.test", kind="gitea") for i in range(8)]
    for index, forge in enumerate(forges):
        a_run(forge, "succeeded", index)
        a_run(forge, "failed", index + 1, error="x")
    with django_assert_max_num_queries(4):  # type: ignore[operator]
        statuses = forge_statuses(forges)
    assert all(s.last_error == "x" and s.failing for s in statuses.values())


def test_runs_are_read_only_in_the_admin(github: FakeGitHub) -> None:
    run_harvest(github)
    run = HarvestRun.objects.get()
    admin = User.objects.create_superuser("admin", "admin@example.org", "x")
    client = Client()
    client.force_login(admin)
    listing = client.get("/admin/harvest/harvestrun/")
    assert listing.status_code == 200 and "github.test" in listing.content.decode()
    page = client.get(f"/admin/harvest/harvestrun/{run.pk}/change/")
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert client.get("/admin/harvest/harvestrun/add/").status_code == 403
    assert (
        client.post(f"/admin/harvest/harvestrun/{run.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert HarvestRun.objects.filter(pk=run.pk).exists()


def test_stored_responses_are_compressed_and_keyed_by_the_url_hash() -> None:
    body = b'{"link": "x"}\n' + b'[{"id": 1}]' * 500
    store_response("https://api.example.org/orgs/a/repos?page=1", 'W/"abc"', body)
    row = StoredResponse.objects.get()
    assert row.key == url_key("https://api.example.org/orgs/a/repos?page=1") and len(row.key) == 64
    assert len(bytes(row.body)) < len(body) // 5 and row.size == len(body)
    assert zlib.decompress(bytes(row.body)) == body
    assert read_response("https://api.example.org/orgs/a/repos?page=1") == ('W/"abc"', body)
    assert read_response("https://api.example.org/orgs/a/repos?page=2") is None
    store_response("https://api.example.org/orgs/a/repos?page=1", 'W/"def"', b"[]")
    assert read_response("https://api.example.org/orgs/a/repos?page=1") == ('W/"def"', b"[]")
    assert StoredResponse.objects.count() == 1
    # A damaged entry is as good as none: the next request is a full one.
    StoredResponse.objects.update(body=b"not zlib")
    assert read_response("https://api.example.org/orgs/a/repos?page=1") is None


def test_a_refresh_in_a_new_process_sends_the_stored_etags(github: FakeGitHub) -> None:
    run_harvest(github)
    assert StoredResponse.objects.count() == 4  # one per page that answered 200
    github.requested.clear()
    run_harvest(github)
    assert github.statuses[-4:] == [304] * 4


def test_stored_answers_a_complete_run_did_not_use_are_deleted(github: FakeGitHub) -> None:
    run_harvest(github)
    etalab_page_2 = "https://api.github.test/orgs/etalab/repos?per_page=100&type=all&page=2"
    kept_urls = set(StoredResponse.objects.values_list("url", flat=True))
    assert etalab_page_2 in kept_urls  # four repositories, two a page
    # Another forge's answers, and an old answer of this one that no run asks for again.
    store_response("https://api.other.test/orgs/x/repos", 'W/"o"', b"{}\n[]")
    store_response("https://api.github.test/orgs/left/repos", 'W/"l"', b"{}\n[]")
    # A narrowed run saw only part of the forge: it deletes nothing.
    run_harvest(github, owners=["jdoe"])
    assert StoredResponse.objects.count() == len(kept_urls) + 2
    # Two repositories fewer: etalab fits one page, whose second page is no longer asked.
    for repo in [r for r in github.repos.values() if r.owner == "etalab"][:2]:
        github.delete(repo)
    run_harvest(github)
    assert HarvestRun.objects.order_by("-pk").first().status == "succeeded"  # type: ignore[union-attr]
    left = set(StoredResponse.objects.values_list("url", flat=True))
    assert left == (kept_urls - {etalab_page_2}) | {"https://api.other.test/orgs/x/repos"}
    # What is left is what the next refresh asks: every page answers 304.
    github.statuses.clear()
    run_harvest(github)
    assert github.statuses and set(github.statuses) == {304}
