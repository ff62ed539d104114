"""The lock per forge: one holder at a time, renewed while it lives, free once it died."""

from __future__ import annotations

import subprocess
import sys
import time
from typing import Any

from communs.tasks.locks import ForgeLock, forge_lock

from .conftest import REDIS_URL

HOLD = f"""
import sys, time, redis
from communs.tasks.locks import ForgeLock
lock = ForgeLock(redis.Redis.from_url({REDIS_URL!r}), "forge.example", ttl=2)
assert lock.acquire()
print("held", flush=True)
time.sleep(60)
"""


def test_it_gives_a_forge_to_one_holder_at_a_time(redis_db: Any) -> None:
    first = ForgeLock(redis_db, "forge.example", ttl=2)
    second = ForgeLock(redis_db, "forge.example", ttl=2)
    assert first.acquire()
    assert not second.acquire()
    # Renewed while held: still taken well after its TTL.
    time.sleep(3)
    assert not second.acquire()
    assert not first.lost.is_set()
    first.release()
    assert second.acquire()
    second.release()


def test_it_frees_the_forge_of_a_killed_holder_after_its_ttl(redis_db: Any) -> None:
    holder = subprocess.Popen([sys.executable, "-c", HOLD], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        other = ForgeLock(redis_db, "forge.example", ttl=2)
        assert not other.acquire()
        holder.kill()
        holder.wait(timeout=10)
        killed_at = time.monotonic()
        # Free within the TTL of the last renewal, never before the holder died.
        while not other.acquire():
            assert time.monotonic() - killed_at < 4, "the lock outlived its TTL"
            time.sleep(0.1)
        other.release()
    finally:
        holder.kill()


def test_it_holds_in_embedded_mode_without_redis(settings: Any) -> None:
    from communs.tasks.shared import _client

    settings.REDIS_URL = ""
    _client.cache_clear()
    with forge_lock("forge.example") as held, forge_lock("forge.example") as again:
        # No Redis: the database claim on the run is the lock, as before.
        assert held and again


def test_the_context_says_busy_when_another_holds_it(redis_db: Any) -> None:
    with forge_lock("forge.example", client=redis_db, ttl=5) as held:
        assert held
        with forge_lock("forge.example", client=redis_db, ttl=5) as again:
            assert not again
    with forge_lock("forge.example", client=redis_db, ttl=5) as after:
        assert after
