"""One scenario over every adapter: each keeps the whole contract, or refuses a method
with NotSupported and a reason, and says so beforehand through supports()."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from communs.forges.base import CONTRACT, Adapter
from communs.forges.errors import NotSupported, TooLarge
from communs.forges.kinds import KINDS
from communs.forges.paging import host_of
from communs.forges.records import RepositoryRecord
from communs.forges.registry import ADAPTERS, adapter_class, get_adapter

from .conftest import FakeForge, collect, json_response

ARCHIVE = b"\x1f\x8b" + b"a tar.gz stands here" * 10
UPDATED = "2024-01-02T03:04:05Z"
SINCE = datetime(2020, 1, 1, tzinfo=UTC)


@dataclass
class Fake:
    """A forge of one kind serving owner ``acme`` and its repository ``tool``."""

    web: str
    api: str
    owner: str
    path: str
    native_id: str
    routes: dict[str, Any]


def archive() -> httpx.Response:
    return httpx.Response(200, headers={"content-type": "application/x-gzip"}, content=ARCHIVE)


def github_fake() -> Fake:
    api, web = "https://api.github.com", "https://github.com"
    item = {
        "id": 7,
        "full_name": "acme/tool",
        "html_url": f"{web}/acme/tool",
        "fork": False,
        "default_branch": "main",
        "updated_at": UPDATED,
    }
    routes = {
        f"{api}/orgs/acme/repos?per_page=100&type=all": json_response([item]),
        f"{api}/repos/acme/tool": json_response(item),
        f"{api}/repositories": json_response([item]),
        f"{web}/acme/tool/archive/refs/heads/main.tar.gz": archive(),
    }
    return Fake(web, api, "acme", "acme/tool", "7", routes)


def gitlab_fake() -> Fake:
    web = "https://gitlab.example.org"
    api = f"{web}/api/v4"
    item = {
        "id": 7,
        "path_with_namespace": "acme/tool",
        "web_url": f"{web}/acme/tool",
        "default_branch": "main",
        "last_activity_at": UPDATED,
        "visibility": "public",
    }
    keyset = f"{api}/projects?pagination=keyset&order_by=id&sort=asc&per_page=100&visibility=public"
    routes = {
        f"{api}/groups/acme/projects?include_subgroups=true&with_shared=false&per_page=100"
        "&order_by=id&sort=asc&visibility=public": json_response(
            [item], headers={"x-next-page": ""}
        ),
        f"{api}/projects/acme%2Ftool?license=true": json_response(item),
        keyset: json_response([item]),
        keyset + "&last_activity_after=2020-01-01T00%3A00%3A00Z": json_response([item]),
        f"{api}/projects/7/repository/archive.tar.gz?sha=main": archive(),
    }
    return Fake(web, api, "acme", "acme/tool", "7", routes)


def gitea_fake(gogs: bool = False) -> Fake:
    web = "https://forge.example.fr"
    api = f"{web}/api/v1"
    item = {
        "id": 7,
        "full_name": "acme/tool",
        "html_url": f"{web}/acme/tool",
        "default_branch": "main",
        "updated_at": UPDATED,
    }
    total = {"x-total-count": "1"}
    search = f"{api}/repos/search?limit=50&page=1&private=false"
    routes: dict[str, Any] = {
        f"{api}/orgs/acme/repos?limit=50&page=1": json_response([item], headers=total),
        f"{api}/repos/acme/tool": json_response(item),
        search + "&sort=id&order=asc": json_response({"ok": True, "data": [item]}, headers=total),
        search + "&sort=updated&order=desc": json_response(
            {"ok": True, "data": [item]}, headers=total
        ),
        f"{web}/acme/tool/archive/main.tar.gz": archive(),
    }
    if gogs:
        # Gogs lists an owner unpaged and searches with a wildcard, without totals.
        gogs_search = f"{api}/repos/search?q=_&limit=50&page="
        routes[f"{api}/orgs/acme/repos"] = json_response([item])
        routes[gogs_search + "1"] = json_response({"ok": True, "data": [item]})
        routes[gogs_search + "2"] = json_response({"ok": True, "data": []})
    return Fake(web, api, "acme", "acme/tool", "7", routes)


def bitbucket_cloud_fake() -> Fake:
    api, web = "https://api.bitbucket.org/2.0", "https://bitbucket.org"
    item = {
        "uuid": "{7}",
        "full_name": "acme/tool",
        "slug": "tool",
        "is_private": False,
        "mainbranch": {"name": "main"},
        "links": {"html": {"href": f"{web}/acme/tool"}},
        "updated_on": UPDATED,
    }
    routes = {
        f"{api}/repositories/acme?pagelen=100": json_response({"values": [item]}),
        f"{api}/repositories/acme/tool": json_response(item),
        f"{api}/repositories?pagelen=100": json_response({"values": [item]}),
        f"{web}/acme/tool/get/main.tar.gz": archive(),
    }
    return Fake(web, api, "acme", "acme/tool", "{7}", routes)


def bitbucket_server_fake() -> Fake:
    web = "https://bitbucket.gouv.example"
    api = f"{web}/rest/api/1.0"
    item = {
        "id": 7,
        "slug": "tool",
        "public": True,
        "project": {"key": "acme"},
        "links": {"self": [{"href": f"{web}/projects/acme/repos/tool/browse"}]},
    }
    page = {"values": [item], "isLastPage": True, "start": 0, "size": 1}
    routes = {
        f"{api}/projects/acme/repos?limit=100": json_response(page),
        f"{api}/projects/acme/repos/tool": json_response(item),
        f"{api}/repos?limit=100": json_response(page),
        f"{api}/projects/acme/repos/tool/archive?format=tar.gz": archive(),
    }
    return Fake(web, api, "acme", "acme/tool", "7", routes)


def sourcehut_fake() -> Fake:
    web, api = "https://git.sr.ht", "https://git.sr.ht/query"
    item = {
        "id": 7,
        "name": "tool",
        "visibility": "PUBLIC",
        "created": UPDATED,
        "updated": UPDATED,
        "owner": {"canonicalName": "~acme"},
        "HEAD": {"name": "refs/heads/main"},
    }

    def graphql(request: httpx.Request) -> httpx.Response:
        variables = json.loads(request.content)["variables"]
        if variables.get("username") != "acme":
            return json_response({"data": {"user": None}})
        if "name" in variables:
            found = item if variables["name"] == "tool" else None
            return json_response({"data": {"user": {"repository": found}}})
        listing = {"results": [item], "cursor": None}
        return json_response({"data": {"user": {"repositories": listing}}})

    routes = {api: graphql, f"{web}/~acme/tool/archive/main.tar.gz": archive()}
    return Fake(web, api, "~acme", "~acme/tool", "7", routes)


FAKES: dict[str, Callable[[], Fake]] = {
    "github": github_fake,
    "gitlab": gitlab_fake,
    "gitea": gitea_fake,
    "forgejo": gitea_fake,
    "gogs": lambda: gitea_fake(gogs=True),
    "bitbucket": bitbucket_cloud_fake,
    "bitbucket-server": bitbucket_server_fake,
    "sourcehut": sourcehut_fake,
}


async def run_contract(adapter: Adapter, fake: Fake, tmp_path: Path) -> dict[str, Any]:
    """Call every method of the contract once; keep each result or NotSupported refusal."""
    outcomes: dict[str, Any] = {}

    async def attempt(name: str, call: Callable[[], Any]) -> None:
        try:
            outcomes[name] = await call()
        except NotSupported as refusal:
            outcomes[name] = refusal

    async def archive_url() -> str:
        return adapter.archive_url(record)

    async with adapter.client:
        await attempt("list_owner", lambda: collect(adapter.list_owner(fake.owner)))
        await attempt("list_instance", lambda: collect(adapter.list_instance()))
        await attempt("list_updated_since", lambda: collect(adapter.list_updated_since(SINCE)))
        await attempt("fetch_repository", lambda: adapter.fetch_repository(fake.path))
        fetched = outcomes["fetch_repository"]
        record = (
            fetched
            if isinstance(fetched, RepositoryRecord)
            else RepositoryRecord(fake.path, f"{fake.web}/{fake.path}", default_branch="main")
        )
        if isinstance(fetched, RepositoryRecord):
            gone_path = fake.path.rsplit("/", 1)[0] + "/gone"
            outcomes["gone"] = await adapter.fetch_repository(gone_path)
        await attempt("archive_url", archive_url)
        dest = tmp_path / "archive.tar.gz"
        await attempt("fetch_archive", lambda: adapter.fetch_archive(record, dest, 10_000))
        try:
            await adapter.fetch_archive(record, tmp_path / "small.tar.gz", 3)
        except (TooLarge, NotSupported) as exc:
            outcomes["too_large"] = exc
    return outcomes


@pytest.mark.parametrize("with_token", [False, True], ids=["anonymous", "token"])
@pytest.mark.parametrize("key", sorted(ADAPTERS))
def test_every_adapter_keeps_the_contract_or_says_why_not(
    key: str, with_token: bool, make_client, tmp_path: Path
) -> None:
    fake = FAKES[key]()
    forge = FakeForge(fake.routes)
    tokens = {host_of(fake.api): ["tok"]} if with_token else None
    adapter = adapter_class(key)(make_client(forge, tokens=tokens), fake.web, fake.api)
    outcomes = asyncio.run(run_contract(adapter, fake, tmp_path))

    for method in CONTRACT:
        outcome = outcomes[method]
        if isinstance(outcome, NotSupported):
            reason = adapter.why_not(method)
            assert reason, f"{key}.{method} refused without saying why beforehand"
            assert reason in str(outcome)
            assert not adapter.supports(method)
        else:
            assert adapter.supports(method), f"{key}.{method} works but supports() says no"

    for method in ("list_owner", "list_instance", "list_updated_since"):
        if not isinstance(outcomes[method], NotSupported):
            records = [r for page in outcomes[method] for r in page.records]
            assert [(r.full_path, r.native_id) for r in records] == [(fake.path, fake.native_id)]
            assert outcomes[method][-1].next_cursor is None
    if not isinstance(outcomes["fetch_repository"], NotSupported):
        assert outcomes["fetch_repository"].full_path == fake.path
        assert outcomes["fetch_repository"].native_id == fake.native_id
        assert outcomes["gone"] is None
    assert outcomes["archive_url"].startswith(("https://", "http://"))
    download = outcomes["fetch_archive"]
    assert download.size == len(ARCHIVE)
    assert download.path.read_bytes() == ARCHIVE
    assert isinstance(outcomes["too_large"], TooLarge)


@pytest.mark.parametrize("key", sorted(ADAPTERS))
def test_every_adapter_lists_an_owner_at_least_with_a_token(key: str, make_client) -> None:
    fake = FAKES[key]()
    client = make_client(FakeForge(fake.routes), tokens={host_of(fake.api): ["tok"]})
    adapter = adapter_class(key)(client, fake.web, fake.api)
    assert adapter.supports("list_owner")
    assert adapter.supports("fetch_repository")
    assert adapter.supports("fetch_archive")


def test_every_forge_kind_has_an_adapter() -> None:
    assert set(KINDS) <= set(ADAPTERS)


@pytest.mark.parametrize(
    ("kind", "web", "expected"),
    [
        ("github", "https://github.com", "GitHub"),
        ("gitlab", "https://gitlab.com", "GitLab"),
        ("forgejo", "https://codeberg.org", "Forgejo"),
        ("gogs", "https://gogs.univ-littoral.fr", "Gogs"),
        ("bitbucket", "https://bitbucket.org", "BitbucketCloud"),
        ("bitbucket", "https://bitbucket.gouv.example", "BitbucketServer"),
        ("sourcehut", "https://git.sr.ht", "SourceHut"),
    ],
)
def test_get_adapter_picks_the_class_and_the_default_api(kind, web, expected) -> None:
    adapter = get_adapter(kind, None, web)  # type: ignore[arg-type]
    assert type(adapter).__name__ == expected
    assert adapter.kind in ADAPTERS


def test_get_adapter_keeps_an_explicit_api_url() -> None:
    adapter = get_adapter(
        "gitlab",
        None,
        "http://127.0.0.1:8123/gitlab",
        "http://127.0.0.1:8123/gitlab/api/v4/",  # type: ignore[arg-type]
    )
    assert adapter.api_url == "http://127.0.0.1:8123/gitlab/api/v4"


def test_an_unknown_kind_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match="gitlab"):
        adapter_class("svn")
