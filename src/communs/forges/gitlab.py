"""GitLab (gitlab.com and self-hosted instances), REST API v4, anonymous or with a token.

An owner is a group listed with all its sub-groups
(``/groups/{path}/projects?include_subgroups=true``), or a user when no group has that
path. A whole instance is listed with keyset pagination (``/projects?pagination=keyset
&order_by=id``), which stays fast at any depth where offset pages slow down. Pages
follow ``Link: rel="next"``, else ``X-Next-Page``, else (keyset) ``id_after`` the last id.
Only public projects are asked for: a token may see internal and private ones.

Owners are also listed many at a time through GitLab's GraphQL API
(:meth:`GitLab.list_owners_batch`, see :mod:`communs.forges.gitlab_graphql`); the REST
listing stays the fallback, owner by owner, when a batch fails.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from communs.forges._values import count, moment, nested, spdx_from_key, strings, text
from communs.forges.base import Adapter, Page, PagingState
from communs.forges.errors import BadResponse
from communs.forges.github_graphql import OwnerMissing, OwnerPage
from communs.forges.gitlab_graphql import (
    ANONYMOUS_COMPLEXITY,
    AUTHENTICATED_COMPLEXITY,
    build_namespaces_query,
    complexity_refusal,
    owners_per_query,
    parse_namespaces_response,
    query_parameters,
)
from communs.forges.http import ForgeResponse
from communs.forges.paging import next_link, with_query
from communs.forges.records import RepositoryRecord

logger = logging.getLogger(__name__)

PER_PAGE = 100


def _second(value: Any) -> datetime | None:
    """A GitLab date to the second: REST writes milliseconds, GraphQL whole seconds."""
    found = moment(value)
    return found.replace(microsecond=0) if found else None


def record_from_gitlab(item: Mapping[str, Any]) -> RepositoryRecord:
    """A GitLab project as a record.

    GitLab has no "last push" date: ``last_activity_at`` (pushes, issues, merge
    requests) is the nearest, and fills ``pushed_at``. Whether a project is a fork is
    only known from a full answer (one that carries ``visibility``); in a short one it
    stays None. ``forked_from_project`` (the parent) is in a full answer, which
    GitLab gives to a request with a token and for one project: an anonymous listing
    is short. The licence (``?license=true`` on one project) is a licensee key.
    """
    activity = _second(item.get("last_activity_at"))
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
        fork_parent_url=nested(item, "forked_from_project", "web_url"),
        is_archived=bool(item.get("archived")),
        created_at=_second(item.get("created_at")),
        updated_at=_second(item.get("updated_at")) or activity,
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
    # Owners listed many at a time by GraphQL (see communs.forges.gitlab_graphql).
    batches_owners = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Learnt from a refusal: GitLab counts a query's complexity its own way.
        self._per_query: int | None = None

    @property
    def graphql_url(self) -> str:
        # URL/api/v4 -> URL/api/graphql
        base = self.api_url[: -len("/v4")] if self.api_url.endswith("/v4") else self.api_url
        return base + "/graphql"

    def owners_per_request(self) -> int:
        """Namespaces a GraphQL listing asks for at once, within GitLab's complexity limit."""
        if self._per_query is not None:
            return self._per_query
        token = self.client.has_token(self.graphql_url)
        return owners_per_query(AUTHENTICATED_COMPLEXITY if token else ANONYMOUS_COMPLEXITY)

    async def list_owners_batch(
        self, owners: Sequence[tuple[str, str | None]]
    ) -> dict[str, OwnerPage | OwnerMissing]:
        """One page of each ``(path, cursor)``, ``owners_per_request()`` a GraphQL request.

        Sent by GET, conditionally: a batch whose answer did not change is a 304 and its
        pages come back ``not_modified``. Keyed by path; a namespace GitLab does not show
        maps to :class:`OwnerMissing`. A query GitLab finds too complex is asked again in
        smaller batches, and later batches stay that small. Errors of a whole request
        (after the client's retries) raise as usual.
        """
        result: dict[str, OwnerPage | OwnerMissing] = {}
        pending = list(owners)
        while pending:
            size = self.owners_per_request()
            chunk, pending = pending[:size], pending[size:]
            answer = await self._namespaces(chunk)
            if answer is None:
                # Too complex: the chunk goes back, in smaller batches from now on.
                pending = chunk + pending
                continue
            result.update(answer)
        return result

    async def _namespaces(
        self, owners: Sequence[tuple[str, str | None]]
    ) -> dict[str, OwnerPage | OwnerMissing] | None:
        query, variables = build_namespaces_query(owners)
        response = await self._get(
            with_query(self.graphql_url, **query_parameters(query, variables)), kind="graphql"
        )
        if not isinstance(response.data, Mapping):
            raise BadResponse("GraphQL answered no object", url=self.graphql_url)
        refused = complexity_refusal(response.data)
        if refused is not None:
            score, limit = refused
            per_owner = -(-score // len(owners))
            smaller = max(1, min(len(owners) - 1, limit // per_owner))
            if len(owners) == 1 or smaller >= len(owners):
                raise BadResponse(
                    f"GitLab finds even one namespace too complex ({score} > {limit})",
                    url=self.graphql_url,
                )
            logger.info("GitLab GraphQL: %d namespaces a query at most", smaller)
            self._per_query = smaller
            return None
        paths = [path for path, _ in owners]
        try:
            return parse_namespaces_response(
                response.data,
                paths,
                self.max_items_per_page,
                not_modified=response.not_modified,
            )
        except ValueError as exc:
            raise BadResponse(str(exc), url=self.graphql_url) from exc

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
