"""Runs are recorded and resumable: crashes, signals, claims, concurrent processes."""

from __future__ import annotations

import os
import signal
import socket

import httpx
import pytest
from django.utils import timezone

from communs.forges.records import RepositoryRecord
from communs.forges.stats import RequestCounts
from communs.harvest import store
from communs.harvest.models import HarvestRun, ListingEntry, OwnerProgress, StoredResponse
from communs.harvest.state import OwnerState
from communs.repositories.models import Repository

from .conftest import API, FakeGitHub, run_harvest

pytestmark = pytest.mark.django_db


class Crash(BaseException):
    """Stands for the process dying: nothing of the harvest catches it."""


def crash_at(fake: FakeGitHub, number: int) -> FakeGitHub:
    """Make ``fake`` kill the harvest on its ``number``-th request, once."""
    answer = fake.answer
    count = [0]

    def dying(request: httpx.Request) -> httpx.Response:
        count[0] += 1
        if count[0] == number:
            fake.answer = answer  # type: ignore[method-assign]
            raise Crash
        return answer(request)

    fake.answer = dying  # type: ignore[method-assign]
    return fake


def snapshot() -> list[tuple[object, ...]]:
    return sorted(
        Repository.objects.values_list(
            "native_id", "full_path", "is_fork", "stars", "pushed_at", "gone_since", "account__path"
        )
    )


@pytest.mark.parametrize("number", [2, 3, 4, 5])
def test_a_crashed_run_resumes_where_it_stopped_and_ends_as_if_never_stopped(
    github: FakeGitHub, number: int
) -> None:
    with pytest.raises(Crash):
        run_harvest(crash_at(github, number), per_host=1)
    crashed = HarvestRun.objects.get()
    assert crashed.status == HarvestRun.Status.RUNNING and crashed.finished_at is None
    pages_before = crashed.pages
    result = run_harvest(github, per_host=1)
    run = HarvestRun.objects.get()
    assert result.outcomes[0].status == HarvestRun.Status.SUCCEEDED
    assert (run.pk, run.resumptions) == (crashed.pk, 1)
    # Nothing lost, nothing twice: every repository once, each counted new once, and
    # each of the 4 pages saved once (a page saved before the crash is not saved again).
    assert [row[0] for row in snapshot()] == sorted(str(i) for i in github.repos)
    assert (run.new, run.unchanged, run.gone) == (6, 0, 0)
    assert run.pages == 4 and pages_before < 4


def test_the_end_state_equals_an_uninterrupted_run(github: FakeGitHub) -> None:
    run_harvest(github, per_host=1)
    expected = snapshot()
    # From a clean slate again: no repository, run, ETag or remembered first page.
    for model in (Repository, HarvestRun, StoredResponse, ListingEntry):
        model.objects.all().delete()
    for number in (2, 4):
        with pytest.raises(Crash):
            run_harvest(crash_at(github, number), per_host=1)
    run_harvest(github, per_host=1)
    assert snapshot() == expected
    assert HarvestRun.objects.get().resumptions == 2


def test_a_resumed_run_starts_from_the_saved_cursor(github: FakeGitHub) -> None:
    page_two = f"{API}/orgs/etalab/repos?per_page=100&type=all&page=2"
    run = HarvestRun.objects.create(
        forge_id=github_forge_id(), status=HarvestRun.Status.INTERRUPTED
    )
    OwnerProgress.objects.create(run=run, owner="betagouv", step="done")
    OwnerProgress.objects.create(run=run, owner="etalab", step="listing", cursor=page_two)
    run_harvest(github, per_host=1)
    assert github.requested[0] == page_two
    assert not any("betagouv" in url for url in github.requested)
    assert f"{API}/orgs/etalab/repos?per_page=100&type=all" not in github.requested
    assert sorted(Repository.objects.values_list("full_path", flat=True)) == [
        "etalab/forked",
        "etalab/three",
        "jdoe/notes",
    ]


def github_forge_id() -> int:
    from communs.sources.models import Forge

    return Forge.objects.get(host="github.test").pk


def test_a_signal_interrupts_cleanly_and_the_next_harvest_resumes(github: FakeGitHub) -> None:
    answer = github.answer

    def interrupting(request: httpx.Request) -> httpx.Response:
        if "page=2" in str(request.url):
            os.kill(os.getpid(), signal.SIGINT)
        return answer(request)

    github.answer = interrupting  # type: ignore[method-assign]
    # Whatever the process had (a shell's background job starts with SIGINT ignored).
    before = signal.getsignal(signal.SIGINT)
    result = run_harvest(github, per_host=1, install_signals=True)
    assert result.interrupted
    run = HarvestRun.objects.get()
    assert run.status == HarvestRun.Status.INTERRUPTED and run.finished_at is None
    # The harvest's own handler is gone: the one before it is back.
    assert signal.getsignal(signal.SIGINT) is before
    github.answer = answer  # type: ignore[method-assign]
    result = run_harvest(github, per_host=1)
    run.refresh_from_db()
    assert (run.status, run.resumptions) == (HarvestRun.Status.SUCCEEDED, 1)
    assert Repository.objects.count() == 6


