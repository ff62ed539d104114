"""The Gitea-shaped API v1: shapes, the page cap, search, owners, archives."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from communs.emulator import EmulatorServer, Settings, World
from communs.emulator.content import plan_for
from communs.emulator.world import ForgeWorld
from communs.forges.paging import parse_link_header

from .conftest import assert_same_shape, recorded, untar


def gitea(world: World) -> ForgeWorld:
    return world.forges["gitea"]


def api(server: EmulatorServer) -> str:
    return f"{server.url}/gitea/api/v1"


@pytest.mark.shared
def test_it_answers_repositories_in_giteas_shape(
    shared: Path, server: EmulatorServer, world: World, http: httpx.Client
) -> None:
    search = http.get(f"{api(server)}/repos/search?limit=3").json()
    assert search["ok"] is True
    for name in ("repos_page1", "repos_page2"):
        for sample in recorded(shared, "gitea", name)["data"]:
            assert_same_shape(sample, search["data"][0])
    record = gitea(world).record(0)
    single = http.get(f"{api(server)}/repos/{record.full_path}").json()
    assert single["full_name"] == record.full_path and single["id"] == int(record.native_id or 0)
    assert single["licenses"] == ([record.license] if record.license else [])


def test_it_caps_pages_and_covers_the_instance_once(
    serve: Callable[..., EmulatorServer], world: World, http: httpx.Client
) -> None:
    server = serve(world, Settings(page_cap=7))
    url: str | None = f"{api(server)}/repos/search?limit=50&sort=id&order=asc"
    ids: list[int] = []
    while url:
        answer = http.get(url)
        page = answer.json()["data"]
        assert len(page) <= 7
        assert int(answer.headers["x-total-count"]) == gitea(world).count
        ids += [item["id"] for item in page]
        url = parse_link_header(answer.headers.get("link")).get("next")
    forge = gitea(world)
    assert ids == [forge.native_id(i) for i in forge.all()]


def test_it_lists_owners_and_finds_by_name(
    server: EmulatorServer, world: World, http: httpx.Client
) -> None:
    forge = gitea(world)
    seen: list[str] = []
    for owner in forge.owners.values():
        route = "orgs" if owner.kind == "org" else "users"
        page = 1
        while True:
            answer = http.get(f"{api(server)}/{route}/{owner.path}/repos?limit=5&page={page}")
            items = answer.json()
            assert isinstance(items, list)
            seen += [item["full_name"] for item in items]
            if "next" not in parse_link_header(answer.headers.get("link")):
                break
            page += 1
    assert sorted(seen) == sorted(forge.record(i).full_path for i in forge.all())
    user = next((o for o in forge.owners.values() if o.kind == "user"), None)
    if user is not None:
        assert http.get(f"{api(server)}/orgs/{user.path}/repos").status_code == 404
    name = forge.record(0).name
    found = http.get(f"{api(server)}/repos/search", params={"q": name, "limit": 50}).json()
    assert forge.record(0).full_path in [item["full_name"] for item in found["data"]]
    assert all(name in item["name"].lower() for item in found["data"])
    newest = http.get(f"{api(server)}/repos/search?sort=updated&order=desc&limit=50").json()
    updated = [item["updated_at"] for item in newest["data"]]
    assert updated == sorted(updated, reverse=True)


def test_it_serves_archives_on_the_web_and_api_routes(
    server: EmulatorServer, world: World, http: httpx.Client, tmp_path: Path
) -> None:
    record = gitea(world).record(2)
    for number, url in enumerate(
        (
            f"{server.url}/gitea/{record.full_path}/archive/{record.default_branch}.tar.gz",
            f"{api(server)}/repos/{record.full_path}/archive/{record.default_branch}.tar.gz",
        )
    ):
        answer = http.get(url)
        assert answer.status_code == 200
        top, files = untar(answer.content, tmp_path / f"archive{number}")
        assert top == record.name
        assert files == plan_for(record).files
    assert http.get(f"{server.url}/gitea/{record.full_path}/archive/nope.tar.gz").status_code == 404
