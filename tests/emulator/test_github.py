"""The GitHub-shaped REST API: shapes, pages, ETags, budgets, archives."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from communs.emulator import EmulatorServer, Settings, World
from communs.emulator.content import plan_for
from communs.emulator.github import FULL_ONLY
from communs.forges.paging import parse_link_header

from .conftest import assert_same_shape, recorded, untar

ADMIN_ONLY = {
    "allow_auto_merge", "allow_merge_commit", "allow_rebase_merge", "allow_squash_merge",
    "allow_update_branch", "delete_branch_on_merge", "use_squash_pr_title_as_default",
}  # fmt: skip


def a_repository(world: World) -> str:
    forge = world.forges["github"]
    return forge.record(0).full_path


@pytest.mark.shared
def test_it_answers_a_repository_in_githubs_shape(
    shared: Path, server: EmulatorServer, world: World, http: httpx.Client
) -> None:
    path = a_repository(world)
    token = {"Authorization": "Bearer any"}
    single = http.get(f"{server.url}/github/repos/{path}", headers=token).json()
    owner = world.forges["github"].owner(path.split("/")[0])
    assert owner is not None
    listing_route = "orgs" if owner.kind == "org" else "users"
    listed = http.get(f"{server.url}/github/{listing_route}/{owner.path}/repos", headers=token)
    listed = listed.json()
    samples = [
        recorded(shared, "github", "repos", name)
        for name in ("repos_ycms_module-main", "repos_spryker-eco_computop-api")
    ]
    octokit = recorded(shared, "github", "get-repository", "normalized-fixture.json")[0]
    # Recorded by the repository's admin: merge settings are shown to admins only.
    samples.append({k: v for k, v in octokit["response"].items() if k not in ADMIN_ONLY})
    for sample in samples:
        if "organization" in sample and "organization" not in single:
            sample = {k: v for k, v in sample.items() if k != "organization"}
        assert_same_shape(sample, single)
        short = {k: v for k, v in sample.items() if k not in FULL_ONLY}
        assert_same_shape(short, listed[0])
    assert single["full_name"] == path and single["html_url"].endswith(f"/github-web/{path}")
    assert set(FULL_ONLY) - {"organization"} <= set(single)
    assert not set(FULL_ONLY) & set(listed[0])


@pytest.mark.shared
def test_it_answers_the_rate_limit_in_githubs_shape(
    shared: Path, server: EmulatorServer, http: httpx.Client
) -> None:
    answer = http.get(f"{server.url}/github/rate_limit")
    real = recorded(shared, "github", "rate_limit")
    assert_same_shape(real, answer.json())
    # Asking costs nothing, as on GitHub.
    again = http.get(f"{server.url}/github/rate_limit").json()
    assert again["resources"]["core"]["remaining"] == again["resources"]["core"]["limit"]


def test_it_pages_every_repository_once_through_link_headers(
    server: EmulatorServer, world: World, http: httpx.Client
) -> None:
    forge = world.forges["github"]
    seen: list[str] = []
    pages = 0
    for owner in forge.owners.values():
        route = "orgs" if owner.kind == "org" else "users"
        url: str | None = f"{server.url}/github/{route}/{owner.path}/repos?per_page=7"
        while url:
            answer = http.get(url)
            assert answer.status_code == 200
            seen += [item["full_name"] for item in answer.json()]
            links = parse_link_header(answer.headers.get("link"))
            if "last" in links:
                last = int(parse_qs(urlsplit(links["last"]).query)["page"][0])
                assert last == -(-len(forge.owner_listing(owner)) // 7)
            url = links.get("next")
            pages += 1
    assert sorted(seen) == sorted(forge.record(i).full_path for i in forge.all())
    assert pages > len(forge.owners)


def test_it_caps_pages_at_a_hundred_and_sorts_as_asked(
    server: EmulatorServer, world: World, http: httpx.Client
) -> None:
    forge = world.forges["github"]
    owner = max(forge.owners.values(), key=lambda o: len(o.positions))
    route = "orgs" if owner.kind == "org" else "users"
    base = f"{server.url}/github/{route}/{owner.path}/repos"
    items = http.get(f"{base}?per_page=500&sort=full_name").json()
    assert len(items) == min(100, len(owner.positions))
    names = [item["full_name"].lower() for item in items]
    assert names == sorted(names)
    newest = http.get(f"{base}?per_page=100&sort=pushed").json()
    pushed = [item["pushed_at"] for item in newest]
    assert pushed == sorted(pushed, reverse=True)


def test_it_tells_organisations_from_users(
    server: EmulatorServer, world: World, http: httpx.Client
) -> None:
    forge = world.forges["github"]
    user = next(o for o in forge.owners.values() if o.kind == "user")
    org = next(o for o in forge.owners.values() if o.kind == "org")
    refused = http.get(f"{server.url}/github/orgs/{user.path}/repos")
    assert refused.status_code == 404 and refused.json()["message"] == "Not Found"
    assert http.get(f"{server.url}/github/users/{user.path}/repos").status_code == 200
    profile = http.get(f"{server.url}/github/orgs/{org.path}").json()
    assert profile["type"] == "Organization" and profile["public_repos"] == len(org.positions)
    assert http.get(f"{server.url}/github/repos/{org.path}/no-such-thing").status_code == 404


def test_it_lists_the_whole_instance_by_id(
    server: EmulatorServer, world: World, http: httpx.Client
) -> None:
    url: str | None = f"{server.url}/github/repositories"
    ids: list[int] = []
    while url:
        answer = http.get(url)
        ids += [item["id"] for item in answer.json()]
        assert all("stargazers_count" not in item for item in answer.json())
        url = parse_link_header(answer.headers.get("link")).get("next")
    forge = world.forges["github"]
    assert ids == [forge.native_id(i) for i in forge.all()]


def test_it_answers_304_to_a_matching_etag_for_free(
    server: EmulatorServer, world: World, http: httpx.Client
) -> None:
    url = f"{server.url}/github/repos/{a_repository(world)}"
    first = http.get(url)
    etag = first.headers["etag"]
    assert etag.startswith('W/"')
    assert http.get(url).headers["etag"] == etag
    remaining = int(http.get(url).headers["x-ratelimit-remaining"])
    again = http.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert int(again.headers["x-ratelimit-remaining"]) == remaining
    assert int(http.get(url).headers["x-ratelimit-remaining"]) == remaining - 1
    stats = http.get(f"{server.url}/_emulator/stats").json()
    assert stats["not_modified"] == 1


def test_it_changes_the_etag_when_the_repository_changes(
    server: EmulatorServer, world: World, http: httpx.Client
) -> None:
    forge = world.forges["github"]
    urls = [f"{server.url}/github/repos/{forge.record(i).full_path}" for i in forge.all()]
    before = {url: http.get(url).headers["etag"] for url in urls}
    touched = http.post(f"{server.url}/_emulator/touch?fraction=0.2&seed=5").json()
    changed_paths = {r["full_path"] for r in touched["repositories"] if r["forge"] == "github"}
    after = {url: http.get(url, headers={"If-None-Match": before[url]}) for url in urls}
    changed = {
        url.split("/repos/", 1)[1] for url, answer in after.items() if answer.status_code == 200
    }
    assert changed == changed_paths and changed
    assert all(
        a.status_code == 304 for u, a in after.items() if u.split("/repos/", 1)[1] not in changed
    )


def test_it_refuses_with_githubs_403_when_the_budget_is_spent(
    serve: Callable[..., EmulatorServer], world: World, http: httpx.Client
) -> None:
    server = serve(world, Settings(rate_limit=3, anonymous_rate_limit=2))
    url = f"{server.url}/github/repos/{a_repository(world)}"
    token = {"Authorization": "Bearer secret"}
    left = [int(http.get(url, headers=token).headers["x-ratelimit-remaining"]) for _ in range(3)]
    assert left == [2, 1, 0]
    spent = http.get(url, headers=token)
    assert spent.status_code == 403
    assert spent.headers["x-ratelimit-remaining"] == "0"
    assert int(spent.headers["x-ratelimit-reset"]) > 0
    assert spent.headers["x-ratelimit-resource"] == "core"
    assert spent.json()["message"].startswith("API rate limit exceeded for user ID ")
    assert "rate-limit" in spent.json()["documentation_url"]
    # Budgets are per token: the anonymous one is still whole, and smaller.
    anonymous = http.get(url)
    assert anonymous.status_code == 200 and anonymous.headers["x-ratelimit-limit"] == "2"
    http.get(url)
    refused = http.get(url).json()["message"]
    assert refused.startswith("API rate limit exceeded for 127.0.0.1. (But here's the good news")


def test_it_refuses_unknown_tokens_when_told_which_to_accept(
    serve: Callable[..., EmulatorServer], world: World, http: httpx.Client
) -> None:
    server = serve(world, Settings(tokens=("good",)))
    url = f"{server.url}/github/repos/{a_repository(world)}"
    assert http.get(url, headers={"Authorization": "token good"}).status_code == 200
    bad = http.get(url, headers={"Authorization": "token bad"})
    assert bad.status_code == 401 and bad.json()["message"] == "Bad credentials"


def test_it_redirects_tarballs_to_an_archive_of_the_repository(
    server: EmulatorServer, world: World, http: httpx.Client, tmp_path: Path
) -> None:
    forge = world.forges["github"]
    record = forge.record(0)
    answer = http.get(f"{server.url}/github/repos/{record.full_path}/tarball/HEAD")
    assert answer.status_code == 302
    assert "/github-codeload/" in answer.headers["location"]
    archive = http.get(answer.headers["location"])
    assert archive.status_code == 200
    top, files = untar(archive.content, tmp_path / "archive")
    owner, name = record.full_path.split("/")
    assert top.startswith(f"{owner}-{name}-")
    assert files == plan_for(record).files
    web = http.get(
        f"{server.url}/github-web/{record.full_path}/archive/refs/heads/{record.default_branch}.tar.gz"
    )
    assert web.status_code == 302
    assert http.get(web.headers["location"]).content[:2] == b"\x1f\x8b"
    missing = http.get(f"{server.url}/github-codeload/{record.full_path}/tar.gz/no-such-ref")
    assert missing.status_code == 404
