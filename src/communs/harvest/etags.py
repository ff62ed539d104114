"""The ETag store of a harvest, in the database (``StoredResponse``), so a refresh in a
new process still sends ``If-None-Match`` and a ``304`` reuses the stored page.

:class:`DatabaseETagStore` satisfies :class:`communs.forges.etags.ETagStore` with
asynchronous methods (the client awaits them); the database work runs through the
harvest's database thread. The synchronous functions below do that work and are
usable on their own.

Growth stays bounded: the store notes which URLs each forge's harvest asked for (the
forge is the one of the asking task, :data:`~communs.harvest.stats.CURRENT_FORGE`), and
at the end of a successful, complete run of a forge, :func:`prune_responses` deletes
the forge's entries that run did not use (pages that no longer exist, owners no longer
listed, REST pages replaced by GraphQL listings). A resumed or narrowed (``--owner``) run
saw only part of the forge and prunes nothing.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Awaitable, Callable, Collection
from typing import Any

from django.utils import timezone

from communs.harvest.models import StoredResponse
from communs.harvest.stats import CURRENT_FORGE

# Rows deleted per statement (SQLite accepts at most 32,766 parameters).
PRUNE_CHUNK = 500

Call = Callable[..., Awaitable[Any]]


def url_key(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()


def read_response(url: str) -> tuple[str, bytes] | None:
    """The stored ``(etag, body)`` for ``url``, or None (also when the body is unreadable)."""
    row = StoredResponse.objects.filter(key=url_key(url)).values_list("etag", "body").first()
    if row is None:
        return None
    try:
        return row[0], zlib.decompress(bytes(row[1]))
    except zlib.error:
        # A damaged entry only costs a full request: answer as if nothing were stored.
        return None


def store_response(url: str, etag: str, body: bytes) -> None:
    # One statement (INSERT … ON CONFLICT DO UPDATE) on SQLite and PostgreSQL alike.
    StoredResponse.objects.bulk_create(
        [
            StoredResponse(
                key=url_key(url),
                url=url,
                etag=etag[:500],
                body=zlib.compress(body, 6),
                size=len(body),
                stored_at=timezone.now(),
            )
        ],
        update_conflicts=True,
        unique_fields=["key"],
        update_fields=["url", "etag", "body", "size", "stored_at"],
    )


def prune_responses(api_url: str, used: Collection[str]) -> int:
    """Delete the entries under ``api_url`` whose key is not in ``used``; how many."""
    # A prefix ending with "?" is taken as it is (the GraphQL answers of one URL).
    prefix = api_url if api_url.endswith("?") else api_url.rstrip("/") + "/"
    # The prefix is checked again in Python: LIKE ignores case on SQLite.
    stale = [
        pk
        for pk, key, url in StoredResponse.objects.filter(url__startswith=prefix)
        .order_by()
        .values_list("pk", "key", "url")
        .iterator()
        if url.startswith(prefix) and key not in used
    ]
    for start in range(0, len(stale), PRUNE_CHUNK):
        StoredResponse.objects.filter(pk__in=stale[start : start + PRUNE_CHUNK]).delete()
    return len(stale)


class DatabaseETagStore:
    """ETags and bodies in ``StoredResponse``; ``call`` runs a function in the database thread.

    ``used`` maps each forge (host key) to the keys of the URLs its harvest asked for.
    """

    def __init__(self, call: Call) -> None:
        self._call = call
        self.used: dict[str, set[str]] = {}

    def _note(self, url: str) -> None:
        forge = CURRENT_FORGE.get()
        if forge is not None:
            self.used.setdefault(forge, set()).add(url_key(url))

    async def get(self, url: str) -> tuple[str, bytes] | None:
        self._note(url)
        return await self._call(read_response, url)

    async def put(self, url: str, etag: str, body: bytes) -> None:
        self._note(url)
        await self._call(store_response, url, etag, body)
