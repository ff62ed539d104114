"""The harvest against the emulator (GitHub, GitLab and Gitea dialects, a few hundred
repositories): everything stored once, faults change nothing, a refresh costs 304s."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest

from communs.emulator import EmulatorServer, Settings, World
from communs.emulator.protocol import Urls
from communs.forges.github import GitHub
from communs.forges.github_graphql import RepositoryExtras
from communs.forges.http import ForgeClient
from communs.forges.records import RepositoryRecord
from communs.harvest.engine import PROBE_BATCH, HarvestResult, harvest
from communs.harvest.models import HarvestRun
from communs.harvest.store import build_plans, release_json
from communs.repositories.models import Repository
from communs.sources.models import Forge

from .conftest import Clock, import_emulator, small_world

pytestmark = pytest.mark.django_db

FIELDS = (
    "native_id",
    "full_path",
    "name",
    "description",
    "default_branch",
    "is_fork",
    "is_archived",
    "created_at",
    "pushed_at",
    "stars",
    "forks",
    "license",
    "language",
    "topics",
    "gone_since",
    "account__path",
)


def harvest_emulator(server: EmulatorServer, **options: object) -> HarvestResult:
    prefix = server.url.removeprefix("http://")
    hosts = [host for plan in build_plans()[0] if (host := plan.host).startswith(prefix + "/")]
    plans, _ = build_plans(hosts)
    clock = Clock()
    options.setdefault("clock", clock)
    options.setdefault("sleep", clock.sleep)
    return harvest(plans, **options)  # type: ignore[arg-type]


def rows_of(server: EmulatorServer) -> dict[str, list[tuple[object, ...]]]:
    """Each emulated forge's stored repositories, keyed by forge name (not host)."""
    prefix = server.url.removeprefix("http://") + "/"
    found: dict[str, list[tuple[object, ...]]] = {}
    for host, *values in Repository.objects.filter(forge__host__startswith=prefix).values_list(
        "forge__host", *FIELDS
    ):
        found.setdefault(host.removeprefix(prefix), []).append(tuple(values))
    return {name: sorted(rows, key=str) for name, rows in found.items()}


def expected_paths(world: World) -> dict[str, set[str]]:
    """What a harvest must find: every repository of a whole forge; of listed owners else."""
    expected: dict[str, set[str]] = {}
    for name, forge in world.forges.items():
        paths = {forge.record(i).full_path for i in forge.all()}
        if not forge.whole:
            owners = [o.path.lower() + "/" for o in forge.owners.values() if o.organisation]
            paths = {p for p in paths if any(p.lower().startswith(o) for o in owners)}
        expected[name] = paths
    return expected


