"""What every forge adapter does, and the page loop they share.

An adapter knows one kind of forge: which URLs list an owner, a whole instance or
what changed recently, how the next page is announced, and how to map one item of
JSON into a :class:`RepositoryRecord`. Everything else (retries, budgets, ETags,
accounting) belongs to the :class:`~communs.forges.http.ForgeClient` under it.

Lifecycle of a listing: the caller iterates ``list_owner(owner)`` (or
``list_instance()``, ``list_updated_since(since)``), an async generator of
:class:`Page` objects. After saving each page it stores ``page.next_cursor``; to resume
after a crash it calls the same method with ``cursor=`` that value. The cursor is
opaque (usually the URL of the next page). ``next_cursor`` is None on the last page.

Every adapter has every method of the contract; one its forge cannot serve raises
:class:`NotSupported` with the reason, and :meth:`Adapter.supports` says so beforehand.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from communs.forges.errors import BadResponse, NotFound, NotSupported, PaginationLoop
from communs.forges.http import Download, ForgeClient, ForgeResponse
from communs.forges.records import RepositoryRecord

logger = logging.getLogger(__name__)

# The methods of the contract, in the order the contract test runs them.
CONTRACT: tuple[str, ...] = (
    "list_owner",
    "list_instance",
    "list_updated_since",
    "fetch_repository",
    "archive_url",
    "fetch_archive",
)


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a listing: its records, the cursor of the next page, and whether it
    was served from the ETag store (``not_modified``: nothing changed since last time)."""

    records: list[RepositoryRecord]
    next_cursor: str | None
    not_modified: bool = False
    # The page that was read, for logs.
    url: str = ""


@dataclass
class PagingState:
    """What the page loop has seen so far, for forges whose end of list must be inferred."""

    pages: int = 0
    items: int = 0
    # The largest page seen is the forge's real page size, which may be below the size asked.
    largest: int = 0


ItemsOf = Callable[[ForgeResponse], list[Any]]
NextUrl = Callable[[ForgeResponse, list[Any], PagingState], "str | None"]


def json_list(response: ForgeResponse) -> list[Any]:
    """The body as a list of items, or :class:`BadResponse`."""
    if not isinstance(response.data, list):
        raise BadResponse(
            f"expected a list of repositories, got {type(response.data).__name__}",
            url=response.url,
        )
    return response.data


