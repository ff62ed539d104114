"""The GitLab-shaped API v4: shapes, offset and keyset pages, filters, budgets, archives."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from communs.emulator import EmulatorServer, Settings, World
from communs.emulator import gitlab as emulated_gitlab
from communs.emulator.content import plan_for
from communs.emulator.world import ForgeWorld
from communs.forges.paging import parse_link_header

from .conftest import assert_same_shape, recorded, untar


def gitlab(world: World) -> ForgeWorld:
    return world.forges["gitlab"]


def api(server: EmulatorServer) -> str:
    return f"{server.url}/gitlab/api/v4"


@pytest.mark.shared
def test_it_answers_projects_in_gitlabs_shape(
    shared: Path, server: EmulatorServer, world: World, http: httpx.Client
) -> None:
    record = gitlab(world).record(0)
    single = http.get(f"{api(server)}/projects/{quote(record.full_path, safe='')}").json()
    assert_same_shape(recorded(shared, "gitlab", "project"), single)
    page = http.get(f"{api(server)}/projects?per_page=5").json()
    for sample in recorded(shared, "gitlab", "api_response_page1.json"):
        assert_same_shape(sample, page[0])
    assert single["path_with_namespace"] == record.full_path
    assert single["namespace"]["full_path"] == record.owner
    assert "license" not in single
    with_licence = http.get(f"{api(server)}/projects/{single['id']}?license=true").json()
    assert (with_licence["license"] or {}).get("key", "") == (
        "other" if record.license == "NOASSERTION" else record.license.lower()
    )


def test_it_pages_groups_with_their_subgroups_by_offset(
    server: EmulatorServer, world: World, http: httpx.Client
) -> None:
    forge = gitlab(world)
    top = [o for o in forge.owners.values() if "/" not in o.path and o.kind == "group"]
    users = [o for o in forge.owners.values() if o.kind == "user"]
    seen: list[str] = []
    for owner in top + users:
        route = "groups" if owner.kind == "group" else "users"
        url: str | None = (
            f"{api(server)}/{route}/{quote(owner.path, safe='')}/projects"
            "?include_subgroups=true&per_page=4&order_by=id&sort=asc"
        )
        while url:
            answer = http.get(url)
            assert answer.status_code == 200
            assert answer.headers["x-per-page"] == "4"
            assert int(answer.headers["x-total"]) == len(
                forge.owner_listing(owner, subgroups=owner.kind == "group")
            )
            ids = [item["id"] for item in answer.json()]
            assert ids == sorted(ids)
            seen += [item["path_with_namespace"] for item in answer.json()]
            next_page = answer.headers["x-next-page"]
            url = parse_link_header(answer.headers["link"]).get("next")
            assert bool(next_page) == bool(url)
    assert sorted(seen) == sorted(forge.record(i).full_path for i in forge.all())


def test_it_lists_only_a_groups_own_projects_without_subgroups(
    server: EmulatorServer, world: World, http: httpx.Client
) -> None:
    forge = gitlab(world)
    parent = next(
        o
        for o in forge.owners.values()
        if any(p.startswith(o.path.lower() + "/") for p in forge.owners)
    )
    own = http.get(f"{api(server)}/groups/{quote(parent.path, safe='')}/projects?per_page=100")
    deep = http.get(
        f"{api(server)}/groups/{parent.id}/projects?per_page=100&include_subgroups=true"
    )
    assert {p["namespace"]["full_path"] for p in own.json()} <= {parent.path}
    assert len(deep.json()) > len(own.json())
    missing = http.get(f"{api(server)}/groups/no-such-group/projects")
    assert missing.status_code == 404 and missing.json() == {"message": "404 Group Not Found"}


def test_it_walks_the_whole_instance_with_keyset_pages(
    server: EmulatorServer, world: World, http: httpx.Client
) -> None:
    forge = gitlab(world)
    url: str | None = f"{api(server)}/projects?pagination=keyset&order_by=id&sort=asc&per_page=9"
    ids: list[int] = []
    while url:
        answer = http.get(url)
        assert "x-total" not in answer.headers and "x-page" not in answer.headers
        ids += [item["id"] for item in answer.json()]
        url = parse_link_header(answer.headers.get("link")).get("next")
        assert url is None or "id_after=" in url
    assert ids == [forge.native_id(i) for i in forge.all()]
    refused = http.get(f"{api(server)}/projects?pagination=keyset&order_by=name")
    assert refused.status_code == 405


def test_it_filters_by_last_activity_after_a_touch(
    server: EmulatorServer, world: World, http: httpx.Client
) -> None:
    touched = http.post(f"{server.url}/_emulator/touch?fraction=0.25&seed=2").json()
    expected = sorted(r["full_path"] for r in touched["repositories"] if r["forge"] == "gitlab")
    since = "2026-01-01T00:00:00Z" if world.now.year < 2026 else world.now.isoformat()
    url: str | None = (
        f"{api(server)}/projects?pagination=keyset&order_by=id&sort=asc&per_page=3"
        f"&last_activity_after={since}"
    )
    found: list[str] = []
    while url:
        answer = http.get(url)
        found += [item["path_with_namespace"] for item in answer.json()]
        url = parse_link_header(answer.headers.get("link")).get("next")
    assert sorted(found) == expected and expected


def test_it_refuses_deep_offsets_and_counts_only_up_to_a_limit(
    server: EmulatorServer, world: World, http: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GitLab's limits are 10,000 counted and an offset of 50,000: scaled down here.
    monkeypatch.setattr(emulated_gitlab, "COUNT_LIMIT", 20)
    monkeypatch.setattr(emulated_gitlab, "MAX_OFFSET", 40)
    assert gitlab(world).count > 40
    first = http.get(f"{api(server)}/projects?per_page=10")
    assert "x-total" not in first.headers and first.headers["x-next-page"] == "2"
    assert "last" not in parse_link_header(first.headers["link"])
    deep = http.get(f"{api(server)}/projects?per_page=10&page=5")
    assert deep.status_code == 405 and "keyset" in deep.json()["message"]
    assert http.get(f"{api(server)}/projects?per_page=10&page=4").status_code == 200


def test_it_answers_429_when_the_budget_is_spent(
    serve: Callable[..., EmulatorServer], world: World, http: httpx.Client
) -> None:
    server = serve(world, Settings(rate_limit=2))
    url = f"{api(server)}/projects?per_page=1"
    assert [http.get(url).headers["ratelimit-remaining"] for _ in range(2)] == ["1", "0"]
    spent = http.get(url)
    assert spent.status_code == 429
    assert spent.headers["ratelimit-remaining"] == "0" and int(spent.headers["retry-after"]) >= 0


def test_it_serves_archives_and_answers_404_for_unknown_refs(
    server: EmulatorServer, world: World, http: httpx.Client, tmp_path: Path
) -> None:
    forge = gitlab(world)
    record = forge.record(1)
    url = f"{api(server)}/projects/{record.native_id}/repository/archive.tar.gz"
    answer = http.get(url, params={"sha": record.default_branch})
    assert answer.status_code == 200
    top, files = untar(answer.content, tmp_path / "archive")
    assert top.startswith(f"{record.name}-{record.default_branch}-")
    assert files == plan_for(record).files
    assert http.get(url, params={"sha": "no-such-branch"}).status_code == 404
