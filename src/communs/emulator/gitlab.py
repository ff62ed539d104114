"""The GitLab REST API v4 as the emulator serves it: project JSON and its endpoints.

Served under ``/{forge}/api/v4``: ``/groups/{id or path}/projects`` (``include_subgroups``),
``/users/{user}/projects``, ``/projects`` (offset pages, or keyset pages with
``pagination=keyset&order_by=id`` and ``id_after``; ``last_activity_after`` and
``last_activity_before`` filter), ``/projects/{id or path}`` (``license=true`` adds the
licence), ``/projects/{id}/repository/archive[.tar.gz]?sha=``, ``/groups/{id or path}``.

Offset pages carry ``X-Page``, ``X-Per-Page``, ``X-Next-Page``, ``X-Prev-Page`` and
``Link``, plus ``X-Total`` and ``X-Total-Pages`` up to 10,000 results (GitLab leaves them
out above, for speed); offsets past 50,000 projects are refused as GitLab refuses them.
Keyset pages carry only ``Link: rel="next"``. Items follow GitLab's project entity.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode

from communs.emulator.git import GitStore
from communs.emulator.protocol import Answer, Request, Urls, gitlab_time, json_answer, link_header
from communs.emulator.world import ForgeWorld, Owner, stable_int
from communs.forges.records import RepositoryRecord

MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 20
# GitLab counts results only up to this many; above, X-Total and X-Total-Pages are left out.
COUNT_LIMIT = 10_000
MAX_OFFSET = 50_000
ORDERS = {
    "id": "id",
    "name": "name",
    "path": "full_path",
    "created_at": "created_at",
    "updated_at": "updated_at",
    "last_activity_at": "pushed_at",
    "star_count": "stars",
}
ACCESS_LEVELS = (
    "issues_access_level", "repository_access_level", "merge_requests_access_level",
    "forking_access_level", "wiki_access_level", "builds_access_level",
    "snippets_access_level", "pages_access_level", "analytics_access_level",
    "container_registry_access_level", "security_and_compliance_access_level",
    "releases_access_level", "environments_access_level", "feature_flags_access_level",
    "infrastructure_access_level", "monitor_access_level",
)  # fmt: skip


def namespace_json(forge: ForgeWorld, path: str, urls: Urls) -> dict[str, Any]:
    owner = forge.owner(path)
    parent = path.rsplit("/", 1)[0] if "/" in path else None
    parent_owner = forge.owner(parent) if parent else None
    kind = "user" if owner and owner.kind == "user" else "group"
    return {
        "id": owner.id if owner else stable_int("namespace", path) % 90_000_000,
        "name": owner.display_name if owner else path.rsplit("/", 1)[-1],
        "path": path.rsplit("/", 1)[-1],
        "kind": kind,
        "full_path": owner.path if owner else path,
        "parent_id": parent_owner.id if parent_owner else None,
        "avatar_url": None,
        "web_url": f"{urls.web}/{path}" if kind == "user" else f"{urls.web}/groups/{path}",
    }


def _basic(forge: ForgeWorld, record: RepositoryRecord, urls: Urls) -> dict[str, Any]:
    number = int(record.native_id or 0)
    path = record.full_path
    namespace = namespace_json(forge, record.owner, urls)
    host = urls.base.split("://", 1)[1].split(":")[0]
    return {
        "id": number,
        "description": record.description or None,
        "name": record.name,
        "name_with_namespace": f"{namespace['name']} / {record.name}",
        "path": record.name,
        "path_with_namespace": path,
        "created_at": gitlab_time(record.created_at),
        "default_branch": record.default_branch or "main",
        "tag_list": list(record.topics),
        "topics": list(record.topics),
        "ssh_url_to_repo": f"git@{host}:{path}.git",
        "http_url_to_repo": f"{urls.web}/{path}.git",
        "web_url": f"{urls.web}/{path}",
        "readme_url": f"{urls.web}/{path}/-/blob/{record.default_branch or 'main'}/README.md",
        "forks_count": record.forks,
        "avatar_url": None,
        "star_count": record.stars,
        "last_activity_at": gitlab_time(record.pushed_at),
        "namespace": namespace,
    }


def project_json(
    forge: ForgeWorld, record: RepositoryRecord, urls: Urls, *, licence: bool = False
) -> dict[str, Any]:
    """One project as GitLab writes it to an anonymous visitor (``licence``: ``?license=true``)."""
    item = _basic(forge, record, urls)
    number = item["id"]
    api = f"{urls.api}/projects/{number}"
    host = urls.base.split("://", 1)[1]
    item.update(
        {
            "container_registry_image_prefix": f"registry.{host}/{record.full_path}",
            "_links": {
                "self": api,
                "issues": f"{api}/issues",
                "merge_requests": f"{api}/merge_requests",
                "repo_branches": f"{api}/repository/branches",
                "labels": f"{api}/labels",
                "events": f"{api}/events",
                "members": f"{api}/members",
                "cluster_agents": f"{api}/cluster_agents",
            },
            "packages_enabled": True,
            "empty_repo": False,
            "archived": record.is_archived,
            "visibility": "public",
            "resolve_outdated_diff_discussions": False,
            "repository_object_format": "sha1",
            "issues_enabled": True,
            "merge_requests_enabled": True,
            "wiki_enabled": number % 3 != 0,
            "jobs_enabled": True,
            "snippets_enabled": True,
            "container_registry_enabled": False,
            "service_desk_enabled": False,
            "can_create_merge_request_in": False,
        }
    )
    for name in ACCESS_LEVELS:
        item[name] = "enabled"
    item.update(
        {
            "emails_disabled": False,
            "emails_enabled": True,
            "shared_runners_enabled": True,
            "lfs_enabled": True,
            "creator_id": stable_int("creator", record.owner) % 10_000_000,
            "import_status": "none",
            "open_issues_count": record.open_issues,
            "description_html": f"<p>{record.description}</p>" if record.description else "",
            "updated_at": gitlab_time(record.updated_at),
            "ci_config_path": None,
            "public_jobs": True,
            "shared_with_groups": [],
            "only_allow_merge_if_pipeline_succeeds": False,
            "allow_merge_on_skipped_pipeline": None,
            "request_access_enabled": True,
            "only_allow_merge_if_all_discussions_are_resolved": False,
            "remove_source_branch_after_merge": True,
            "printing_merge_request_link_enabled": True,
            "merge_method": "merge",
            "squash_option": "default_off",
            "enforce_auth_checks_on_uploads": True,
            "suggestion_commit_message": None,
            "merge_commit_template": None,
            "squash_commit_template": None,
            "issue_branch_template": None,
            "autoclose_referenced_issues": True,
            "approvals_before_merge": 0,
            "mirror": False,
            "permissions": {"project_access": None, "group_access": None},
        }
    )
    owner = forge.owner(record.owner)
    if owner is not None and owner.kind == "user":
        item["owner"] = {
            "id": owner.id,
            "username": owner.path,
            "name": owner.display_name,
            "state": "active",
            "locked": False,
            "avatar_url": None,
            "web_url": f"{urls.web}/{owner.path}",
        }
    if record.is_fork:
        item["forked_from_project"] = _upstream(forge, record, urls)
    if licence:
        item["license_url"] = (
            f"{urls.web}/{record.full_path}/-/blob/{record.default_branch or 'main'}/LICENSE"
            if record.license
            else None
        )
        item["license"] = _licence(record.license)
    return item


def _licence(spdx: str) -> dict[str, Any] | None:
    if not spdx:
        return None
    key = "other" if spdx == "NOASSERTION" else spdx.lower()
    name = "Other" if spdx == "NOASSERTION" else spdx
    return {
        "key": key,
        "name": name,
        "nickname": None,
        "html_url": f"https://spdx.org/licenses/{spdx}.html" if key != "other" else None,
        "source_url": None,
    }


def _upstream(forge: ForgeWorld, record: RepositoryRecord, urls: Urls) -> dict[str, Any]:
    """The project a fork came from: made up, outside the listed owners."""
    upstream = RepositoryRecord(
        full_path=f"upstream/{record.name}",
        url="",
        native_id=str(1 + stable_int("upstream", record.name) % 1_000_000),
        description=record.description,
        default_branch=record.default_branch,
        created_at=record.created_at,
        pushed_at=record.pushed_at,
        stars=record.stars * 10,
        forks=record.forks * 10,
    )
    return _basic(forge, upstream, urls)


def simple_json(forge: ForgeWorld, record: RepositoryRecord, urls: Urls) -> dict[str, Any]:
    """``simple=true``: GitLab's short project entity."""
    return _basic(forge, record, urls)


