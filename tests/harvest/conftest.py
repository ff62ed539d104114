"""Helpers for the harvest tests: a small GitHub behind ``httpx.MockTransport``, forges in
the database, and the emulator for the integration tests."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django.utils import translation

from communs.emulator import EmulatorServer, Settings, World, build_world
from communs.harvest.engine import HarvestResult, harvest
from communs.harvest.store import build_plans
from communs.sources.importer import import_sources
from communs.sources.models import Account, Forge

API = "https://api.github.test"
WEB = "https://github.test"
HOST = "github.test"
EPOCH = datetime(2024, 1, 1, tzinfo=UTC)

Handler = Callable[[httpx.Request], httpx.Response]


async def no_sleep(seconds: float) -> None:
    return None


@pytest.fixture
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


@dataclass
class Repo:
    """A repository of the fake GitHub."""

    id: int
    owner: str
    name: str
    fork: bool = False
    stars: int = 0
    watchers: int = 0
    description: str = ""
    license: str = "MIT"
    pushed_at: datetime = EPOCH
    updated_at: datetime = EPOCH

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    def item(self, *, single: bool = False, short: bool = False) -> dict[str, Any]:
        item: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "full_name": self.full_name,
            "private": False,
            "html_url": f"{WEB}/{self.full_name}",
            "description": self.description,
            "fork": self.fork,
        }
        if short:
            return item
        item |= {
            "default_branch": "main",
            "archived": False,
            "homepage": None,
            "created_at": "2020-01-01T00:00:00Z",
            "updated_at": self.updated_at.isoformat().replace("+00:00", "Z"),
            "pushed_at": self.pushed_at.isoformat().replace("+00:00", "Z"),
            "stargazers_count": self.stars,
            "forks_count": 0,
            "open_issues_count": 0,
            "license": {"spdx_id": self.license} if self.license else None,
            "language": "Python",
            "topics": [],
            "visibility": "public",
        }
        if single:
            item["subscribers_count"] = self.watchers
        return item


def json_response(
    body: Any, status: int = 200, headers: dict[str, str] | None = None
) -> httpx.Response:
    content = json.dumps(body).encode()
    etag = 'W/"' + hashlib.md5(content).hexdigest() + '"'  # noqa: S324 - an ETag, not security
    return httpx.Response(
        status,
        headers={"content-type": "application/json", "etag": etag, **(headers or {})},
        content=content,
    )


@dataclass
class FakeGitHub:
    """Enough of GitHub's REST API for a harvest: owner listings (organisations and users,
    in pages of ``page_size`` with ``Link``), ``/repositories``, single repositories with
    301s after renames and transfers, 404s after deletions, ETags and 304s, GraphQL
    enrichment. ``faults`` maps a URL fragment to a handler that answers instead."""

    orgs: set[str] = field(default_factory=set)
    users: set[str] = field(default_factory=set)
    page_size: int = 2
    repos: dict[int, Repo] = field(default_factory=dict)
    moved: dict[str, int] = field(default_factory=dict)
    faults: dict[str, Handler] = field(default_factory=dict)
    requested: list[str] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    graphql: int = 0
    next_id: int = 100
    # Owners whose GraphQL listing always points to the same next page (a loop).
    looping: set[str] = field(default_factory=set)

    def add(self, owner: str, name: str, **fields: Any) -> Repo:
        self.next_id += 1
        repo = Repo(self.next_id, owner, name, **fields)
        self.repos[repo.id] = repo
        return repo

    def move(self, repo: Repo, *, owner: str | None = None, name: str | None = None) -> None:
        """Rename or transfer: the old path answers 301 to the repository's id."""
        self.moved[repo.full_name.lower()] = repo.id
        repo.owner = owner or repo.owner
        repo.name = name or repo.name

    def delete(self, repo: Repo) -> None:
        del self.repos[repo.id]

    def push(self, repo: Repo, when: datetime) -> None:
        repo.pushed_at = repo.updated_at = when

    def __call__(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        self.requested.append(url)
        for fragment, handler in self.faults.items():
            if fragment in url:
                response = handler(request)
                break
        else:
            response = self.answer(request)
        etag = response.headers.get("etag")
        if response.status_code == 200 and etag and request.headers.get("if-none-match") == etag:
            response = httpx.Response(304, headers={"etag": response.headers["etag"]})
        self.statuses.append(response.status_code)
        return response

    def answer(self, request: httpx.Request) -> httpx.Response:
        parts = urlsplit(str(request.url))
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        path = parts.path.strip("/").split("/")
        if path == ["graphql"]:
            return self.enrich(json.loads(request.content))
        if len(path) == 3 and path[0] in ("orgs", "users") and path[2] == "repos":
            owner = path[1].lower()
            if owner not in {o.lower() for o in (self.orgs if path[0] == "orgs" else self.users)}:
                return json_response({"message": "Not Found"}, 404)
            listed = sorted(
                (r for r in self.repos.values() if r.owner.lower() == owner), key=lambda r: r.id
            )
            return self.page(request, listed, query)
        if path == ["repositories"]:
            since = int(query.get("since", 0))
            listed = sorted((r for r in self.repos.values() if r.id > since), key=lambda r: r.id)
            chosen = listed[: self.page_size]
            headers = {}
            if len(listed) > self.page_size:
                headers["link"] = f'<{API}/repositories?since={chosen[-1].id}>; rel="next"'
            return json_response([r.item(short=True) for r in chosen], headers=headers)
        if len(path) == 2 and path[0] == "repositories":
            repo = self.repos.get(int(path[1]))
            if repo is None:
                return json_response({"message": "Not Found"}, 404)
            return json_response(repo.item(single=True))
        if len(path) == 3 and path[0] == "repos":
            wanted = f"{path[1]}/{path[2]}".lower()
            for repo in self.repos.values():
                if repo.full_name.lower() == wanted:
                    return json_response(repo.item(single=True))
            if wanted in self.moved and self.moved[wanted] in self.repos:
                location = f"{API}/repositories/{self.moved[wanted]}"
                return httpx.Response(301, headers={"location": location})
            return json_response({"message": "Not Found"}, 404)
        return json_response({"message": "Not Found"}, 404)

    def page(
        self, request: httpx.Request, listed: list[Repo], query: dict[str, str]
    ) -> httpx.Response:
        number = int(query.get("page", 1))
        chosen = listed[(number - 1) * self.page_size : number * self.page_size]
        headers = {}
        if number * self.page_size < len(listed):
            following = request.url.copy_set_param("page", str(number + 1))
            headers["link"] = f'<{following}>; rel="next"'
        return json_response([r.item() for r in chosen], headers=headers)

    def node(self, repo: Repo) -> dict[str, Any]:
        """A repository as the batched GraphQL listing asks for it (fragment Listed)."""
        item = repo.item()
        return {
            "databaseId": repo.id,
            "nameWithOwner": repo.full_name,
            "name": repo.name,
            "url": item["html_url"],
            "description": repo.description or None,
            "homepageUrl": None,
            "isFork": repo.fork,
            "isArchived": False,
            "isTemplate": False,
            "isPrivate": False,
            "createdAt": item["created_at"],
            "updatedAt": item["updated_at"],
            "pushedAt": item["pushed_at"],
            "stargazerCount": repo.stars,
            "forkCount": 0,
            "watchers": {"totalCount": repo.watchers},
            "issues": {"totalCount": 0},
            "pullRequests": {"totalCount": 0},
            "licenseInfo": {"spdxId": repo.license} if repo.license else None,
            "primaryLanguage": {"name": "Python"},
            "defaultBranchRef": {"name": "main"},
            "repositoryTopics": {"nodes": []},
            **self.extras(repo),
        }

    def extras(self, repo: Repo) -> dict[str, Any]:
        return {
            "watchers": {"totalCount": repo.watchers},
            "languages": {"edges": [{"size": 1200, "node": {"name": "Python"}}]},
            "latestRelease": {
                "tagName": "v1.0",
                "name": "One",
                "publishedAt": "2024-05-01T00:00:00Z",
                "url": f"{WEB}/{repo.full_name}/releases/v1.0",
            },
            "object": {
                "entries": [
                    {"name": "README.md", "type": "blob"},
                    {"name": "docs", "type": "tree"},
                ]
            },
        }

    def owners_query(self, payload: dict[str, Any]) -> httpx.Response:
        """Owners listed (``$c`` variables: cursors) or probed, ``page_size`` a page."""
        self.graphql += 1
        variables = payload["variables"]
        data: dict[str, Any] = {"rateLimit": {"cost": 1, "remaining": 4999, "resetAt": None}}
        errors = []
        index = 0
        while f"l{index}" in variables:
            login = variables[f"l{index}"].lower()
            if login not in {o.lower() for o in self.orgs | self.users}:
                data[f"o{index}"] = None
                errors.append({"type": "NOT_FOUND", "path": [f"o{index}"], "message": "no"})
                index += 1
                continue
            listed = sorted(
                (r for r in self.repos.values() if r.owner.lower() == login), key=lambda r: r.id
            )
            owner: dict[str, Any] = {"login": login}
            for alias, field_name in (("updated", "updated_at"), ("pushed", "pushed_at")):
                newest = sorted(listed, key=lambda r: (getattr(r, field_name), r.id))[-1:]
                owner[alias] = {
                    "totalCount": len(listed),
                    "nodes": [
                        {
                            "databaseId": r.id,
                            "nameWithOwner": r.full_name,
                            "updatedAt": r.item()["updated_at"],
                            "pushedAt": r.item()["pushed_at"],
                        }
                        for r in newest
                    ],
                }
            if f"c{index}" in variables:
                start = int(variables[f"c{index}"] or 0)
                chosen = listed[start : start + self.page_size]
                more = start + self.page_size < len(listed) or login in self.looping
                if login in self.looping:
                    start = 0
                owner["repositories"] = {
                    "totalCount": len(listed),
                    "pageInfo": {
                        "hasNextPage": more,
                        "endCursor": str(start + self.page_size) if more else None,
                    },
                    "nodes": [self.node(r) for r in chosen],
                }
            data[f"o{index}"] = owner
            index += 1
        body: dict[str, Any] = {"data": data}
        if errors:
            body["errors"] = errors
        return httpx.Response(200, json=body)

    def enrich(self, payload: dict[str, Any]) -> httpx.Response:
        if "l0" in payload["variables"]:
            return self.owners_query(payload)
        self.graphql += 1
        variables = payload["variables"]
        data: dict[str, Any] = {"rateLimit": {"cost": 1, "remaining": 4999, "resetAt": None}}
        index = 0
        while f"o{index}" in variables:
            wanted = f"{variables[f'o{index}']}/{variables[f'n{index}']}".lower()
            repo = next((r for r in self.repos.values() if r.full_name.lower() == wanted), None)
            data[f"r{index}"] = (
                None
                if repo is None
                else {"nameWithOwner": repo.full_name, "databaseId": repo.id, **self.extras(repo)}
            )
            index += 1
        return httpx.Response(200, json={"data": data})


def make_forge(
    host: str = HOST, *, kind: str = "github", scope: str = "owners", **fields: Any
) -> Forge:
    return Forge.objects.create(
        host=host,
        kind=kind,
        url=fields.pop("url", WEB if kind == "github" else f"https://{host}"),
        api_url=fields.pop("api_url", API if kind == "github" else f"https://{host}/api/v1"),
        scope=scope,
        **fields,
    )


def make_accounts(forge: Forge, *paths: str, ignored: tuple[str, ...] = ()) -> list[Account]:
    return [
        Account.objects.create(
            forge=forge, path=path, ignored_since=EPOCH.date() if path in ignored else None
        )
        for path in (*paths, *ignored)
    ]


def run_harvest(
    handler: Handler,
    *,
    hosts: tuple[str, ...] = (),
    owners: list[str] | None = None,
    **options: Any,
) -> HarvestResult:
    """Plan and run a harvest whose only way out is ``handler``; sleeping costs nothing."""
    plans, _ = build_plans(hosts, owners)
    options.setdefault("sleep", no_sleep)
    options.setdefault("jitter", lambda: 0.0)
    return harvest(plans, transport=httpx.MockTransport(handler), **options)


@pytest.fixture
def github(db: None) -> FakeGitHub:
    """A fake GitHub with an organisation and a user, and its forge and accounts stored."""
    fake = FakeGitHub(orgs={"etalab", "betagouv"}, users={"jdoe"})
    forge = make_forge()
    make_accounts(forge, "etalab", "betagouv", "jdoe")
    for name in ("one", "two", "three"):
        fake.add("etalab", name)
    fake.add("etalab", "forked", fork=True)
    fake.add("betagouv", "site")
    fake.add("jdoe", "notes")
    return fake


# The emulator.

EMULATOR_NOW = datetime(2025, 6, 1, tzinfo=UTC)


def small_world(**overrides: Any) -> World:
    arguments = {"repositories": 240, "owners": 24, "seed": 3, "now": EMULATOR_NOW}
    return build_world(**(arguments | overrides))


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., EmulatorServer]]:
    """Start emulators with ``serve(world, settings)``; each is stopped after the test."""
    servers: list[EmulatorServer] = []

    def start(world: World | None = None, settings: Settings | None = None) -> EmulatorServer:
        server = EmulatorServer(
            world or small_world(), settings, git_root=tmp_path / f"git{len(servers)}"
        )
        servers.append(server)
        server.start()
        return server

    yield start
    for server in servers:
        server.stop()


def import_emulator(server: EmulatorServer, folder: Path) -> list[Forge]:
    """Import the emulator's sources file: its forges and owners."""
    path = server.write_sources(folder)
    import_sources([path])
    prefix = server.url.removeprefix("http://")
    return list(Forge.objects.filter(host__startswith=prefix + "/"))


class Clock:
    """A clock that starts now and moves only when the fake sleep sleeps, so that the
    client's rate-limit waits (announced on the emulator's real clock) cost nothing."""

    def __init__(self) -> None:
        import time

        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


def later(moment: datetime, **delta: float) -> datetime:
    return moment + timedelta(**delta)
