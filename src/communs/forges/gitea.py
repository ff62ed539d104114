"""Gitea, and the forges that share its API: Forgejo (a fork of Gitea) and Gogs (its parent).

``/orgs/{org}/repos`` (``/users/{user}/repos`` for a user) lists an owner and
``/repos/search`` a whole instance, wrapped as ``{"ok": true, "data": [...]}``. The
forge caps pages (50 by default, ``MAX_RESPONSE_ITEMS``) whatever size is asked, so
the end of a listing is: no ``rel="next"`` when a ``Link`` header is sent; otherwise an
empty page, a page shorter than the largest seen, or ``X-Total-Count`` reached.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import quote

from communs.forges._values import count, moment, nested, strings, text
from communs.forges.base import Adapter, Page, PagingState
from communs.forges.errors import BadResponse
from communs.forges.http import ForgeResponse
from communs.forges.paging import next_link, query_value, with_query
from communs.forges.records import RepositoryRecord

PAGE_SIZE = 50


def record_from_gitea(item: Mapping[str, Any]) -> RepositoryRecord:
    """A Gitea or Forgejo repository as a record.

    Gitea has no "last push" date; its ``updated_at`` moves on every push and fills
    ``pushed_at`` too. Gitea 1.22+ lists detected licences as SPDX ids (``licenses``).
    A fork's ``parent`` (Gogs too) is the whole repository it was copied from, in
    listings as in single answers.
    """
    updated = moment(item.get("updated_at"))
    licences = strings(item.get("licenses"))
    return RepositoryRecord(
        full_path=item["full_name"],
        url=item["html_url"],
        native_id=str(item["id"]),
        name=text(item.get("name")),
        description=text(item.get("description")),
        default_branch=text(item.get("default_branch")),
        is_fork=bool(item.get("fork")),
        fork_parent_url=nested(item, "parent", "html_url"),
        is_archived=bool(item.get("archived")),
        is_template=bool(item.get("template")),
        homepage=text(item.get("website")),
        created_at=moment(item.get("created_at")),
        updated_at=updated,
        pushed_at=updated,
        stars=count(item.get("stars_count")),
        forks=count(item.get("forks_count")),
        watchers=count(item.get("watchers_count")),
        open_issues=count(item.get("open_issues_count")),
        # Several licence files in one repository apply to different files: AND.
        license=" AND ".join(licences),
        language=text(item.get("language")),
        topics=strings(item.get("topics")),
    )


def record_from_gogs(item: Mapping[str, Any]) -> RepositoryRecord:
    """A Gogs repository as a record: Gitea's fields minus archive, template and topics."""
    return record_from_gitea(item)


def gitea_next_url(response: ForgeResponse, items: list[Any], state: PagingState) -> str | None:
    """The next page of a page-numbered Gitea-family listing (see the module docstring)."""
    if "link" in response.headers:
        return next_link(response.headers, base=response.url)
    if not items or len(items) < state.largest:
        return None
    page = int(query_value(response.url, "page") or 1)
    total = response.headers.get("x-total-count", "")
    if total.isdigit() and page * state.largest >= int(total):
        return None
    return with_query(response.url, page=page + 1)


def search_items(response: ForgeResponse) -> list[Any]:
    """The items of a ``/repos/search`` answer (``{"ok": …, "data": [...]}``)."""
    body = response.data
    if isinstance(body, list):
        return body
    if not isinstance(body, Mapping) or not isinstance(body.get("data"), list):
        raise BadResponse("expected {ok, data} from a repository search", url=response.url)
    if body.get("ok") is False:
        raise BadResponse(f"search failed: {text(body.get('error'))}", url=response.url)
    return body["data"]


def _single_page(response: ForgeResponse, items: list[Any], state: PagingState) -> str | None:
    return None


class Gitea(Adapter):
    kind = "gitea"
    auth_scheme = "token"
    # Gogs answers an owner's repositories in one unpaged list.
    paged_owner_listing: bool = True

    def record_from(self, item: Mapping[str, Any]) -> RepositoryRecord:
        return record_from_gitea(item)

    def is_public(self, item: Mapping[str, Any]) -> bool:
        # "internal" repositories are visible to every signed-in user, not to the public.
        return not item.get("private") and not item.get("internal")

    async def _owner_pages(self, owner: str, cursor: str | None) -> AsyncIterator[Page]:
        name = quote(owner.strip("/"), safe="")
        query = f"?limit={PAGE_SIZE}&page=1" if self.paged_owner_listing else ""
        urls = (
            [cursor]
            if cursor
            else [
                f"{self.api_url}/orgs/{name}/repos{query}",
                f"{self.api_url}/users/{name}/repos{query}",
            ]
        )
        next_url = gitea_next_url if self.paged_owner_listing else _single_page
        async for page in self._paginate(urls, next_url=next_url):
            yield page

    async def _instance_pages(self, cursor: str | None) -> AsyncIterator[Page]:
        urls = [cursor or self._search_url(sort="id", order="asc")]
        async for page in self._paginate(urls, items_of=search_items, next_url=gitea_next_url):
            yield page

    async def _updated_pages(self, since: datetime, cursor: str | None) -> AsyncIterator[Page]:
        # Newest first, so the listing stops at the first repository older than ``since``.
        urls = [cursor or self._search_url(sort="updated", order="desc")]
        async for page in self._paginate(
            urls, items_of=search_items, next_url=gitea_next_url, since=since
        ):
            yield page

    def repository_url(self, full_path: str) -> str:
        return f"{self.api_url}/repos/{quote(full_path.strip('/'), safe='/')}"

    def archive_url(self, record: RepositoryRecord) -> str:
        # The web route serves archives without counting against the API.
        ref = record.default_branch or "HEAD"
        return f"{self.web_url}/{record.full_path}/archive/{quote(ref, safe='')}.tar.gz"

    def _search_url(self, **params: object) -> str:
        url = f"{self.api_url}/repos/search"
        # private=false: a token must not bring private repositories into a public index.
        return with_query(url, limit=PAGE_SIZE, page=1, private="false", **params)


class Forgejo(Gitea):
    kind = "forgejo"


class Gogs(Gitea):
    kind = "gogs"
    paged_owner_listing = False
    unsupported = {
        "list_updated_since": (
            "Gogs cannot sort its repository search by update time; list the instance instead"
        ),
    }

    def record_from(self, item: Mapping[str, Any]) -> RepositoryRecord:
        return record_from_gogs(item)

    def _search_url(self, **params: object) -> str:
        # Gogs returns nothing for an empty query; "_" is a LIKE wildcard matching any name.
        return with_query(f"{self.api_url}/repos/search", q="_", limit=PAGE_SIZE, page=1)
