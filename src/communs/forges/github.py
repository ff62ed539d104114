"""GitHub and GitHub Enterprise Server.

REST (anonymous works, 60 requests an hour; 5,000 with a token):
``/orgs/{org}/repos`` (``/users/{user}/repos`` when the owner is a user),
``/repositories`` for a whole instance, ``/repos/{owner}/{name}`` for one. Pages follow
``Link: rel="next"``. Conditional requests make an unchanged page free.

GraphQL (a token is required) adds what REST listings lack: :meth:`GitHub.enrich`.
Archives come from the web host (``/archive/…tar.gz``), which costs no API request.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any
from urllib.parse import quote

from communs.forges._values import count, moment, nested, strings, text
from communs.forges.base import Adapter, Page, PagingState
from communs.forges.errors import BadResponse, NotSupported, RateLimited
from communs.forges.github_graphql import (
    OwnerMissing,
    OwnerPage,
    RepositoryExtras,
    build_enrich_query,
    build_owners_query,
    build_probe_query,
    extras_from_node,
    is_rate_limited,
    parse_enrich_response,
    parse_owners_response,
    parse_probe_response,
)
from communs.forges.http import ForgeResponse
from communs.forges.paging import next_link
from communs.forges.records import RepositoryRecord

logger = logging.getLogger(__name__)

PER_PAGE = 100
ENRICH_BATCH = 50
# GraphQL answers "RATE_LIMITED" with a 200; the client then knows the budget is spent
# and the next try waits for the reset or uses another token.
GRAPHQL_TRIES = 3


def record_from_github(item: Mapping[str, Any]) -> RepositoryRecord:
    """A repository of the GitHub REST API (listing or single) as a record.

    ``watchers`` is GitHub's ``subscribers_count`` (only in a single-repository answer);
    its ``watchers_count`` is a legacy copy of the stars. So is a fork's ``parent`` (the
    repository it was copied from; ``source`` is the root of the fork network): a
    listing says ``fork: true`` and no more.
    """
    licence = item.get("license") or {}
    return RepositoryRecord(
        full_path=item["full_name"],
        url=item["html_url"],
        native_id=str(item["id"]),
        name=text(item.get("name")),
        description=text(item.get("description")),
        default_branch=text(item.get("default_branch")),
        is_fork=bool(item["fork"]) if "fork" in item else None,
        fork_parent_url=nested(item, "parent", "html_url"),
        is_archived=bool(item.get("archived")),
        is_template=bool(item.get("is_template")),
        homepage=text(item.get("homepage")),
        created_at=moment(item.get("created_at")),
        updated_at=moment(item.get("updated_at")),
        pushed_at=moment(item.get("pushed_at")),
        stars=count(item.get("stargazers_count")),
        forks=count(item.get("forks_count")),
        watchers=count(item.get("subscribers_count")),
        open_issues=count(item.get("open_issues_count")),
        license=text(licence.get("spdx_id")),
        language=text(item.get("language")),
        topics=strings(item.get("topics")),
    )


def record_from_github_graphql(node: Mapping[str, Any]) -> RepositoryRecord:
    """A ``Repository`` node of the batched GraphQL listing as a record, with the same
    values its REST answer gives (``open_issues`` counts pull requests too, as REST's
    ``open_issues_count`` does), plus the watchers and languages REST listings lack."""

    def total(name: str) -> int:
        return count((node.get(name) or {}).get("totalCount"))

    topics = [
        (item.get("topic") or {}).get("name")
        for item in (node.get("repositoryTopics") or {}).get("nodes") or []
        if isinstance(item, Mapping)
    ]
    extras = extras_from_node(node)
    return RepositoryRecord(
        full_path=node["nameWithOwner"],
        url=node["url"],
        native_id=str(node["databaseId"]),
        name=text(node.get("name")),
        description=text(node.get("description")),
        default_branch=text((node.get("defaultBranchRef") or {}).get("name")),
        is_fork=bool(node["isFork"]) if "isFork" in node else None,
        fork_parent_url=nested(node, "parent", "url"),
        is_archived=bool(node.get("isArchived")),
        is_template=bool(node.get("isTemplate")),
        homepage=text(node.get("homepageUrl")),
        created_at=moment(node.get("createdAt")),
        updated_at=moment(node.get("updatedAt")),
        pushed_at=moment(node.get("pushedAt")),
        stars=count(node.get("stargazerCount")),
        forks=count(node.get("forkCount")),
        watchers=total("watchers"),
        open_issues=total("issues") + total("pullRequests"),
        license=text((node.get("licenseInfo") or {}).get("spdxId")),
        language=text((node.get("primaryLanguage") or {}).get("name")),
        languages=extras.languages,
        topics=strings([topic for topic in topics if topic]),
    )


def github_next_url(response: ForgeResponse, items: list[Any], state: PagingState) -> str | None:
    return next_link(response.headers, base=response.url)


class GitHub(Adapter):
    kind = "github"
    accept = "application/vnd.github+json"
    unsupported = {
        "list_updated_since": (
            "GitHub has no listing of recently updated repositories (its search stops at "
            "1,000 results); re-list owners instead: unchanged pages cost nothing thanks "
            "to conditional requests"
        ),
    }

    @property
    def graphql_url(self) -> str:
        # github.com: api.github.com/graphql; Enterprise: /api/v3 → /api/graphql.
        if self.api_url.endswith("/api/v3"):
            return self.api_url[: -len("/v3")] + "/graphql"
        return self.api_url + "/graphql"

    def record_from(self, item: Mapping[str, Any]) -> RepositoryRecord:
        return record_from_github(item)

    def is_public(self, item: Mapping[str, Any]) -> bool:
        return not item.get("private") and item.get("visibility", "public") == "public"

    async def _owner_pages(self, owner: str, cursor: str | None) -> AsyncIterator[Page]:
        name = quote(owner.strip("/"), safe="")
        urls = (
            [cursor]
            if cursor
            else [
                f"{self.api_url}/orgs/{name}/repos?per_page={PER_PAGE}&type=all",
                f"{self.api_url}/users/{name}/repos?per_page={PER_PAGE}&type=owner",
            ]
        )
        async for page in self._paginate(urls, next_url=github_next_url):
            yield page

    async def _instance_pages(self, cursor: str | None) -> AsyncIterator[Page]:
        # Pages by repository id (``?since=``); its items are short (no stars, no dates),
        # so the harvest completes them with fetch_repository or enrich.
        urls = [cursor or f"{self.api_url}/repositories"]
        async for page in self._paginate(urls, next_url=github_next_url):
            yield page

    def repository_url(self, full_path: str) -> str:
        return f"{self.api_url}/repos/{quote(full_path.strip('/'), safe='/')}"

    def archive_url(self, record: RepositoryRecord) -> str:
        ref = f"refs/heads/{record.default_branch}" if record.default_branch else "HEAD"
        return f"{self.web_url}/{record.full_path}/archive/{quote(ref, safe='/')}.tar.gz"

    async def enrich(
        self, records: Sequence[RepositoryRecord], batch_size: int = ENRICH_BATCH
    ) -> dict[str, RepositoryExtras | None]:
        """Root files, languages, latest release and watchers of ``records`` by GraphQL.

        Keyed by each record's ``full_path``; None for a repository GitHub no longer
        knows. Needs a token for the API host (:class:`NotSupported` otherwise).
        """
        if not self.client.has_token(self.graphql_url):
            raise NotSupported(
                "GitHub's GraphQL API needs a token; set one for this host", url=self.graphql_url
            )
        result: dict[str, RepositoryExtras | None] = {}
        paths = [record.full_path for record in records]
        for start in range(0, len(paths), batch_size):
            batch = paths[start : start + batch_size]
            result.update(await self._enrich_batch(batch))
        return result

    async def list_owners_batch(
        self, owners: Sequence[tuple[str, str | None]]
    ) -> dict[str, OwnerPage | OwnerMissing]:
        """One page of each ``(login, cursor)`` in one GraphQL request (token needed).

        Keyed by login; an owner GitHub does not know, or whose part of the answer is
        malformed, maps to :class:`OwnerMissing`. Errors of the whole request (after the
        client's retries) raise as usual.
        """
        query, variables = build_owners_query(owners)
        logins = [login for login, _ in owners]

        def parse(answer: Mapping[str, Any]) -> dict[str, OwnerPage | OwnerMissing]:
            return parse_owners_response(
                answer, logins, record_from_github_graphql, self.max_items_per_page
            )

        return await self._graphql(query, variables, parse)

    async def probe_owners(self, logins: Sequence[str]) -> dict[str, str | None]:
        """Each owner's fingerprint (its newest repositories and count; None: unknown)."""
        query, variables = build_probe_query(logins)
        return await self._graphql(
            query, variables, lambda answer: parse_probe_response(answer, logins)
        )

    async def _graphql(self, query: str, variables: Mapping[str, Any], parse: Any) -> Any:
        if not self.client.has_token(self.graphql_url):
            raise NotSupported(
                "GitHub's GraphQL API needs a token; set one for this host", url=self.graphql_url
            )
        for _ in range(GRAPHQL_TRIES):
            response = await self.client.post_json(
                self.graphql_url,
                {"query": query, "variables": variables},
                adapter=self.kind,
                kind="graphql",
                auth_scheme=self.auth_scheme,
            )
            if not isinstance(response.data, Mapping):
                raise BadResponse("GraphQL answered no object", url=response.url)
            if is_rate_limited(response.data):
                logger.info("GraphQL budget spent; asking again")
                continue
            try:
                return parse(response.data)
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                raise BadResponse(f"{type(exc).__name__}: {exc}", url=response.url) from exc
        raise RateLimited("GraphQL stayed rate limited", url=self.graphql_url)

    async def _enrich_batch(self, paths: list[str]) -> dict[str, RepositoryExtras | None]:
        query, variables = build_enrich_query(paths)
        return await self._graphql(
            query, variables, lambda answer: parse_enrich_response(answer, paths)
        )
