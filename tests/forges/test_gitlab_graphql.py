"""GitLab namespaces listed many at a time by GraphQL: the query, its complexity, the
answer's mapping (the same records as REST), conditional GETs, smaller batches when
GitLab refuses a query as too complex."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from communs.emulator import EmulatorServer, Settings, build_world
from communs.emulator.world import World
from communs.forges.github_graphql import OwnerMissing, OwnerPage
from communs.forges.gitlab import GitLab
from communs.forges.gitlab_graphql import (
    ANONYMOUS_COMPLEXITY,
    AUTHENTICATED_COMPLEXITY,
    MAX_QUERY_SIZE,
    build_namespaces_query,
    complexity_refusal,
    estimate_complexity,
    owners_per_query,
    parse_namespaces_response,
    record_from_gitlab_graphql,
)
from communs.forges.http import ForgeClient

NODE = {
    "id": "gid://gitlab/Project/36528",
    "fullPath": "fdroid/fdroiddata",
    "name": "Data",
    "description": None,
    "webUrl": "https://gitlab.com/fdroid/fdroiddata",
    "createdAt": "2015-01-28T20:26:22Z",
    "updatedAt": None,
    "lastActivityAt": "2017-12-12T10:32:26Z",
    "archived": False,
    "visibility": "public",
    "isForked": False,
    "forksCount": 789,
    "starCount": 295,
    "openIssuesCount": None,
    "topics": ["android"],
    "repository": {"rootRef": "master"},
}


def page(nodes: list, *, more: bool = False, cursor: str | None = None) -> dict:
    return {"projects": {"pageInfo": {"hasNextPage": more, "endCursor": cursor}, "nodes": nodes}}


def test_the_query_names_namespaces_by_variables_and_stays_small() -> None:
    owners = [('we"ird/path', None), ("group/sub", "abc")]
    query, variables = build_namespaces_query(owners)
    assert variables == {"p0": 'we"ird/path', "c0": None, "p1": "group/sub", "c1": "abc"}
    assert 'we"ird' not in query and "group/sub" not in query
    assert "g0:namespace(fullPath:$p0)" in query and "after:$c1" in query
    many, _ = build_namespaces_query([(f"group-{i}", None) for i in range(40)])
    assert len(many) < MAX_QUERY_SIZE
    with pytest.raises(ValueError):
        build_namespaces_query([("/", None)])


@pytest.mark.parametrize("limit", [ANONYMOUS_COMPLEXITY, AUTHENTICATED_COMPLEXITY, 60, 10])
def test_a_batch_is_as_large_as_the_complexity_limit_allows(limit: int) -> None:
    size = owners_per_query(limit)
    assert size >= 1
    assert estimate_complexity(size) <= limit or size == 1
    assert estimate_complexity(size + 1) > limit


def test_a_project_maps_as_rest_maps_it() -> None:
    record = record_from_gitlab_graphql(NODE)
    assert (record.full_path, record.native_id, record.url) == (
        "fdroid/fdroiddata",
        "36528",
        "https://gitlab.com/fdroid/fdroiddata",
    )
    assert (record.stars, record.forks, record.open_issues) == (295, 789, 0)
    assert record.default_branch == "master" and record.is_fork is False
    assert record.description == "" and record.topics == ["android"]
    # No updatedAt: the last activity stands in, as for REST.
    assert record.updated_at == record.pushed_at == datetime(2017, 12, 12, 10, 32, 26, tzinfo=UTC)
    with pytest.raises(ValueError):
        record_from_gitlab_graphql(NODE | {"id": "gid://gitlab/Project/x"})


def test_the_answer_gives_each_namespace_its_page_or_why_not() -> None:
    private = NODE | {"fullPath": "a/private", "visibility": "internal"}
    answer = {
        "data": {
            "g0": page([NODE, private], more=True, cursor="next"),
            "g1": None,
            "g2": page([NODE], more=True, cursor=None),
            "g3": None,
            "g4": page([NODE] * 3),
            "g5": page([NODE | {"id": None}]),
        },
        "errors": [{"message": "Gitaly timed out", "path": ["g3", "projects"]}],
    }
    paths = ["a", "gone", "loop", "slow", "big", "bad"]
    pages = parse_namespaces_response(answer, paths, max_items=2, not_modified=True)
    first = pages["a"]
    assert isinstance(first, OwnerPage)
    assert [r.full_path for r in first.records] == ["fdroid/fdroiddata"]
    assert first.end_cursor == "next" and first.not_modified
    for path, gone in (("gone", True), ("loop", False), ("slow", False), ("big", False)):
        missing = pages[path]
        assert isinstance(missing, OwnerMissing) and missing.gone is gone, path
    assert "Gitaly timed out" in str(pages["slow"])
    bad = pages["bad"]
    assert isinstance(bad, OwnerMissing) and not bad.gone
    with pytest.raises(ValueError, match="no data: Query too large"):
        parse_namespaces_response({"errors": [{"message": "Query too large"}]}, ["a"], 10)


def test_a_refusal_for_complexity_is_read() -> None:
    message = "Query has complexity of 245, which exceeds max complexity of 200"
    assert complexity_refusal({"errors": [{"message": message}]}) == (245, 200)
    assert complexity_refusal({"errors": [{"message": "Query too large"}]}) is None


# Against the emulator.


@pytest.fixture
def world() -> World:
    return build_world(repositories=300, owners=30, seed=3, now=datetime(2025, 6, 1, tzinfo=UTC))


@pytest.fixture
def served(world: World, tmp_path) -> Iterator[list[EmulatorServer]]:
    servers: list[EmulatorServer] = []
    yield servers
    for server in servers:
        server.stop()


def start(servers: list[EmulatorServer], world: World, tmp_path, **settings: object):
    server = EmulatorServer(world, Settings(**settings), git_root=tmp_path / f"git{len(servers)}")
    servers.append(server)
    server.start()
    return server


def groups(world: World) -> list[str]:
    return [o.path for p, o in world.forges["gitlab"].owners.items() if "/" not in p]


async def both_ways(server: EmulatorServer, paths: list[str], token: bool = False):
    tokens = {server.url.removeprefix("http://"): ["t"]} if token else None
    async with ForgeClient(tokens=tokens) as client:
        adapter = GitLab(client, f"{server.url}/gitlab", f"{server.url}/gitlab/api/v4")
        batched = await adapter.list_owners_batch([(path, None) for path in paths])
        again = await adapter.list_owners_batch([(path, None) for path in paths])
        rest = {}
        for path in paths:
            rest[path] = [r async for p in adapter.list_owner(path) for r in p.records]
        return adapter, batched, again, rest


def test_batches_list_what_rest_lists_and_an_unchanged_batch_is_a_304(
    world: World, served: list[EmulatorServer], tmp_path
) -> None:
    server = start(served, world, tmp_path)
    paths = groups(world)[:9]
    adapter, batched, again, rest = asyncio.run(both_ways(server, paths))
    size = adapter.owners_per_request()
    assert size == owners_per_query(ANONYMOUS_COMPLEXITY) > 1
    endpoints = server.emulator.stats_json()["endpoints"]
    # Twice nine namespaces, ``size`` a request; the second time every answer is a 304.
    assert endpoints["gitlab.graphql"] == 2 * -(-len(paths) // size)
    assert server.emulator.stats_json()["not_modified"] == -(-len(paths) // size)
    parents = 0
    for path in paths:
        listed = batched[path]
        assert isinstance(listed, OwnerPage) and listed.end_cursor is None
        assert not listed.not_modified
        by_id = sorted(listed.records, key=lambda r: int(r.native_id or 0))
        by_rest = sorted(rest[path], key=lambda r: int(r.native_id or 0))
        # GraphQL does not ask for a fork's parent (Project.forkedFrom is too recent);
        # REST names it, and storage keeps it when a GraphQL page leaves it blank.
        assert all(not r.fork_parent_url for r in by_id)
        parents += sum(bool(r.fork_parent_url) for r in by_rest)
        assert by_id == [dataclasses.replace(r, fork_parent_url="") for r in by_rest]
        unchanged = again[path]
        assert isinstance(unchanged, OwnerPage) and unchanged.not_modified
        assert unchanged.records == listed.records
    assert parents > 0


def test_with_a_token_batches_are_larger(
    world: World, served: list[EmulatorServer], tmp_path
) -> None:
    server = start(served, world, tmp_path)
    adapter, batched, *_ = asyncio.run(both_ways(server, groups(world)[:3], token=True))
    assert adapter.owners_per_request() == owners_per_query(AUTHENTICATED_COMPLEXITY)
    assert owners_per_query(AUTHENTICATED_COMPLEXITY) > owners_per_query(ANONYMOUS_COMPLEXITY)
    assert all(isinstance(p, OwnerPage) for p in batched.values())


def test_a_query_refused_as_too_complex_is_asked_again_in_smaller_batches(
    world: World, served: list[EmulatorServer], tmp_path
) -> None:
    # An administrator lowered the limit: the estimate is too high for this instance.
    limit = estimate_complexity(2)
    server = start(served, world, tmp_path, gitlab_max_complexity=limit)
    paths = groups(world)[:7]
    adapter, batched, *_ = asyncio.run(both_ways(server, paths))
    assert adapter.owners_per_request() == 2
    assert all(isinstance(p, OwnerPage) and p.records for p in batched.values())
    statuses = server.emulator.stats_json()["endpoints"]["gitlab.graphql"]
    # One refused request, then batches of two (twice: the second listing is 304s).
    assert statuses == 1 + 2 * -(-len(paths) // 2)
