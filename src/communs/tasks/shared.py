"""Where the scale-out's shared state lives: the broker's URL and the Redis of locks and
budgets, both from the settings (``COMMUNS_BROKER_URL``, ``COMMUNS_REDIS_URL``).

No broker means the embedded mode: every task function runs in the process that asks
for it, and the database's claims on harvest runs are the only locks needed.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from django.conf import settings

if TYPE_CHECKING:
    import redis

# Every key Communs writes in Redis starts with this, beside the broker's own keys.
KEY_PREFIX = "communs:"


def embedded() -> bool:
    """Whether tasks run in-process (no broker configured)."""
    return not settings.BROKER_URL


def redis_client() -> redis.Redis | None:
    """The Redis of forge locks and shared budgets, or None when none is configured."""
    url = settings.REDIS_URL
    return _client(url) if url else None


@functools.cache
def _client(url: str) -> redis.Redis:
    import redis

    # redis-py's pool notices a fork and opens new connections in the child, so one
    # client per URL serves a prefork worker's children too.
    return redis.Redis.from_url(url, socket_timeout=10, socket_connect_timeout=5)