def test_it_harvests_every_repository_of_the_emulated_forges_once(
    serve: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    world = small_world()
    server = serve(world)
    import_emulator(server, tmp_path)
    result = harvest_emulator(server)
    assert [o.status for o in result.outcomes] == [HarvestRun.Status.SUCCEEDED] * 3
    stored = rows_of(server)
    for name, paths in expected_paths(world).items():
        assert sorted(row[1] for row in stored[name]) == sorted(paths), name
    by_path = {(name, row[1]): row for name, rows in stored.items() for row in rows}
    for name, forge in world.forges.items():
        for index in forge.all():
            truth = forge.record(index)
            row = by_path.get((name, truth.full_path))
            if row is None:
                continue
            assert row[0] == truth.native_id
            assert (row[7], row[9], row[3]) == (truth.created_at, truth.stars, truth.description)
    total = sum(len(rows) for rows in stored.values())
    requests = sum(o.counts["requests"] for o in result.outcomes)
    # Figures for the report: requests per 100 repositories on a first harvest.
    print(f"first harvest: {requests} requests for {total} repositories")
    assert requests * 100 / total < 20


def test_a_refresh_with_nothing_changed_is_answered_304(
    serve: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    server = serve()
    import_emulator(server, tmp_path)
    harvest_emulator(server)
    before = rows_of(server)
    result = harvest_emulator(server)
    requests = sum(o.counts["requests"] for o in result.outcomes)
    not_modified = sum(o.counts["not_modified"] for o in result.outcomes)
    print(f"refresh: {not_modified} of {requests} requests answered 304")
    assert not_modified / requests >= 0.95
    assert sum(o.counts["updated"] + o.counts["new"] for o in result.outcomes) == 0
    assert rows_of(server) == before
    assert server.emulator.stats_json()["not_modified"] == not_modified


def test_faults_change_nothing_in_the_stored_data(
    serve: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    clean = serve(small_world())
    settings = Settings(faults=0.2, fault_seed=5, retry_after=1, slow_seconds=0.01)
    faulty = serve(small_world(), settings)
    # One at a time: a sources file imported marks the forges of the previous one as left.
    import_emulator(clean, tmp_path / "clean")
    harvest_emulator(clean)
    import_emulator(faulty, tmp_path / "faulty")
    result = harvest_emulator(faulty, max_attempts=8)
    assert [o.status for o in result.outcomes] == [HarvestRun.Status.SUCCEEDED] * 3
    stats = faulty.emulator.stats_json()
    assert stats["faults_injected"] > 5
    assert sum(o.counts["retries"] for o in result.outcomes) > 0
    assert rows_of(faulty) == rows_of(clean)


def test_only_repositories_pushed_to_go_on_to_analysis(
    serve: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    world = small_world()
    server = serve(world)
    import_emulator(server, tmp_path)
    harvest_emulator(server)
    first = dict(Repository.objects.values_list("full_path", "content_changed_at"))
    touched = {path for _, path in world.touch(0.05, seed=4)}
    result = harvest_emulator(server)
    after = dict(Repository.objects.values_list("full_path", "content_changed_at"))
    moved = {path for path in after if after[path] != first[path]}
    listed = set().union(*expected_paths(world).values())
    assert moved == touched & listed and moved
    assert sum(o.counts["content_changed"] for o in result.outcomes) == len(moved)


def test_with_a_token_github_repositories_are_enriched(
    serve: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    world = small_world()
    server = serve(world)
    import_emulator(server, tmp_path)
    result = harvest_emulator(server, tokens={server.url.removeprefix("http://"): ["t"]})
    github = next(o for o in result.outcomes if o.host.endswith("/github"))
    rows = Repository.objects.filter(forge__host=github.host)
    assert github.counts["enriched"] == rows.count() > 50
    endpoints = server.emulator.stats_json()["endpoints"]
    owners = [o for o in world.forges["github"].owners.values() if o.organisation]
    # Owners listed many at a time, with their extras: no REST listing, no enrichment
    # request of its own, and at least 50 repositories a GraphQL request.
    assert not any(name.startswith("github.list") for name in endpoints)
    assert endpoints["github.graphql"] < len(owners)
    assert rows.count() / endpoints["github.graphql"] >= 50
    assert rows.exclude(root_files=[]).count() > rows.count() // 2
    assert rows.filter(enriched_at__isnull=True).count() == 0
    # The other forges have no GraphQL: nothing enriched there.
    assert (
        not Repository.objects.exclude(forge__host=github.host)
        .filter(enriched_at__isnull=False)
        .exists()
    )


def test_graphql_listing_stores_what_rest_and_enrichment_store(
    serve: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    rest, batched = serve(small_world()), serve(small_world())
    import_emulator(rest, tmp_path / "rest")
    harvest_emulator(rest)
    expected = rows_of(rest)
    import_emulator(batched, tmp_path / "batched")
    tokens = {batched.url.removeprefix("http://"): ["t"]}
    harvest_emulator(batched, tokens=tokens)
    assert rows_of(batched) == expected
    # The extras listed with each repository are what the enrichment query answers.
    forge = Forge.objects.get(host=batched.url.removeprefix("http://") + "/github")
    rows = list(
        Repository.objects.filter(forge=forge).values_list(
            "full_path", "root_files", "languages", "latest_release", "watchers"
        )
    )

    async def enrich() -> dict[str, RepositoryExtras | None]:
        async with ForgeClient(tokens=tokens) as client:
            adapter = GitHub(client, forge.url, forge.api_url)
            return await adapter.enrich([RepositoryRecord(path, "") for path, *_ in rows])

    answers = asyncio.run(enrich())
    assert any(root_files for _, root_files, *_ in rows)
    for path, root_files, languages, release, watchers in rows:
        extras = answers[path]
        assert extras is not None
        assert (root_files, languages, watchers) == (
            extras.root_files,
            extras.languages,
            extras.watchers,
        )
        assert release == release_json(extras)


def test_with_a_token_a_refresh_probes_owners_and_lists_only_those_that_moved(
    serve: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    world = small_world()
    server = serve(world)
    import_emulator(server, tmp_path)
    tokens = {server.url.removeprefix("http://"): ["t"]}
    harvest_emulator(server, tokens=tokens)
    before = rows_of(server)
    owners = [o for o in world.forges["github"].owners.values() if o.organisation]
    calls = server.emulator.stats_json()["endpoints"]["github.graphql"]
    result = harvest_emulator(server, tokens=tokens)
    github = next(o for o in result.outcomes if o.host.endswith("/github"))
    # Nothing changed: one probe request for every owner (up to PROBE_BATCH a request).
    assert server.emulator.stats_json()["endpoints"]["github.graphql"] - calls == -(
        -len(owners) // PROBE_BATCH
    )
    assert github.counts["unchanged"] == len(before["github"])
    assert github.counts["new"] + github.counts["updated"] == 0
    assert rows_of(server) == before
    touched = {path for name, path in world.touch(0.05, seed=4) if name == "github"}
    assert touched
    result = harvest_emulator(server, tokens=tokens)
    github = next(o for o in result.outcomes if o.host.endswith("/github"))
    after = dict(
        Repository.objects.filter(forge__host=github.host).values_list("full_path", "pushed_at")
    )
    truth = {
        r.full_path: r.pushed_at
        for r in map(world.forges["github"].record, world.forges["github"].all())
    }
    assert {path: after[path] for path in touched if path in after} == {
        path: truth[path] for path in touched if path in after
    }
    assert github.counts["updated"] == len(touched & after.keys())


def parents_of(server: EmulatorServer) -> dict[str, dict[str, str]]:
    """Each emulated forge's stored forks: path -> parent URL ("" when not known)."""
    prefix = server.url.removeprefix("http://") + "/"
    found: dict[str, dict[str, str]] = {}
    rows = Repository.objects.filter(forge__host__startswith=prefix, is_fork=True)
    for host, path, parent in rows.values_list("forge__host", "full_path", "fork_parent_url"):
        found.setdefault(host.removeprefix(prefix), {})[path] = parent
    return found


def test_forks_are_stored_with_their_parent_even_from_an_unchanged_page(
    serve: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    world = small_world()
    server = serve(world)
    import_emulator(server, tmp_path)
    harvest_emulator(server)
    web = {name: Urls.of(server.url, name, f.dialect).web for name, f in world.forges.items()}
    stored = parents_of(server)
    assert stored["gitea"]
    for path, parent in stored["gitea"].items():
        assert parent == f"{web['gitea']}/upstream/{path.rsplit('/', 1)[-1]}"
    # GitHub's REST listings and GitLab's GraphQL listings say "fork" and no more.
    for name in ("github", "gitlab"):
        assert stored[name] and not any(stored[name].values()), name
    assert not Repository.objects.filter(is_fork=False).exclude(fork_parent_url="").exists()

    # Rows stored before parents were kept: a refresh answered 304 fills them all the same.
    Repository.objects.update(fork_parent_url="")
    result = harvest_emulator(server)
    assert sum(o.counts["not_modified"] for o in result.outcomes) > 0
    assert parents_of(server) == stored


def test_graphql_listings_store_github_parents_and_rest_listings_keep_them(
    serve: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    world = small_world()
    server = serve(world)
    import_emulator(server, tmp_path)
    harvest_emulator(server, tokens={server.url.removeprefix("http://"): ["t"]})
    github = parents_of(server)["github"]
    web = Urls.of(server.url, "github", "github").web
    assert github
    assert github == {path: f"{web}/upstream/{path.rsplit('/', 1)[-1]}" for path in github}
    # An anonymous refresh lists by REST, whose blank parent must not wipe the stored one.
    world.touch(0.5, seed=7)
    result = harvest_emulator(server)
    assert sum(o.counts["updated"] for o in result.outcomes) > 0
    assert parents_of(server)["github"] == github
