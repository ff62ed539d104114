"""GitLab (gitlab.com and self-hosted instances), REST API v4, anonymous or with a token.

An owner is a group listed with all its sub-groups
(``/groups/{path}/projects?include_subgroups=true``), or a user when no group has that
path. A whole instance is listed with keyset pagination (``/projects?pagination=keyset
&order_by=id``), which stays fast at any depth where offset pages slow down. Pages
follow ``Link: rel="next"``, else ``X-Next-Page``, else (keyset) ``id_after`` the last id.
Only public projects are asked for: a token may see internal and private ones.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from communs.forges._values import count, moment, spdx_from_key, strings, text
from communs.forges.base import Adapter, Page, PagingState
from communs.forges.http import ForgeResponse
from communs.forges.paging import next_link, with_query
from communs.forges.records import RepositoryRecord

PER_PAGE = 100


def record_from_gitlab(item: Mapping[str, Any]) -> RepositoryRecord:
    """A GitLab project as a record.

    GitLab has no "last push" date: ``last_activity_at`` (pushes, issues, merge
    requests) is the nearest, and fills ``pushed_at``. Whether a project is a fork is
    only known from a full answer (one that carries ``visibility``); in a short one it
    stays None. The licence (``?license=true`` on one project) is a licensee key.
    """
    activity = moment(item.get("last_activity_at"))
    if "forked_from_project" in item:
        is_fork: bool | None = item["forked_from_project"] is not None
    else:
        is_fork = False if "visibility" in item else None
    licence = item.get("license") or {}
    return RepositoryRecord(
        full_path=item["path_with_namespace"],
        url=item["web_url"],
        native_id=str(item["id"]),
        name=text(item.get("name")) or text(item.get("path")),
        description=text(item.get("description")),
        default_branch=text(item.get("default_branch")),
        is_fork=is_fork,
        is_archived=bool(item.get("archived")),
        created_at=moment(item.get("created_at")),
        updated_at=moment(item.get("updated_at")) or activity,
        pushed_at=activity,
        stars=count(item.get("star_count")),
        forks=count(item.get("forks_count")),
        open_issues=count(item.get("open_issues_count")),
        license=spdx_from_key(licence.get("key")),
        # "tag_list" is the name GitLab used before 14.0.
        topics=strings(item.get("topics") or item.get("tag_list")),
    )


def gitlab_next_url(
    response: ForgeResponse, items: list[Any], state: PagingState, *, keyset: bool = False
) -> str | None:
    """The next page: ``Link`` first, then ``X-Next-Page``, then (keyset) ``id_after``."""
    link = next_link(response.headers, base=response.url)
    if link:
        return link
    page = response.headers.get("x-next-page")
    if page is not None:
        return with_query(response.url, page=page.strip()) if page.strip() else None
    # Behind some proxies the Link header is lost; keyset pages go on after the last id.
    if keyset and items and len(items) >= PER_PAGE and "id" in items[-1]:
        return with_query(response.url, id_after=items[-1]["id"])
    return None


def _keyset_next(response: ForgeResponse, items: list[Any], state: PagingState) -> str | None:
    return gitlab_next_url(response, items, state, keyset=True)


class GitLab(Adapter):
    kind = "gitlab"

    def record_from(self, item: Mapping[str, Any]) -> RepositoryRecord:
        return record_from_gitlab(item)

    def is_public(self, item: Mapping[str, Any]) -> bool:
        return item.get("visibility", "public") == "public"

    async def _owner_pages(self, owner: str, cursor: str | None) -> AsyncIterator[Page]:
        path = quote(owner.strip("/"), safe="")
        common = f"per_page={PER_PAGE}&order_by=id&sort=asc&visibility=public"
        urls = (
            [cursor]
            if cursor
            else [
                # with_shared=false: projects of other groups shared with this one are theirs.
                f"{self.api_url}/groups/{path}/projects?include_subgroups=true"
                f"&with_shared=false&{common}",
                f"{self.api_url}/users/{path}/projects?{common}",
            ]
        )
        async for page in self._paginate(urls, next_url=gitlab_next_url):
            yield page

    async def _instance_pages(self, cursor: str | None) -> AsyncIterator[Page]:
        urls = [cursor or self._keyset_url()]
        async for page in self._paginate(urls, next_url=_keyset_next):
            yield page

    async def _updated_pages(self, since: datetime, cursor: str | None) -> AsyncIterator[Page]:
        moment_ = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        urls = [cursor or with_query(self._keyset_url(), last_activity_after=moment_)]
        async for page in self._paginate(urls, next_url=_keyset_next):
            yield page

    def repository_url(self, full_path: str) -> str:
        return f"{self.api_url}/projects/{quote(full_path.strip('/'), safe='')}?license=true"

    def archive_url(self, record: RepositoryRecord) -> str:
        project = record.native_id or quote(record.full_path, safe="")
        url = f"{self.api_url}/projects/{project}/repository/archive.tar.gz"
        return with_query(url, sha=record.default_branch) if record.default_branch else url

    def _keyset_url(self) -> str:
        return (
            f"{self.api_url}/projects?pagination=keyset&order_by=id&sort=asc"
            f"&per_page={PER_PAGE}&visibility=public"
        )
