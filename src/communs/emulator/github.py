"""The GitHub REST API as the emulator serves it: repository JSON and its endpoints.

Served under the forge's API base (``/github``): ``/orgs/{org}/repos`` and
``/users/{user}/repos`` (``per_page`` up to 100, ``page``, ``type``, ``sort``,
``direction``; ``Link`` with first/prev/next/last), ``/orgs/{org}``, ``/users/{user}``,
``/repositories?since=`` (whole instance, short items), ``/repos/{owner}/{repo}`` (the
full item, with ``subscribers_count`` and ``organization``), ``…/languages``,
``…/tarball/{ref}`` (a 302 to the codeload area, as GitHub does), ``/rate_limit`` and
``POST /graphql`` (:mod:`communs.emulator.graphql`). The web area answers
``/{owner}/{repo}/archive/{ref}.tar.gz`` with a 302 to codeload too.

Items carry the keys and types of GitHub's answers (see the recordings under
``shared/data/forge-api/github``); URLs point at the emulator.
"""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import quote, urlencode

from communs.emulator.content import TITLES
from communs.emulator.git import GitStore
from communs.emulator.protocol import (
    Answer,
    Request,
    Urls,
    github_time,
    json_answer,
    link_header,
)
from communs.emulator.world import UPSTREAM_OWNER, ForgeWorld, Owner, stable_int, upstream_of
from communs.forges.records import RepositoryRecord

MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 30
DOCS = "https://docs.github.com/rest"
SORTS = {"created": "created_at", "updated": "updated_at", "pushed": "pushed_at"}
SORTS["full_name"] = "full_path"
# Keys of the full answer that listings leave out (GitHub's "minimal repository").
FULL_ONLY = ("temp_clone_token", "organization", "network_count", "subscribers_count")


def node_id(prefix: str, kind: str, number: int) -> str:
    """GitHub's legacy global ids: base64 of ``"010:Repository38592537"``."""
    return base64.b64encode(f"{prefix}:{kind}{number}".encode()).decode()


def owner_json(owner: Owner, urls: Urls) -> dict[str, Any]:
    login = owner.path
    api = f"{urls.api}/users/{login}"
    organisation = owner.kind == "org"
    return {
        "login": login,
        "id": owner.id,
        "node_id": node_id(
            "012" if organisation else "04", "Organization" if organisation else "User", owner.id
        ),
        "avatar_url": f"{urls.base}/_emulator/avatars/{owner.id}",
        "gravatar_id": "",
        "url": api,
        "html_url": f"{urls.web}/{login}",
        "followers_url": f"{api}/followers",
        "following_url": f"{api}/following{{/other_user}}",
        "gists_url": f"{api}/gists{{/gist_id}}",
        "starred_url": f"{api}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{api}/subscriptions",
        "organizations_url": f"{api}/orgs",
        "repos_url": f"{api}/repos",
        "events_url": f"{api}/events{{/privacy}}",
        "received_events_url": f"{api}/received_events",
        "type": "Organization" if organisation else "User",
        "site_admin": False,
    }


def licence_json(spdx: str, urls: Urls) -> dict[str, Any] | None:
    if not spdx:
        return None
    if spdx == "NOASSERTION":
        return {"key": "other", "name": "Other", "spdx_id": "NOASSERTION", "url": None,
                "node_id": "MDc6TGljZW5zZTA="}  # fmt: skip
    key = spdx.lower()
    return {
        "key": key,
        "name": TITLES.get(spdx, spdx),
        "spdx_id": spdx,
        "url": f"{urls.api}/licenses/{key}",
        "node_id": node_id("07", "License", stable_int("licence", key) % 100),
    }


