"""Fixtures of the scale-out tests: a Redis database of their own (number 11, flushed
before and after each test) and the settings that point the tasks at it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

REDIS_URL = os.environ.get("COMMUNS_TEST_REDIS_URL", "redis://127.0.0.1:6379/11")


def _reachable(client: Any) -> str:
    import redis

    try:
        client.ping()
    except redis.RedisError as error:
        return f"{type(error).__name__}: {error}"
    return ""


@pytest.fixture
def redis_db() -> Iterator[Any]:
    """A flushed Redis database; skips when Redis is not reachable, except under CI."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    problem = _reachable(client)
    if problem:
        message = f"Redis at {REDIS_URL} is not reachable ({problem}); start redis-server"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


@pytest.fixture
def with_redis(redis_db: Any, settings: Any) -> Any:
    """The tasks use the test Redis for locks and budgets (no broker: in-process)."""
    from communs.tasks.shared import _client

    settings.REDIS_URL = REDIS_URL
    settings.FORGE_LOCK_TTL = 3
    _client.cache_clear()
    yield redis_db
    _client.cache_clear()
