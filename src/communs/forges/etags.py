"""Conditional requests: where the client keeps the ETag and body of each URL it read.

A forge that answers ``304 Not Modified`` to ``If-None-Match`` sends no body, and GitHub
does not count such answers against the rate limit; so re-listing an owner whose
repositories did not change costs nothing, provided the body of the last answer is kept.

The client stores opaque bytes (its own encoding of the body and the paging headers a
replay needs). A store may be synchronous or asynchronous: the client awaits what
``get`` and ``put`` return when it is awaitable, so a store backed by a database or
Redis can be plugged in by the harvest layer.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Protocol


class ETagStore(Protocol):
    """Where ETags and the bodies they stand for are kept, keyed by the full request URL."""

    def get(self, url: str) -> tuple[str, bytes] | None:
        """The ``(etag, body)`` last stored for ``url``, or None."""

    def put(self, url: str, etag: str, body: bytes) -> None:
        """Remember ``body`` as the answer to ``url`` that carried ``etag``."""


class MemoryETagStore:
    """An ETag store in memory, bounded: the least recently used entries go first."""

    def __init__(self, max_entries: int = 10_000) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[str, tuple[str, bytes]] = OrderedDict()

    def get(self, url: str) -> tuple[str, bytes] | None:
        entry = self._entries.get(url)
        if entry is not None:
            self._entries.move_to_end(url)
        return entry

    def put(self, url: str, etag: str, body: bytes) -> None:
        self._entries[url] = (etag, body)
        self._entries.move_to_end(url)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)