def repository_json(
    forge: ForgeWorld,
    record: RepositoryRecord,
    urls: Urls,
    *,
    full: bool = True,
    signed_in: bool = False,
) -> dict[str, Any]:
    """One repository as GitHub writes it (``full``: the single-repository answer, which
    alone carries a fork's ``parent`` and ``source``; ``signed_in``: to a request with a
    token, which also gets its ``permissions``)."""
    number = int(record.native_id or 0)
    path = record.full_path
    api = f"{urls.api}/repos/{path}"
    html = f"{urls.web}/{path}"
    owner = forge.owner(record.owner)
    owner_data = owner_json(owner, urls) if owner else None
    authority = urls.base.split("://", 1)[1]
    web_path = urls.web[len(urls.base) :]
    size = max(1, sum(record.languages.values()) // 1024) if record.languages else 0
    item: dict[str, Any] = {
        "id": number,
        "node_id": node_id("010", "Repository", number),
        "name": record.name,
        "full_name": path,
        "private": False,
        "owner": owner_data,
        "html_url": html,
        "description": record.description or None,
        "fork": bool(record.is_fork),
        "url": api,
    }
    for name, suffix in _URL_TEMPLATES:
        item[name] = api + suffix
    item.update(
        {
            "created_at": github_time(record.created_at),
            "updated_at": github_time(record.updated_at),
            "pushed_at": github_time(record.pushed_at),
            "git_url": f"git://{authority}{web_path}/{path}.git",
            "ssh_url": f"git@{authority.split(':')[0]}:{path}.git",
            "clone_url": f"{html}.git",
            "svn_url": html,
            "homepage": record.homepage or None,
            "size": size,
            "stargazers_count": record.stars,
            "watchers_count": record.stars,
            "language": record.language or None,
            "has_issues": True,
            "has_projects": True,
            "has_downloads": True,
            "has_wiki": number % 3 != 0,
            "has_pages": bool(record.homepage and ".github.io" in record.homepage),
            "has_discussions": False,
            "forks_count": record.forks,
            "mirror_url": None,
            "archived": record.is_archived,
            "disabled": False,
            "open_issues_count": record.open_issues,
            "license": licence_json(record.license, urls),
            "allow_forking": True,
            "is_template": record.is_template,
            "web_commit_signoff_required": False,
            "topics": list(record.topics),
            "visibility": "public",
            "forks": record.forks,
            "open_issues": record.open_issues,
            "watchers": record.stars,
            "default_branch": record.default_branch or "main",
        }
    )
    if signed_in:
        item["permissions"] = dict(_READ_ONLY)
    if full:
        item["temp_clone_token"] = None
        if owner is not None and owner.kind == "org":
            item["organization"] = owner_data
        upstream = upstream_of(record)
        if upstream is not None:
            # The parent is also the network's root here: forks of forks are not made up.
            parent = repository_json(forge, upstream, urls, full=False)
            parent["owner"] = owner_json(_UPSTREAM, urls)
            item["parent"] = parent
            item["source"] = parent
        item["network_count"] = record.forks
        item["subscribers_count"] = record.watchers
    return item


_UPSTREAM = Owner(UPSTREAM_OWNER, "org", 1 + stable_int("owner", UPSTREAM_OWNER) % 1_000_000, "")
_READ_ONLY = {"admin": False, "maintain": False, "push": False, "triage": False, "pull": True}
_URL_TEMPLATES = (
    ("forks_url", "/forks"),
    ("keys_url", "/keys{/key_id}"),
    ("collaborators_url", "/collaborators{/collaborator}"),
    ("teams_url", "/teams"),
    ("hooks_url", "/hooks"),
    ("issue_events_url", "/issues/events{/number}"),
    ("events_url", "/events"),
    ("assignees_url", "/assignees{/user}"),
    ("branches_url", "/branches{/branch}"),
    ("tags_url", "/tags"),
    ("blobs_url", "/git/blobs{/sha}"),
    ("git_tags_url", "/git/tags{/sha}"),
    ("git_refs_url", "/git/refs{/sha}"),
    ("trees_url", "/git/trees{/sha}"),
    ("statuses_url", "/statuses/{sha}"),
    ("languages_url", "/languages"),
    ("stargazers_url", "/stargazers"),
    ("contributors_url", "/contributors"),
    ("subscribers_url", "/subscribers"),
    ("subscription_url", "/subscription"),
    ("commits_url", "/commits{/sha}"),
    ("git_commits_url", "/git/commits{/sha}"),
    ("comments_url", "/comments{/number}"),
    ("issue_comment_url", "/issues/comments{/number}"),
    ("contents_url", "/contents/{+path}"),
    ("compare_url", "/compare/{base}...{head}"),
    ("merges_url", "/merges"),
    ("archive_url", "/{archive_format}{/ref}"),
    ("downloads_url", "/downloads"),
    ("issues_url", "/issues{/number}"),
    ("pulls_url", "/pulls{/number}"),
    ("milestones_url", "/milestones{/number}"),
    ("notifications_url", "/notifications{?since,all,participating}"),
    ("labels_url", "/labels{/name}"),
    ("releases_url", "/releases{/id}"),
    ("deployments_url", "/deployments"),
)


def organisation_json(forge: ForgeWorld, owner: Owner, urls: Urls) -> dict[str, Any]:
    """``GET /orgs/{org}`` (or ``/users/{user}``): the owner's profile."""
    data = owner_json(owner, urls)
    count = len(forge.owner_listing(owner))
    data.update(
        {
            "name": owner.display_name,
            "description": owner.display_name if owner.kind == "org" else None,
            "blog": owner.organisation.website if owner.organisation else "",
            "public_repos": count,
            "public_gists": 0,
            "followers": stable_int("followers", owner.path) % 200,
            "following": 0,
            "created_at": "2015-01-01T00:00:00Z",
            "updated_at": github_time(forge.world.now),
        }
    )
    return data


def not_found(endpoint: str, documentation: str = "") -> Answer:
    return json_answer(
        {
            "message": "Not Found",
            "documentation_url": f"{DOCS}{documentation}",
            "status": "404",
        },
        status=404,
        endpoint=endpoint,
    )


def page_links(
    request: Request, page: int, last: int, page_name: str = "page"
) -> list[tuple[str, str]]:
    """GitHub's relations for ``page`` of ``last``: prev/next/last/first as it orders them."""

    def url(number: int) -> str:
        query = dict(request.query)
        query[page_name] = str(number)
        return f"{request.base_url}{request.path}?{urlencode(query)}"

    links: list[tuple[str, str]] = []
    if page > 1:
        links.append(("prev", url(min(page - 1, last))))
    if page < last:
        links += [("next", url(page + 1)), ("last", url(last))]
    if page > 1:
        links.append(("first", url(1)))
    return links


def list_owner(
    forge: ForgeWorld, request: Request, urls: Urls, owner: Owner, *, user_route: bool
) -> Answer:
    per_page = request.number("per_page", DEFAULT_PER_PAGE, high=MAX_PER_PAGE)
    page = request.number("page", 1)
    signed_in = request.token() is not None
    listing = forge.owner_listing(owner)
    kind = request.query.get("type", "owner" if user_route else "all")
    indices: Any = listing
    if kind in ("forks", "sources"):
        wanted = kind == "forks"
        indices = forge.world.cached(
            (forge.name, "type", owner.path, kind),
            lambda: [i for i in listing if bool(forge.base[i % len(forge.base)].is_fork) == wanted],
        )
    sort = request.query.get("sort", "full_name" if user_route else "created")
    if sort not in SORTS:
        sort = "full_name" if user_route else "created"
    direction = request.query.get("direction", "asc" if sort == "full_name" else "desc")
    ordered = forge.ordered(indices, SORTS[sort], direction == "desc", ("owner", owner.path, kind))
    start = (page - 1) * per_page
    items = [
        repository_json(forge, forge.record(i), urls, full=False, signed_in=signed_in)
        for i in ordered[start : start + per_page]
    ]
    last = max(1, -(-len(ordered) // per_page))
    links = page_links(request, page, last)
    headers = [("Link", link_header(links))] if links and len(ordered) > per_page else []
    return json_answer(items, endpoint="github.list_owner", headers=headers)


def list_instance(forge: ForgeWorld, request: Request, urls: Urls) -> Answer:
    """``GET /repositories?since=ID``: every repository by id, 100 a page, short items."""
    try:
        since = int(request.query.get("since", "0"))
    except ValueError:
        since = 0
    start = forge.first_after_id(since)
    indices = range(start, min(start + MAX_PER_PAGE, forge.count))
    items = []
    for index in indices:
        item = repository_json(forge, forge.record(index), urls, full=False)
        items.append({key: item[key] for key in _SHORT_KEYS})
    headers = []
    if indices and indices[-1] + 1 < forge.count:
        next_url = f"{request.base_url}{request.path}?since={forge.native_id(indices[-1])}"
        headers.append(("Link", link_header([("next", next_url)])))
    return json_answer(items, endpoint="github.list_instance", headers=headers)


_SHORT_KEYS = (
    "id", "node_id", "name", "full_name", "private", "owner", "html_url", "description",
    "fork", "url", *(name for name, _ in _URL_TEMPLATES),
)  # fmt: skip


def rate_limit_json(budgets: dict[str, tuple[int, int, int]]) -> dict[str, Any]:
    """``GET /rate_limit`` from ``{resource: (limit, remaining, reset)}``."""
    resources = {
        name: {"limit": limit, "used": limit - remaining, "remaining": remaining, "reset": reset}
        for name, (limit, remaining, reset) in budgets.items()
    }
    return {"resources": resources, "rate": resources["core"]}


def archive_redirect(
    urls: Urls, record: RepositoryRecord, ref: str, style: str, endpoint: str, resource: str | None
) -> Answer:
    location = f"{urls.codeload}/{record.full_path}/{style}/{quote(ref, safe='/')}"
    return Answer(
        302,
        b"",
        [("Location", location), ("Content-Type", "text/html;charset=utf-8")],
        endpoint=endpoint,
        resource=resource,
    )


def api(forge: ForgeWorld, request: Request, urls: Urls) -> Answer | None:
    """Answer a request to the API area, or None when no route matches (404)."""
    parts = request.segments
    if request.method != "GET":
        return None
    if len(parts) == 3 and parts[0] == "orgs" and parts[2] == "repos":
        owner = forge.owner(parts[1])
        if owner is None or owner.kind != "org":
            return not_found("github.list_owner", "/repos/repos#list-organization-repositories")
        return list_owner(forge, request, urls, owner, user_route=False)
    if len(parts) == 3 and parts[0] == "users" and parts[2] == "repos":
        owner = forge.owner(parts[1])
        if owner is None:
            return not_found("github.list_owner", "/repos/repos#list-repositories-for-a-user")
        return list_owner(forge, request, urls, owner, user_route=True)
    if len(parts) == 2 and parts[0] in ("orgs", "users"):
        owner = forge.owner(parts[1])
        if owner is None or (parts[0] == "orgs" and owner.kind != "org"):
            return not_found("github.owner")
        return json_answer(organisation_json(forge, owner, urls), endpoint="github.owner")
    if parts == ["repositories"]:
        return list_instance(forge, request, urls)
    if len(parts) >= 3 and parts[0] == "repos":
        index = forge.find(f"{parts[1]}/{parts[2]}")
        if index is None:
            return not_found("github.repo", "/repos/repos#get-a-repository")
        record = forge.record(index)
        rest = parts[3:]
        if not rest:
            item = repository_json(forge, record, urls, signed_in=request.token() is not None)
            return json_answer(item, endpoint="github.repo")
        if rest == ["languages"]:
            return json_answer(dict(record.languages), endpoint="github.languages")
        if rest[0] == "tarball":
            ref = "/".join(rest[1:]) or record.default_branch or "HEAD"
            return archive_redirect(urls, record, ref, "legacy.tar.gz", "github.tarball", "core")
    return None


def web(forge: ForgeWorld, request: Request, urls: Urls) -> Answer | None:
    """``/{owner}/{repo}/archive/{ref}.tar.gz``: a 302 to codeload, as github.com answers."""
    parts = request.segments
    if request.method == "GET" and len(parts) >= 4 and parts[2] == "archive":
        ref = "/".join(parts[3:])
        if not ref.endswith(".tar.gz"):
            return None
        index = forge.find(f"{parts[0]}/{parts[1]}")
        if index is None:
            return None
        record = forge.record(index)
        return archive_redirect(
            urls, record, ref[: -len(".tar.gz")], "tar.gz", "github.archive", None
        )
    return None


def codeload(forge: ForgeWorld, request: Request, urls: Urls, git: GitStore) -> Answer | None:
    """``/{owner}/{repo}/legacy.tar.gz/{ref}`` (API tarballs) and ``/tar.gz/{ref}`` (web)."""
    parts = request.segments
    if request.method != "GET" or len(parts) < 4 or parts[2] not in ("legacy.tar.gz", "tar.gz"):
        return None
    index = forge.find(f"{parts[0]}/{parts[1]}")
    if index is None:
        return None
    record = forge.record(index)
    ref = "/".join(parts[3:])
    owner, name = record.full_path.split("/", 1)
    if parts[2] == "legacy.tar.gz":
        prefix = f"{owner}-{name}-{{sha}}"
    else:
        # github.com names the folder after the repository and the ref, without refs/heads/.
        short = ref.removeprefix("refs/heads/").removeprefix("refs/tags/").replace("/", "-")
        prefix = f"{name}-{short}"
    made = git.archive(forge, index, ref, prefix)
    if made is None:
        return None
    data, sha = made
    filename = f"{owner}-{name}-{sha[:7]}.tar.gz"
    return Answer(
        200,
        data,
        [
            ("Content-Type", "application/x-gzip"),
            ("Content-Disposition", f"attachment; filename={filename}"),
            ("ETag", f'"{sha}"'),
        ],
        endpoint="github.codeload",
        resource=None,
    )
