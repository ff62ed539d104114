"""The ETag store of a harvest, in the database (``StoredResponse``), so a refresh in a
new process still sends ``If-None-Match`` and a ``304`` reuses the stored page.

:class:`DatabaseETagStore` satisfies :class:`communs.forges.etags.ETagStore` with
asynchronous methods (the client awaits them); the database work runs through the
harvest's database thread. The synchronous functions below do that work and are
usable on their own.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Awaitable, Callable
from typing import Any

from django.utils import timezone

from communs.harvest.models import StoredResponse

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


class DatabaseETagStore:
    """ETags and bodies in ``StoredResponse``; ``call`` runs a function in the database thread."""

    def __init__(self, call: Call) -> None:
        self._call = call

    async def get(self, url: str) -> tuple[str, bytes] | None:
        return await self._call(read_response, url)

    async def put(self, url: str, etag: str, body: bytes) -> None:
        await self._call(store_response, url, etag, body)
