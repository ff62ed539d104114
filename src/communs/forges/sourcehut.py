"""SourceHut (git.sr.ht and self-hosted instances).

What its API allows, and what it does not:

- git.sr.ht's only API is GraphQL (``/query``), and it needs a token (an OAuth 2.0
  personal access token) even to read public repositories. With a token, an owner's
  repositories are listed (``user(username).repositories``, cursor pages) and one
  repository is fetched. Without one, both raise :class:`NotSupported`.
- There is no listing of a whole instance nor of what changed recently: GraphQL only
  reaches repositories through their owner. Both always raise :class:`NotSupported`.
- Archives are served anonymously by the web host (``/~user/repo/archive/REF.tar.gz``).
- SourceHut has no stars, forks, topics or licence field, and records no fork
  relationship (a clone pushed elsewhere is a new repository): ``fork_parent_url``
  stays blank.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any
from urllib.parse import quote

from communs.forges._values import moment, text
from communs.forges.base import Adapter, Page
from communs.forges.errors import BadResponse, NotFound, PaginationLoop
from communs.forges.http import ForgeResponse
from communs.forges.records import RepositoryRecord

_FIELDS = "id name description visibility created updated owner { canonicalName } HEAD { name }"

LIST_QUERY = (
    "query($username: String!, $cursor: Cursor) {"
    " user(username: $username) {"
    f" repositories(cursor: $cursor) {{ results {{ {_FIELDS} }} cursor }}"
    " } }"
)
ONE_QUERY = (
    "query($username: String!, $name: String!) {"
    f" user(username: $username) {{ repository(name: $name) {{ {_FIELDS} }} }} }}"
)
ANONYMOUS_REFUSED = (
    "git.sr.ht's API (GraphQL) needs a token even for public repositories; set one for this host"
)


def record_from_sourcehut(item: Mapping[str, Any], web_url: str) -> RepositoryRecord:
    """A git.sr.ht repository (GraphQL ``Repository``) as a record; ``web_url`` builds its URL."""
    owner = text(item["owner"]["canonicalName"])
    full_path = f"{owner}/{item['name']}"
    head = text((item.get("HEAD") or {}).get("name"))
    updated = moment(item.get("updated"))
    return RepositoryRecord(
        full_path=full_path,
        url=f"{web_url.rstrip('/')}/{full_path}",
        native_id=str(item["id"]),
        name=text(item["name"]),
        description=text(item.get("description")),
        default_branch=head.removeprefix("refs/heads/"),
        created_at=moment(item.get("created")),
        updated_at=updated,
        # SourceHut's "updated" moves on every push: the nearest to a last push.
        pushed_at=updated,
    )


class SourceHut(Adapter):
    kind = "sourcehut"
    unsupported = {
        "list_instance": (
            "git.sr.ht's GraphQL API reaches repositories only through their owner: "
            "there is no listing of a whole instance"
        ),
        "list_updated_since": (
            "git.sr.ht's GraphQL API has no listing of recently updated repositories"
        ),
    }

    def why_not(self, method: str) -> str | None:
        if method in ("list_owner", "fetch_repository") and not self.client.has_token(self.api_url):
            return ANONYMOUS_REFUSED
        return super().why_not(method)

    def record_from(self, item: Mapping[str, Any]) -> RepositoryRecord:
        return record_from_sourcehut(item, self.web_url)

    def is_public(self, item: Mapping[str, Any]) -> bool:
        # UNLISTED repositories are reachable by URL but their owner chose not to list them.
        return item.get("visibility") == "PUBLIC"

    async def _owner_pages(self, owner: str, cursor: str | None) -> AsyncIterator[Page]:
        username = owner.strip("/").lstrip("~")
        seen: set[str] = set()
        while True:
            response = await self._query(LIST_QUERY, {"username": username, "cursor": cursor})
            user = response.data["data"].get("user")
            if user is None:
                raise NotFound(f"no SourceHut user {owner}", url=response.url, status=200)
            listing = user.get("repositories") or {}
            items = listing.get("results")
            if not isinstance(items, list):
                raise BadResponse("expected repositories.results", url=response.url)
            following = text(listing.get("cursor")) or None
            yield Page(self._records(items, response.url), following, False, response.url)
            if following is None:
                return
            if following in seen or following == cursor:
                raise PaginationLoop(f"cursor {following} came back", url=response.url)
            seen.add(following)
            cursor = following

    async def fetch_repository(self, full_path: str) -> RepositoryRecord | None:
        self._refuse("fetch_repository")
        owner, _, name = full_path.strip("/").partition("/")
        response = await self._query(ONE_QUERY, {"username": owner.lstrip("~"), "name": name})
        user = response.data["data"].get("user") or {}
        item = user.get("repository")
        if not isinstance(item, Mapping):
            return None
        records = self._records([item], response.url)
        return records[0] if records else None

    def archive_url(self, record: RepositoryRecord) -> str:
        ref = record.default_branch or "HEAD"
        return f"{self.web_url}/{record.full_path}/archive/{quote(ref, safe='')}.tar.gz"

    async def _query(self, query: str, variables: Mapping[str, Any]) -> ForgeResponse:
        response = await self.client.post_json(
            self.api_url,
            {"query": query, "variables": dict(variables)},
            adapter=self.kind,
            kind="graphql",
            auth_scheme=self.auth_scheme,
        )
        body = response.data
        if not isinstance(body, Mapping) or not isinstance(body.get("data"), Mapping):
            errors = body.get("errors") if isinstance(body, Mapping) else None
            raise BadResponse(f"GraphQL answered no data: {errors}", url=response.url)
        return response
