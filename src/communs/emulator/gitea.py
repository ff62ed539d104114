"""The Gitea API v1 as the emulator serves it (Forgejo speaks the same).

Served under ``/{forge}/api/v1``: ``/orgs/{org}/repos``, ``/users/{user}/repos``,
``/repos/search`` (``{"ok": true, "data": [...]}``; ``q``, ``sort``, ``order``),
``/repos/{owner}/{repo}``, ``/repos/{owner}/{repo}/archive/{ref}.tar.gz``; the web area
serves ``/{owner}/{repo}/archive/{ref}.tar.gz`` too.

Pages: ``page`` and ``limit``, the limit capped at the forge's ``MAX_RESPONSE_ITEMS``
(the emulator's ``page_cap``, 50 by default) whatever is asked, with ``X-Total-Count``
and a ``Link`` header (first/prev/next/last), as Gitea sends them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from communs.emulator.git import GitStore
from communs.emulator.protocol import Answer, Request, Urls, github_time, json_answer
from communs.emulator.world import ForgeWorld, Owner, stable_int
from communs.forges.records import RepositoryRecord

DEFAULT_LIMIT = 30
SORTS = {
    "alpha": "full_path",
    "created": "created_at",
    "updated": "updated_at",
    "size": "stars",
    "id": "id",
    "stars": "stars",
    "forks": "forks",
}
NEVER = "0001-01-01T00:00:00Z"


def owner_json(owner: Owner | None, path: str, urls: Urls) -> dict[str, Any]:
    number = owner.id if owner else stable_int("owner", path) % 90_000_000
    login = owner.path if owner else path
    return {
        "id": number,
        "login": login,
        "login_name": "",
        "source_id": 0,
        "full_name": owner.display_name if owner else login,
        "email": f"{login.lower()}@noreply.{urls.base.split('://', 1)[1].split(':')[0]}",
        "avatar_url": f"{urls.base}/_emulator/avatars/{number}",
        "html_url": f"{urls.web}/{login}",
        "language": "",
        "is_admin": False,
        "last_login": NEVER,
        "created": "2018-01-01T00:00:00Z",
        "restricted": False,
        "active": False,
        "prohibit_login": False,
        "location": "",
        "website": owner.organisation.website if owner and owner.organisation else "",
        "description": "",
        "visibility": "public",
        "followers_count": 0,
        "following_count": 0,
        "starred_repos_count": 0,
        "username": login,
    }


def repository_json(
    forge: ForgeWorld, record: RepositoryRecord, urls: Urls, *, parent: bool = True
) -> dict[str, Any]:
    """One repository as Gitea writes it."""
    number = int(record.native_id or 0)
    path = record.full_path
    html = f"{urls.web}/{path}"
    host = urls.base.split("://", 1)[1].split(":")[0]
    size = max(1, sum(record.languages.values()) // 1024) if record.languages else 0
    upstream = None
    if record.is_fork and parent:
        source = RepositoryRecord(
            full_path=f"upstream/{record.name}",
            url="",
            native_id=str(1 + stable_int("upstream", record.name) % 1_000_000),
            description=record.description,
            default_branch=record.default_branch,
            created_at=record.created_at,
            updated_at=record.updated_at,
            stars=record.stars * 10,
            language=record.language,
            license=record.license,
        )
        upstream = repository_json(forge, source, urls, parent=False)
    return {
        "id": number,
        "owner": owner_json(forge.owner(record.owner), record.owner, urls),
        "name": record.name,
        "full_name": path,
        "description": record.description,
        "empty": False,
        "private": False,
        "fork": bool(record.is_fork),
        "template": record.is_template,
        "parent": upstream,
        "mirror": False,
        "size": size,
        "language": record.language,
        "languages_url": f"{urls.api}/repos/{path}/languages",
        "html_url": html,
        "url": f"{urls.api}/repos/{path}",
        "link": "",
        "ssh_url": f"git@{host}:{path}.git",
        "clone_url": f"{html}.git",
        "original_url": "",
        "website": record.homepage,
        "stars_count": record.stars,
        "forks_count": record.forks,
        "watchers_count": record.watchers,
        "open_issues_count": record.open_issues,
        "open_pr_counter": 0,
        "release_counter": 0,
        "default_branch": record.default_branch or "main",
        "archived": record.is_archived,
        "created_at": github_time(record.created_at),
        "updated_at": github_time(record.updated_at),
        "archived_at": github_time(record.updated_at)
        if record.is_archived
        else "1970-01-01T00:00:00Z",
        "permissions": {"admin": False, "push": False, "pull": True},
        "has_issues": True,
        "internal_tracker": {
            "enable_time_tracker": True,
            "allow_only_contributors_to_track_time": True,
            "enable_issue_dependencies": True,
        },
        "has_wiki": number % 3 != 0,
        "has_pull_requests": True,
        "has_projects": False,
        "projects_mode": "all",
        "has_releases": True,
        "has_packages": False,
        "has_actions": False,
        "ignore_whitespace_conflicts": False,
        "allow_merge_commits": True,
        "allow_rebase": True,
        "allow_rebase_explicit": True,
        "allow_squash_merge": True,
        "allow_fast_forward_only_merge": True,
        "allow_rebase_update": True,
        "default_delete_branch_after_merge": False,
        "default_merge_style": "merge",
        "default_allow_maintainer_edit": False,
        "avatar_url": "",
        "internal": False,
        "mirror_interval": "",
        "object_format_name": "sha1",
        "mirror_updated": NEVER,
        "repo_transfer": None,
        "topics": list(record.topics),
        "licenses": [record.license] if record.license else [],
    }


def not_found(endpoint: str, urls: Urls) -> Answer:
    return json_answer(
        {"errors": None, "message": "The target couldn't be found.", "url": f"{urls.api}/swagger"},
        status=404,
        endpoint=endpoint,
    )


def page(
    forge: ForgeWorld,
    request: Request,
    urls: Urls,
    indices: Sequence[int],
    page_cap: int,
    endpoint: str,
    *,
    wrapped: bool,
) -> Answer:
    """One page of ``indices``, ``limit`` capped at ``page_cap``, with Gitea's headers."""
    limit = request.number("limit", min(DEFAULT_LIMIT, page_cap), high=page_cap)
    number = request.number("page", 1)
    start = (number - 1) * limit
    total = len(indices)
    items = [repository_json(forge, forge.record(i), urls) for i in indices[start : start + limit]]
    last = max(1, -(-total // limit))

    def url(target: int) -> str:
        query = dict(request.query)
        query.update(page=str(target), limit=str(limit))
        return f"{request.base_url}{request.path}?{urlencode(query)}"

    links: list[str] = []
    if number < last:
        links += [f'<{url(number + 1)}>; rel="next"', f'<{url(last)}>; rel="last"']
    if number > 1:
        links += [f'<{url(1)}>; rel="first"', f'<{url(number - 1)}>; rel="prev"']
    # Gitea separates the links with a bare comma.
    headers = [("X-Total-Count", str(total))]
    if links:
        headers.append(("Link", ",".join(links)))
    body: Any = {"ok": True, "data": items} if wrapped else items
    return json_answer(body, endpoint=endpoint, headers=headers)


def _ordered(
    forge: ForgeWorld, request: Request, indices: Sequence[int], key: object, default: str
) -> Sequence[int]:
    sort = request.query.get("sort", default)
    order = request.query.get("order", "asc").lower()
    return forge.ordered(indices, SORTS.get(sort, SORTS[default]), order == "desc", key)


def _search(forge: ForgeWorld, request: Request) -> Sequence[int]:
    words = request.query.get("q", "").strip().lower()
    archived = request.query.get("archived")
    indices: Sequence[int] = forge.all()
    if words or archived is not None:
        wanted = None if archived is None else archived.lower() == "true"

        def keep(index: int) -> bool:
            record = forge.record(index)
            if words and words not in record.name.lower():
                return False
            return wanted is None or record.is_archived == wanted

        # Gogs-style clients search for "_", which Gitea reads as a literal underscore;
        # Gogs matched it as a LIKE wildcard: treat a lone "_" as "anything".
        if words == "_" and archived is None:
            return _ordered(forge, request, indices, ("search",), "alpha")
        source = indices
        indices = forge.world.cached(
            (forge.name, "search", words, wanted), lambda: [i for i in source if keep(i)]
        )
    return _ordered(forge, request, indices, ("search", words, archived), "alpha")


def archive(
    forge: ForgeWorld, request: Request, git: GitStore, owner: str, name: str, file: str
) -> Answer | None:
    if not file.endswith(".tar.gz"):
        return None
    index = forge.find(f"{owner}/{name}")
    if index is None:
        return None
    record = forge.record(index)
    ref = file[: -len(".tar.gz")]
    made = git.archive(forge, index, ref, record.name)
    if made is None:
        return None
    data, _sha = made
    return Answer(
        200,
        data,
        [
            ("Content-Type", "application/octet-stream"),
            ("Content-Disposition", f'attachment; filename="{record.name}-{ref}.tar.gz"'),
        ],
        endpoint="gitea.archive",
        resource=None,
    )


def api(
    forge: ForgeWorld, request: Request, urls: Urls, git: GitStore, page_cap: int
) -> Answer | None:
    """Answer a request to ``/api/v1``, or None when no route matches (404)."""
    parts = request.segments
    if request.method != "GET":
        return None
    if len(parts) == 3 and parts[0] in ("orgs", "users") and parts[2] == "repos":
        owner = forge.owner(parts[1])
        if owner is None or (parts[0] == "orgs" and owner.kind != "org"):
            return not_found("gitea.list_owner", urls)
        indices = _ordered(forge, request, forge.owner_listing(owner), ("owner", owner.path), "id")
        return page(forge, request, urls, indices, page_cap, "gitea.list_owner", wrapped=False)
    if parts == ["repos", "search"]:
        return page(
            forge, request, urls, _search(forge, request), page_cap, "gitea.search", wrapped=True
        )
    if len(parts) >= 3 and parts[0] == "repos":
        if len(parts) == 5 and parts[3] == "archive":
            return archive(forge, request, git, parts[1], parts[2], parts[4]) or not_found(
                "gitea.archive", urls
            )
        index = forge.find(f"{parts[1]}/{parts[2]}")
        if index is None:
            return not_found("gitea.repo", urls)
        record = forge.record(index)
        if len(parts) == 3:
            return json_answer(repository_json(forge, record, urls), endpoint="gitea.repo")
        if parts[3:] == ["languages"]:
            return json_answer(dict(record.languages), endpoint="gitea.languages")
    return None


def web(forge: ForgeWorld, request: Request, git: GitStore) -> Answer | None:
    """``/{owner}/{repo}/archive/{ref}.tar.gz``: served without counting against the API."""
    parts = request.segments
    if request.method == "GET" and len(parts) == 4 and parts[2] == "archive":
        return archive(forge, request, git, parts[0], parts[1], parts[3])
    return None
