"""The forge adapters of ``communs.forges`` harvest the emulator: every repository, once,
with the values the world holds, through faults."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from communs.emulator import EmulatorServer, Settings, World
from communs.emulator.protocol import Urls
from communs.forges import http, registry
from communs.forges.records import RepositoryRecord


async def _no_wait(seconds: float) -> None:
    return None


async def harvest(server: EmulatorServer, world: World) -> dict[str, list[RepositoryRecord]]:
    found: dict[str, list[RepositoryRecord]] = {}
    async with http.ForgeClient(sleep=_no_wait, per_host=8, max_attempts=8) as client:
        for forge in world.forges.values():
            urls = Urls.of(server.url, forge.name, forge.dialect)
            adapter = registry.get_adapter(forge.kind, client, urls.web, urls.api)
            records = found.setdefault(forge.name, [])
            if forge.whole:
                async for page in adapter.list_instance():
                    records += page.records
            else:
                for owner in forge.owners.values():
                    if owner.organisation is None:
                        continue
                    async for page in adapter.list_owner(owner.path):
                        records += page.records
    return found


def test_it_is_harvested_whole_by_the_adapters_through_faults(
    serve: Callable[..., EmulatorServer], world: World
) -> None:
    # No 403 here: the client waits for the reset it announces on the real clock, while
    # this test's sleep costs nothing (test_faults checks that fault's shape).
    kinds = ("500", "502", "503", "429", "cut", "slow")
    settings = Settings(
        faults=0.15, fault_seed=2, fault_kinds=kinds, retry_after=0, slow_seconds=0.01
    )
    server = serve(world, settings)
    found = asyncio.run(harvest(server, world))
    for name, forge in world.forges.items():
        expected = {forge.record(i).full_path: forge.record(i) for i in forge.all()}
        if not forge.whole:
            # A shared forge is listed through its listed owners only.
            expected = {
                path: record
                for path, record in expected.items()
                if any(
                    o.organisation and (path.lower().startswith(o.path.lower() + "/"))
                    for o in forge.owners.values()
                )
            }
        paths = [record.full_path for record in found[name]]
        assert sorted(paths) == sorted(expected), name
        for record in found[name]:
            truth = expected[record.full_path]
            assert record.native_id == truth.native_id
            assert record.stars == truth.stars and record.forks == truth.forks
            assert record.created_at == truth.created_at
            assert record.default_branch == truth.default_branch
            assert record.topics == truth.topics
            if forge.dialect != "gitlab":
                assert record.license == truth.license
                assert record.language == truth.language
                assert record.is_fork == truth.is_fork
    assert server.emulator.stats_json()["faults_injected"] > 0


def test_it_serves_single_repositories_archives_and_recent_changes(
    server: EmulatorServer, world: World, tmp_path: Path
) -> None:
    async def run() -> None:
        async with http.ForgeClient(sleep=_no_wait, tokens={server.url[7:]: ["t"]}) as client:
            for forge in world.forges.values():
                urls = Urls.of(server.url, forge.name, forge.dialect)
                adapter = registry.get_adapter(forge.kind, client, urls.web, urls.api)
                truth = forge.record(forge.count - 1)
                record = await adapter.fetch_repository(truth.full_path)
                assert record is not None and record.native_id == truth.native_id
                assert record.license == truth.license
                assert await adapter.fetch_repository(f"{truth.owner}/no-such-name") is None
                download = await adapter.fetch_archive(
                    record, tmp_path / f"{forge.name}.tgz", 10**7
                )
                assert download.size > 100
                if adapter.supports("list_updated_since"):
                    since = world.now - timedelta(days=60)
                    recent = [
                        r async for page in adapter.list_updated_since(since) for r in page.records
                    ]
                    assert recent and all((r.updated_at or r.pushed_at) >= since for r in recent)  # type: ignore[operator]

    asyncio.run(run())


def test_forks_name_their_parent_as_each_forge_does(server: EmulatorServer, world: World) -> None:
    """Gitea and GitLab name a fork's parent in listings, GitHub in a single answer and
    in GraphQL listings only; the parent is the made-up ``upstream/<name>``."""

    async def run() -> None:
        async with http.ForgeClient(sleep=_no_wait, tokens={server.url[7:]: ["t"]}) as client:
            for forge in world.forges.values():
                urls = Urls.of(server.url, forge.name, forge.dialect)
                adapter = registry.get_adapter(forge.kind, client, urls.web, urls.api)
                records = [forge.record(i) for i in forge.all()]
                fork = next(r for r in records if r.is_fork and forge.owner(r.owner))
                parent = f"{urls.web}/upstream/{fork.name}"
                fetched = await adapter.fetch_repository(fork.full_path)
                assert fetched is not None and fetched.fork_parent_url == parent, forge.name
                listed = {
                    r.full_path: r
                    async for page in adapter.list_owner(fork.owner)
                    for r in page.records
                }
                named = "" if forge.dialect == "github" else parent
                assert listed[fork.full_path].fork_parent_url == named, forge.name
                assert all(not r.fork_parent_url for r in listed.values() if not r.is_fork)
                if forge.dialect == "github":
                    pages = await adapter.list_owners_batch([(fork.owner, None)])  # type: ignore[attr-defined]
                    batched = {r.full_path: r for r in pages[fork.owner].records}
                    assert batched[fork.full_path].fork_parent_url == parent
                    assert all(bool(r.fork_parent_url) == bool(r.is_fork) for r in batched.values())

    asyncio.run(run())
