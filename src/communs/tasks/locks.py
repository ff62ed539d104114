"""One lister per forge: a Redis lock per forge host, renewed while its holder lives.

The holder renews the lock every third of its TTL from a thread of its own; a worker
killed (or cut from Redis) stops renewing, and the lock expires ``COMMUNS_FORGE_LOCK_TTL``
seconds later, so that the redelivered task, on any worker, can take the forge over.
The lock is the liveness signal; the database claim on the run (``store.open_run`` and
the claim checked in every write) stays the safety net: a holder that lost its lock
without knowing it gets ``LostClaim`` at its next write, never a cursor moved back.

In embedded mode (no Redis) :func:`forge_lock` always holds: the database claim is the
lock, as before.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator
from typing import Any

from communs.tasks.shared import KEY_PREFIX

logger = logging.getLogger(__name__)


class ForgeLock:
    """A renewed Redis lock; ``acquire`` does not wait: a held forge is busy."""

    def __init__(self, client: Any, host: str, ttl: float) -> None:
        self.key = f"{KEY_PREFIX}forge-lock:{host}"
        self.ttl = ttl
        # Not thread-local: the renewing thread must see the holder's token.
        self._lock = client.lock(self.key, timeout=ttl, blocking=False, thread_local=False)
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None
        self.lost = threading.Event()

    def acquire(self) -> bool:
        if not self._lock.acquire():
            return False
        self._renewer = threading.Thread(target=self._renew, name=f"renew {self.key}", daemon=True)
        self._renewer.start()
        return True

    def _renew(self) -> None:
        from redis.exceptions import LockError, RedisError

        while not self._stop.wait(self.ttl / 3):
            try:
                # Back to the full TTL; fails when the key expired or another took it.
                self._lock.reacquire()
            except LockError:
                logger.warning("%s was lost: another worker may hold it now", self.key)
                self.lost.set()
                return
            except RedisError as error:
                # Redis away for a moment: try again; the TTL covers two more attempts.
                logger.warning("cannot renew %s: %s", self.key, error)

    def release(self) -> None:
        from redis.exceptions import LockError, RedisError

        self._stop.set()
        if self._renewer is not None:
            self._renewer.join()
        with contextlib.suppress(LockError, RedisError):
            self._lock.release()


@contextlib.contextmanager
def forge_lock(host: str, client: Any = None, ttl: float | None = None) -> Iterator[bool]:
    """Hold ``host``'s lock for the block; yields whether it is held (False: busy).

    Without a Redis (embedded mode) it yields True: the database claim decides."""
    from django.conf import settings

    from communs.tasks.shared import redis_client

    client = client if client is not None else redis_client()
    if client is None:
        yield True
        return
    lock = ForgeLock(client, host, ttl if ttl is not None else settings.FORGE_LOCK_TTL)
    if not lock.acquire():
        yield False
        return
    try:
        yield True
    finally:
        lock.release()
