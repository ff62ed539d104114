"""GitLab owners listed many at a time by GraphQL against the emulator: what REST
stores, in fewer requests; a refresh of conditional GETs (304s); faults and an instance
without GraphQL change nothing in the stored data."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from communs.emulator import EmulatorServer, Settings
from communs.forges.gitlab import GitLab
from communs.harvest.engine import GRAPHQL_GIVE_UP_AFTER
from communs.harvest.models import HarvestRun
from communs.repositories.models import Repository

from .conftest import import_emulator, small_world
from .test_emulator import harvest_emulator, rows_of

pytestmark = pytest.mark.django_db


def gitlab_outcome(result):  # type: ignore[no-untyped-def]
    return next(o for o in result.outcomes if o.host.endswith("/gitlab"))


def endpoints(server: EmulatorServer) -> dict[str, int]:
    return server.emulator.stats_json()["endpoints"]


def rest_only(
    serve: Callable[..., EmulatorServer], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> dict[str, list[tuple[object, ...]]]:
    """The rows a harvest stores with GitLab listed by REST alone, owner by owner."""
    server = serve(small_world())
    import_emulator(server, tmp_path / "rest")
    with monkeypatch.context() as patch:
        patch.setattr(GitLab, "batches_owners", False)
        harvest_emulator(server)
    assert "gitlab.graphql" not in endpoints(server)
    return rows_of(server)


def test_gitlab_owners_are_listed_many_a_request_storing_what_rest_stores(
    serve: Callable[..., EmulatorServer], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = rest_only(serve, tmp_path, monkeypatch)
    world = small_world()
    server = serve(world)
    forges = import_emulator(server, tmp_path / "batched")
    result = harvest_emulator(server)
    assert gitlab_outcome(result).status == HarvestRun.Status.SUCCEEDED
    assert rows_of(server) == expected
    owners = next(f for f in forges if f.host.endswith("/gitlab")).accounts.count()
    calls = endpoints(server)
    # No REST listing; a GraphQL request lists several owners (anonymously: four).
    assert "gitlab.list_owner" not in calls
    assert 0 < calls["gitlab.graphql"] <= -(-owners // 3) + 2


def test_a_refresh_of_gitlab_is_answered_304_and_finds_what_moved(
    serve: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    world = small_world()
    server = serve(world)
    import_emulator(server, tmp_path)
    harvest_emulator(server)
    before = rows_of(server)
    first = endpoints(server)["gitlab.graphql"]
    statuses = server.emulator.stats_json()["not_modified"]
    result = harvest_emulator(server)
    gitlab = gitlab_outcome(result)
    # The same queries as last time, every one a 304: nothing stored anew.
    assert endpoints(server)["gitlab.graphql"] == 2 * first
    assert gitlab.counts["not_modified"] == first == gitlab.counts["requests"]
    assert server.emulator.stats_json()["not_modified"] - statuses >= first
    assert gitlab.counts["new"] + gitlab.counts["updated"] == 0
    assert rows_of(server) == before
    touched = {path for name, path in world.touch(0.05, seed=4) if name == "gitlab"}
    assert touched
    result = harvest_emulator(server)
    gitlab = gitlab_outcome(result)
    forge = world.forges["gitlab"]
    truth = {r.full_path: r.pushed_at for r in map(forge.record, forge.all())}
    stored = dict(
        Repository.objects.filter(forge__host=gitlab.host).values_list("full_path", "pushed_at")
    )
    listed = touched & stored.keys()
    assert listed and {p: stored[p] for p in listed} == {p: truth[p] for p in listed}
    assert gitlab.counts["updated"] == len(listed)
    # Only the batches holding a touched project were answered anew.
    assert gitlab.counts["requests"] - gitlab.counts["not_modified"] <= len(listed)


def test_faults_on_gitlab_batches_change_nothing_in_the_stored_data(
    serve: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    clean = serve(small_world())
    import_emulator(clean, tmp_path / "clean")
    harvest_emulator(clean)
    faulty = serve(small_world(), Settings(faults=0.3, fault_seed=11, slow_seconds=0.01))
    import_emulator(faulty, tmp_path / "faulty")
    result = harvest_emulator(faulty, max_attempts=8)
    assert [o.status for o in result.outcomes] == [HarvestRun.Status.SUCCEEDED] * 3
    assert faulty.emulator.stats_json()["faults_injected"] > 5
    assert gitlab_outcome(result).counts["retries"] > 0
    assert endpoints(faulty)["gitlab.graphql"] > 0
    assert rows_of(faulty) == rows_of(clean)


def test_a_gitlab_without_graphql_is_listed_by_rest(
    serve: Callable[..., EmulatorServer], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = rest_only(serve, tmp_path, monkeypatch)
    server = serve(small_world(), Settings(gitlab_graphql=False))
    import_emulator(server, tmp_path / "old")
    result = harvest_emulator(server, per_host=1)
    assert gitlab_outcome(result).status == HarvestRun.Status.SUCCEEDED
    assert rows_of(server) == expected
    calls = endpoints(server)
    # Two batches refused in a row: every other owner goes straight to REST.
    assert calls["gitlab.unknown"] == GRAPHQL_GIVE_UP_AFTER
    assert calls["gitlab.list_owner"] > 0
