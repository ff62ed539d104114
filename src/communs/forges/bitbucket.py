"""Bitbucket Cloud (bitbucket.org, API 2.0) and Bitbucket Server / Data Center (REST 1.0).

Both are kind ``bitbucket`` in a sources file; :func:`communs.forges.registry.get_adapter`
picks Server when the API URL is not Cloud's. Cloud pages carry the next page as a
``next`` URL in the body; Server pages carry ``isLastPage`` and ``nextPageStart``.
Neither can list what changed recently.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any
from urllib.parse import quote, urlsplit

from communs.forges._values import moment, text
from communs.forges.base import Adapter, Page, PagingState
from communs.forges.errors import BadResponse
from communs.forges.http import ForgeResponse
from communs.forges.paging import with_query
from communs.forges.records import RepositoryRecord

CLOUD_PAGE = 100  # pagelen cannot exceed 100
SERVER_PAGE = 100


def _href(links: Mapping[str, Any], name: str) -> str:
    """The first href of a Bitbucket ``links`` entry, which may be one object or a list."""
    value = links.get(name)
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, Mapping)), None)
    return text(value.get("href")) if isinstance(value, Mapping) else ""


def _links(repository: Any) -> Mapping[str, Any]:
    """The ``links`` of a nested repository object (a fork's parent), empty when absent."""
    links = repository.get("links") if isinstance(repository, Mapping) else None
    return links if isinstance(links, Mapping) else {}


def _path_from_clone(links: Mapping[str, Any]) -> str:
    """``workspace/slug`` from the https clone link (when the answer was cut to few fields)."""
    for clone in links.get("clone") or []:
        href = text(clone.get("href"))
        if href.startswith("http"):
            return urlsplit(href).path.strip("/").removesuffix(".git")
    return ""


def record_from_bitbucket_cloud(item: Mapping[str, Any]) -> RepositoryRecord:
    """A Bitbucket Cloud repository as a record.

    The answer may have been cut with ``fields=`` (the recorded pages keep only clone
    links and dates): the path then comes from the clone link, and what is missing
    stays unknown (``is_fork`` None). A fork's ``parent`` is a short repository object
    whose ``links.html`` is its web page. Bitbucket counts no stars; ``updated_on`` moves
    on every push and fills ``pushed_at`` too.
    """
    links = item.get("links") or {}
    full_path = text(item.get("full_name")) or _path_from_clone(links)
    if not full_path:
        raise KeyError("full_name")
    url = _href(links, "html") or f"https://bitbucket.org/{full_path}"
    updated = moment(item.get("updated_on"))
    parent = item["parent"] is not None if "parent" in item else None
    return RepositoryRecord(
        full_path=full_path,
        url=url,
        native_id=text(item.get("uuid")) or None,
        name=text(item.get("slug")) or full_path.rsplit("/", 1)[-1],
        description=text(item.get("description")),
        default_branch=text((item.get("mainbranch") or {}).get("name")),
        is_fork=parent,
        fork_parent_url=_href(_links(item.get("parent")), "html") if parent else "",
        homepage=text(item.get("website")),
        created_at=moment(item.get("created_on")),
        updated_at=updated,
        pushed_at=updated,
        language=text(item.get("language")),
    )


def record_from_bitbucket_server(item: Mapping[str, Any]) -> RepositoryRecord:
    """A Bitbucket Server repository as a record: ``PROJECT/slug`` (``~USER/slug`` for users).

    Server gives no dates, stars or licence in a listing. A fork carries its parent as
    ``origin``, a whole repository whose ``links.self`` is its web page.
    """
    project = item["project"]
    full_path = f"{project['key']}/{item['slug']}"
    return RepositoryRecord(
        full_path=full_path,
        url=_href(item.get("links") or {}, "self"),
        native_id=str(item["id"]),
        name=text(item.get("slug")),
        description=text(item.get("description")),
        is_fork="origin" in item,
        fork_parent_url=_href(_links(item.get("origin")), "self"),
        is_archived=bool(item.get("archived")),
    )


def cloud_next_url(response: ForgeResponse, items: list[Any], state: PagingState) -> str | None:
    return text(response.data.get("next")) or None


def server_next_url(response: ForgeResponse, items: list[Any], state: PagingState) -> str | None:
    body = response.data
    if body.get("isLastPage", True) or body.get("nextPageStart") is None:
        return None
    return with_query(response.url, start=body["nextPageStart"])


def values_of(response: ForgeResponse) -> list[Any]:
    """The ``values`` of a Bitbucket page (both editions wrap items this way)."""
    body = response.data
    if not isinstance(body, Mapping) or not isinstance(body.get("values"), list):
        raise BadResponse("expected a page with values", url=response.url)
    return body["values"]


class BitbucketCloud(Adapter):
    kind = "bitbucket"
    unsupported = {
        "list_updated_since": (
            "Bitbucket Cloud cannot list recently updated repositories across workspaces"
        ),
    }

    def record_from(self, item: Mapping[str, Any]) -> RepositoryRecord:
        return record_from_bitbucket_cloud(item)

    def is_public(self, item: Mapping[str, Any]) -> bool:
        return not item.get("is_private")

    async def _owner_pages(self, owner: str, cursor: str | None) -> AsyncIterator[Page]:
        workspace = quote(owner.strip("/"), safe="")
        urls = [cursor or f"{self.api_url}/repositories/{workspace}?pagelen={CLOUD_PAGE}"]
        async for page in self._paginate(urls, items_of=values_of, next_url=cloud_next_url):
            yield page

    async def _instance_pages(self, cursor: str | None) -> AsyncIterator[Page]:
        urls = [cursor or f"{self.api_url}/repositories?pagelen={CLOUD_PAGE}"]
        async for page in self._paginate(urls, items_of=values_of, next_url=cloud_next_url):
            yield page

    def repository_url(self, full_path: str) -> str:
        return f"{self.api_url}/repositories/{quote(full_path.strip('/'), safe='/')}"

    def archive_url(self, record: RepositoryRecord) -> str:
        ref = record.default_branch or "HEAD"
        return f"{self.web_url}/{record.full_path}/get/{quote(ref, safe='')}.tar.gz"


class BitbucketServer(Adapter):
    kind = "bitbucket-server"
    unsupported = {
        "list_updated_since": "Bitbucket Server cannot list recently updated repositories",
    }

    def record_from(self, item: Mapping[str, Any]) -> RepositoryRecord:
        return record_from_bitbucket_server(item)

    def is_public(self, item: Mapping[str, Any]) -> bool:
        # A repository is public by itself or through its project.
        return bool(item.get("public") or (item.get("project") or {}).get("public"))

    async def _owner_pages(self, owner: str, cursor: str | None) -> AsyncIterator[Page]:
        key = owner.strip("/")
        user_url = f"{self.api_url}/users/{quote(key.lstrip('~'), safe='')}/repos"
        project_url = f"{self.api_url}/projects/{quote(key, safe='')}/repos"
        # "~name" is how Bitbucket Server writes a user's personal project.
        first = [user_url] if key.startswith("~") else [project_url, user_url]
        urls = [cursor] if cursor else [f"{url}?limit={SERVER_PAGE}" for url in first]
        async for page in self._paginate(urls, items_of=values_of, next_url=server_next_url):
            yield page

    async def _instance_pages(self, cursor: str | None) -> AsyncIterator[Page]:
        urls = [cursor or f"{self.api_url}/repos?limit={SERVER_PAGE}"]
        async for page in self._paginate(urls, items_of=values_of, next_url=server_next_url):
            yield page

    def repository_url(self, full_path: str) -> str:
        key, _, slug = full_path.strip("/").partition("/")
        return f"{self.api_url}/projects/{quote(key, safe='')}/repos/{quote(slug, safe='')}"

    def archive_url(self, record: RepositoryRecord) -> str:
        key, _, slug = record.full_path.partition("/")
        url = (
            f"{self.api_url}/projects/{quote(key, safe='')}/repos/{quote(slug, safe='')}"
            "/archive?format=tar.gz"
        )
        if record.default_branch:
            url = with_query(url, at=f"refs/heads/{record.default_branch}")
        return url