class Adapter:
    """Base of the adapters: one subclass per forge kind (see the module docstring)."""

    kind: ClassVar[str] = ""
    # How a token is written after "Authorization:" (GitHub and GitLab take Bearer).
    auth_scheme: ClassVar[str] = "Bearer"
    accept: ClassVar[str] = "application/json"
    # A page with more items than this is not a page: refuse it rather than hold it.
    max_items_per_page: ClassVar[int] = 1000
    # Methods this forge cannot serve, with the reason given to the caller.
    unsupported: ClassVar[Mapping[str, str]] = {}

    def __init__(self, client: ForgeClient, web_url: str, api_url: str) -> None:
        self.client = client
        self.web_url = web_url.rstrip("/")
        self.api_url = api_url.rstrip("/")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.api_url!r})"

    # The contract.

    def supports(self, method: str) -> bool:
        """Whether ``method`` of the contract can work here (with the tokens at hand)."""
        return self.why_not(method) is None

    def why_not(self, method: str) -> str | None:
        """Why ``method`` cannot work on this forge, or None when it can."""
        return self.unsupported.get(method)

    async def list_owner(self, owner: str, cursor: str | None = None) -> AsyncIterator[Page]:
        """Pages of the public repositories of ``owner`` (organisation, group or user)."""
        self._refuse("list_owner")
        async for page in self._owner_pages(owner, cursor):
            yield page

    async def list_instance(self, cursor: str | None = None) -> AsyncIterator[Page]:
        """Pages of every public repository of the forge."""
        self._refuse("list_instance")
        async for page in self._instance_pages(cursor):
            yield page

    async def list_updated_since(
        self, since: datetime, cursor: str | None = None
    ) -> AsyncIterator[Page]:
        """Pages of the public repositories updated at or after ``since`` (an aware datetime)."""
        self._refuse("list_updated_since")
        async for page in self._updated_pages(since, cursor):
            yield page

    async def fetch_repository(self, full_path: str) -> RepositoryRecord | None:
        """The repository at ``full_path``, or None when it is gone (404) or not public.

        A renamed repository is followed: the record carries the new path, which the
        caller compares with the one it asked for (the client also logs the redirect).
        """
        self._refuse("fetch_repository")
        try:
            response = await self._get(self.repository_url(full_path), kind="repo")
        except NotFound:
            return None
        if not isinstance(response.data, dict):
            raise BadResponse("expected one repository", url=response.url)
        records = self._records([response.data], response.url)
        if not records:
            return None
        if response.redirected_from:
            logger.info("%s moved to %s", full_path, records[0].full_path)
        return records[0]

    def archive_url(self, record: RepositoryRecord) -> str:
        """Where a source archive (tar.gz) of the default branch of ``record`` is served."""
        self._unavailable("archive_url")
        return ""

    async def fetch_archive(
        self, record: RepositoryRecord, dest_path: Path, max_bytes: int
    ) -> Download:
        """Stream the archive of ``record`` to ``dest_path``; over ``max_bytes``: TooLarge."""
        self._refuse("fetch_archive")
        return await self.client.download(
            self.archive_url(record),
            Path(dest_path),
            adapter=self.kind,
            max_bytes=max_bytes,
            auth_scheme=self.auth_scheme,
        )

    # What subclasses fill in. The listing hooks are async generators of pages; the
    # public methods above check ``why_not`` first, so a refusal is uniform.

    def _owner_pages(self, owner: str, cursor: str | None) -> AsyncIterator[Page]:
        self._unavailable("list_owner")
        raise AssertionError  # unreachable: _unavailable raises

    def _instance_pages(self, cursor: str | None) -> AsyncIterator[Page]:
        self._unavailable("list_instance")
        raise AssertionError

    def _updated_pages(self, since: datetime, cursor: str | None) -> AsyncIterator[Page]:
        self._unavailable("list_updated_since")
        raise AssertionError

    def repository_url(self, full_path: str) -> str:
        """The API URL of one repository."""
        raise NotSupported(f"{type(self).__name__} cannot fetch one repository")

    def record_from(self, item: Mapping[str, Any]) -> RepositoryRecord:
        """One item of this forge's JSON as a record (a pure mapping function)."""
        raise NotImplementedError

    def is_public(self, item: Mapping[str, Any]) -> bool:
        """Whether an item may enter a public index (a token may show private ones)."""
        return not item.get("private")

    # Shared machinery.

    def _refuse(self, method: str) -> None:
        """Raise :class:`NotSupported` when ``method`` cannot work here."""
        reason = self.why_not(method)
        if reason:
            raise NotSupported(reason, url=self.api_url)

    def _unavailable(self, method: str) -> None:
        """A contract method this adapter does not override: always NotSupported."""
        reason = self.why_not(method) or f"{type(self).__name__} does not implement {method}"
        raise NotSupported(reason, url=self.api_url)

    async def _get(self, url: str, *, kind: str = "list") -> ForgeResponse:
        return await self.client.get_json(
            url,
            adapter=self.kind,
            kind=kind,
            headers={"Accept": self.accept},
            auth_scheme=self.auth_scheme,
        )

    def _records(self, items: Sequence[Any], url: str) -> list[RepositoryRecord]:
        """Map a page of items, skipping non-public ones; a malformed item is a BadResponse."""
        if len(items) > self.max_items_per_page:
            raise BadResponse(
                f"{len(items)} items in one page, more than the {self.max_items_per_page} accepted",
                url=url,
            )
        records = []
        for index, item in enumerate(items):
            if not isinstance(item, Mapping):
                raise BadResponse(f"item {index} is not an object", url=url)
            try:
                if not self.is_public(item):
                    continue
                records.append(self.record_from(item))
            except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
                raise BadResponse(
                    f"item {index} cannot be read: {type(exc).__name__}: {exc}", url=url
                ) from exc
        return records

    async def _paginate(
        self,
        first_urls: Sequence[str],
        *,
        items_of: ItemsOf = json_list,
        next_url: NextUrl,
        since: datetime | None = None,
    ) -> AsyncIterator[Page]:
        """Read pages from the first of ``first_urls`` that exists, following ``next_url``.

        Later URLs in ``first_urls`` are fallbacks tried when an earlier one is 404 (an
        organisation URL, then a user URL). With ``since``, records older than it are
        dropped and the listing stops at the first one (the pages are sorted newest
        first). A next URL already read, or a page identical to the previous one, raises
        :class:`PaginationLoop` after the page holding it was yielded.
        """
        state = PagingState()
        seen: set[str] = set()
        previous: tuple[str, ...] = ()
        response = await self._first(first_urls)
        while True:
            seen.add(response.url)
            items = items_of(response)
            records = self._records(items, response.url)
            state.pages += 1
            state.items += len(items)
            state.largest = max(state.largest, len(items))
            following = next_url(response, items, state)
            if since is not None:
                kept = [r for r in records if _last_change(r) and _last_change(r) >= since]
                if len(kept) < len(records):
                    following = None
                records = kept
            identity = tuple(r.native_id or r.full_path for r in records)
            if identity and identity == previous:
                raise PaginationLoop("the same page came back twice", url=response.url)
            previous = identity
            yield Page(records, following, response.not_modified, response.url)
            if following is None:
                return
            if following in seen:
                raise PaginationLoop(
                    f"the next page leads back to {following}, already read", url=response.url
                )
            response = await self._get(following)

    async def _first(self, urls: Sequence[str]) -> ForgeResponse:
        for index, url in enumerate(urls):
            try:
                return await self._get(url)
            except NotFound:
                if index == len(urls) - 1:
                    raise
                logger.debug("%s not found; trying %s", url, urls[index + 1])
        raise ValueError("no URL to list")


def _last_change(record: RepositoryRecord) -> datetime | None:
    return record.updated_at or record.pushed_at