def test_a_forge_harvested_by_a_live_process_is_left_alone(github: FakeGitHub) -> None:
    other = HarvestRun.objects.create(
        forge_id=github_forge_id(),
        status=HarvestRun.Status.RUNNING,
        hostname=socket.gethostname(),
        pid=os.getppid(),
        claim="theirs",
    )
    result = run_harvest(github)
    assert result.outcomes[0].status == "busy"
    assert str(os.getppid()) in result.outcomes[0].message
    assert github.requested == []
    other.refresh_from_db()
    assert (other.status, other.claim) == (HarvestRun.Status.RUNNING, "theirs")


def test_a_run_asked_for_other_owners_is_superseded_not_resumed(github: FakeGitHub) -> None:
    partial = HarvestRun.objects.create(
        forge_id=github_forge_id(),
        status=HarvestRun.Status.INTERRUPTED,
        only=["jdoe"],
    )
    run_harvest(github)
    partial.refresh_from_db()
    assert partial.finished_at is not None and "superseded" in partial.error
    assert HarvestRun.objects.count() == 2


def test_a_process_that_lost_its_claim_writes_nothing(github: FakeGitHub) -> None:
    [plan], _ = store.build_plans()
    handle = store.open_run(plan)
    HarvestRun.objects.update(claim="another process")
    record = RepositoryRecord(
        full_path="etalab/one", url="https://github.test/etalab/one", native_id="1"
    )
    with pytest.raises(store.LostClaim):
        store.commit_page(
            handle, "etalab", [record], None, entry=None, keep=(), stats=RequestCounts()
        )
    assert not Repository.objects.exists()
    assert not OwnerProgress.objects.exists()


def _record(owner: str, name: str, native_id: str) -> RepositoryRecord:
    return RepositoryRecord(
        full_path=f"{owner}/{name}", url=f"https://github.test/{owner}/{name}", native_id=native_id
    )


def test_the_pages_of_many_owners_are_saved_with_their_cursors_in_one_go(
    github: FakeGitHub,
) -> None:
    [plan], _ = store.build_plans()
    handle = store.open_run(plan)
    pages = [
        store.OwnerPage("etalab", [_record("etalab", "one", "1")], "graphql:next", extras={}),
        store.OwnerPage("jdoe", [_record("jdoe", "notes", "2")], None, fingerprint="2 notes"),
    ]
    results = store.commit_pages(handle, pages, keep=(), stats=RequestCounts())
    assert [result.done for result in results] == [False, True]
    assert results[0].counts.new == 2
    progress = dict(OwnerProgress.objects.values_list("owner", "cursor"))
    assert progress == {"etalab": "graphql:next", "jdoe": ""}
    assert ListingEntry.objects.get(owner="jdoe").fingerprint == "2 notes"
    run = HarvestRun.objects.get()
    assert (run.pages, run.new, run.owners_done) == (2, 2, 1)


def test_a_process_that_lost_its_claim_saves_no_page_of_a_batch(github: FakeGitHub) -> None:
    [plan], _ = store.build_plans()
    handle = store.open_run(plan)
    HarvestRun.objects.update(claim="another process")
    pages = [
        store.OwnerPage("etalab", [_record("etalab", "one", "1")], "graphql:next"),
        store.OwnerPage("jdoe", [_record("jdoe", "notes", "2")], None, fingerprint="x"),
    ]
    with pytest.raises(store.LostClaim):
        store.commit_pages(handle, pages, keep=(), stats=RequestCounts())
    assert not Repository.objects.exists()
    assert not OwnerProgress.objects.exists()
    assert not ListingEntry.objects.filter(fingerprint="x").exists()
    assert handle.state.fingerprints == {}


@pytest.mark.django_db(transaction=True)
def test_a_page_and_its_cursor_are_saved_together_or_not_at_all(
    github: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = OwnerState.after_page
    calls = [0]

    def failing(self: OwnerState, next_cursor: str | None) -> OwnerState:
        calls[0] += 1
        if calls[0] == 2:
            raise RuntimeError("disk full")
        return original(self, next_cursor)

    monkeypatch.setattr(OwnerState, "after_page", failing)
    result = run_harvest(github, per_host=1, owners=["etalab"])
    assert result.outcomes[0].status == HarvestRun.Status.FAILED
    assert "disk full" in result.outcomes[0].message
    # The first page and its cursor were saved; the second page's repositories were not.
    assert sorted(Repository.objects.values_list("full_path", flat=True)) == [
        "etalab/one",
        "etalab/two",
    ]
    run = HarvestRun.objects.get()
    assert run.pages == 1
    assert run.progress.get(owner="etalab").cursor.endswith("page=2")
    assert run.new == 2


def test_started_runs_record_who_runs_them(github: FakeGitHub) -> None:
    before = timezone.now()
    run_harvest(github)
    run = HarvestRun.objects.get()
    assert run.pid == os.getpid() and run.hostname == socket.gethostname()
    assert before <= run.started_at <= run.finished_at  # type: ignore[operator]