def not_found(what: str, endpoint: str) -> Answer:
    return json_answer({"message": f"404 {what} Not Found"}, status=404, endpoint=endpoint)


def _filters(request: Request) -> tuple[datetime | None, datetime | None, bool | None]:
    def moment(name: str) -> datetime | None:
        value = request.query.get(name)
        if not value:
            return None
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)

    archived = request.query.get("archived")
    return (
        moment("last_activity_after"),
        moment("last_activity_before"),
        None if archived is None else archived.lower() == "true",
    )


def _keep(
    record: RepositoryRecord, after: datetime | None, before: datetime | None, archived: bool | None
) -> bool:
    activity = record.pushed_at
    if after is not None and (activity is None or activity <= after):
        return False
    if before is not None and (activity is None or activity >= before):
        return False
    return archived is None or record.is_archived == archived


def _page_url(request: Request, **changes: object) -> str:
    query = dict(request.query)
    query.update({k: str(v) for k, v in changes.items()})
    return f"{request.base_url}{request.path}?{urlencode(query)}"


def offset_page(
    forge: ForgeWorld, request: Request, urls: Urls, indices: Sequence[int], endpoint: str
) -> Answer:
    """One offset page of ``indices`` with GitLab's headers."""
    per_page = request.number("per_page", DEFAULT_PER_PAGE, high=MAX_PER_PAGE)
    page = request.number("page", 1)
    start = (page - 1) * per_page
    if start + per_page > MAX_OFFSET and endpoint == "gitlab.projects":
        return json_answer(
            {
                "message": (
                    f"Offset pagination has a maximum allowed offset of {MAX_OFFSET} for "
                    "requests that return objects of type Project. Remaining records can be "
                    "retrieved using keyset pagination."
                )
            },
            status=405,
            endpoint=endpoint,
        )
    total = len(indices)
    chosen = indices[start : start + per_page]
    items = [_item(forge, request, urls, forge.record(i)) for i in chosen]
    pages = max(1, -(-total // per_page))
    has_next = start + per_page < total
    headers = [
        ("X-Page", str(page)),
        ("X-Per-Page", str(per_page)),
        ("X-Next-Page", str(page + 1) if has_next else ""),
        ("X-Prev-Page", str(page - 1) if page > 1 else ""),
    ]
    links: list[tuple[str, str]] = []
    if page > 1:
        links.append(("prev", _page_url(request, page=page - 1)))
    if has_next:
        links.append(("next", _page_url(request, page=page + 1)))
    links.append(("first", _page_url(request, page=1)))
    if total <= COUNT_LIMIT:
        headers += [("X-Total", str(total)), ("X-Total-Pages", str(pages))]
        links.append(("last", _page_url(request, page=pages)))
    headers.append(("Link", link_header(links)))
    return json_answer(items, endpoint=endpoint, headers=headers)


def _item(
    forge: ForgeWorld, request: Request, urls: Urls, record: RepositoryRecord
) -> dict[str, Any]:
    if request.query.get("simple", "").lower() == "true":
        return simple_json(forge, record, urls)
    return project_json(forge, record, urls)


def _ordered(
    forge: ForgeWorld, request: Request, indices: Sequence[int], key: object
) -> Sequence[int]:
    order = ORDERS.get(request.query.get("order_by", "created_at"), "created_at")
    descending = request.query.get("sort", "desc").lower() != "asc"
    after, before, archived = _filters(request)
    if after or before or archived is not None:
        source = indices
        indices = forge.world.cached(
            (forge.name, "filter", key, after, before, archived),
            lambda: [i for i in source if _keep(forge.record(i), after, before, archived)],
        )
        key = (key, after, before, archived)
    return forge.ordered(indices, order, descending, key)


def keyset_page(forge: ForgeWorld, request: Request, urls: Urls) -> Answer:
    """``/projects?pagination=keyset&order_by=id``: pages after ``id_after``, scanned lazily."""
    if request.query.get("order_by", "id") != "id":
        return json_answer(
            {"error": "Keyset pagination is not yet available for this type of request"},
            status=405,
            endpoint="gitlab.projects_keyset",
        )
    per_page = request.number("per_page", DEFAULT_PER_PAGE, high=MAX_PER_PAGE)
    descending = request.query.get("sort", "asc").lower() == "desc"
    after, before, archived = _filters(request)
    try:
        id_after = int(request.query["id_after"]) if "id_after" in request.query else None
        id_before = int(request.query["id_before"]) if "id_before" in request.query else None
    except ValueError:
        return json_answer(
            {"error": "id_after is invalid"}, status=400, endpoint="gitlab.projects_keyset"
        )
    # Ascending walks up from id_after; descending walks down from id_before.
    if descending:
        index = (forge.first_after_id(id_before - 1) if id_before is not None else forge.count) - 1
        step = -1
    else:
        index = forge.first_after_id(id_after) if id_after is not None else 0
        step = 1
    chosen: list[RepositoryRecord] = []
    while 0 <= index < forge.count and len(chosen) < per_page:
        record = forge.record(index)
        if _keep(record, after, before, archived):
            chosen.append(record)
        index += step
    more = 0 <= index < forge.count and len(chosen) == per_page
    headers = []
    if more:
        last = chosen[-1].native_id
        target = _page_url(request, **({"id_before": last} if descending else {"id_after": last}))
        headers.append(("Link", link_header([("next", target)])))
    items = [_item(forge, request, urls, record) for record in chosen]
    return json_answer(items, endpoint="gitlab.projects_keyset", headers=headers)


def _group(forge: ForgeWorld, key: str) -> Owner | None:
    if key.isdigit():
        return _by_id(forge, int(key))
    return forge.owner(key)


def _by_id(forge: ForgeWorld, number: int) -> Owner | None:
    table = forge.world.cached(
        (forge.name, "owner ids"), lambda: {o.id: o for o in forge.owners.values()}
    )
    return table.get(number)


def _project(forge: ForgeWorld, key: str) -> int | None:
    if key.isdigit():
        return forge.find_id(int(key))
    return forge.find(key)


def api(forge: ForgeWorld, request: Request, urls: Urls, git: GitStore) -> Answer | None:
    """Answer a request to ``/api/v4``, or None when no route matches (404)."""
    parts = request.segments
    if request.method != "GET":
        return None
    if len(parts) == 3 and parts[0] == "groups" and parts[2] == "projects":
        group = _group(forge, parts[1])
        if group is None or group.kind != "group":
            return not_found("Group", "gitlab.list_owner")
        subgroups = request.query.get("include_subgroups", "").lower() == "true"
        listing = forge.owner_listing(group, subgroups=subgroups)
        indices = _ordered(forge, request, listing, ("group", group.path, subgroups))
        return offset_page(forge, request, urls, indices, "gitlab.list_owner")
    if len(parts) == 2 and parts[0] == "groups":
        group = _group(forge, parts[1])
        if group is None or group.kind != "group":
            return not_found("Group", "gitlab.group")
        data = namespace_json(forge, group.path, urls)
        data.update({"description": group.display_name, "visibility": "public"})
        return json_answer(data, endpoint="gitlab.group")
    if len(parts) == 3 and parts[0] == "users" and parts[2] == "projects":
        user = forge.owner(parts[1])
        if user is None or user.kind != "user":
            return not_found("User", "gitlab.list_owner")
        indices = _ordered(forge, request, forge.owner_listing(user), ("user", user.path))
        return offset_page(forge, request, urls, indices, "gitlab.list_owner")
    if parts == ["projects"]:
        if request.query.get("pagination") == "keyset":
            return keyset_page(forge, request, urls)
        indices = _ordered(forge, request, forge.all(), ("all",))
        return offset_page(forge, request, urls, indices, "gitlab.projects")
    if len(parts) >= 2 and parts[0] == "projects":
        index = _project(forge, parts[1])
        if index is None:
            return not_found("Project", "gitlab.repo")
        record = forge.record(index)
        rest = parts[2:]
        if not rest:
            licence = request.query.get("license", "").lower() == "true"
            return json_answer(
                project_json(forge, record, urls, licence=licence), endpoint="gitlab.repo"
            )
        if rest[0] == "repository" and len(rest) == 2 and rest[1] in ("archive", "archive.tar.gz"):
            ref = request.query.get("sha") or record.default_branch or "HEAD"
            made = git.archive(
                forge, index, ref, f"{record.name}-{ref.replace('/', '-')}-{{full_sha}}"
            )
            if made is None:
                return not_found("File", "gitlab.archive")
            data, sha = made
            name = f"{record.name}-{ref.replace('/', '-')}-{sha}.tar.gz"
            return Answer(
                200,
                data,
                [
                    ("Content-Type", "application/octet-stream"),
                    ("Content-Disposition", f'attachment; filename="{quote(name)}"'),
                ],
                endpoint="gitlab.archive",
            )
    return None
