"""Rate-limit budgets, as GitHub keeps them: per token (or anonymous address) and resource.

Each identity has ``limit`` points per window for each resource (``core`` for REST,
``graphql``); the window starts at the identity's first request and ends ``window``
seconds later, when the budget comes back whole. A 304 spends nothing (the server does
not call :meth:`Budgets.spend` for one), as on GitHub.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class State:
    """What the rate-limit headers say: the budget, what is left, and when it resets."""

    limit: int
    remaining: int
    reset: int
    used: int
    resource: str


class Budgets:
    """The budgets of every identity; ``anonymous_limit`` applies to requests with no token."""

    def __init__(
        self,
        limit: int = 5000,
        *,
        anonymous_limit: int | None = None,
        window: float = 3600.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.limit = limit
        self.anonymous_limit = limit if anonymous_limit is None else anonymous_limit
        self.window = window
        self.clock = clock
        self._spent: dict[tuple[str, str, str], tuple[float, int]] = {}
        self._lock = threading.Lock()

    def _limit_for(self, identity: str) -> int:
        return self.anonymous_limit if identity.startswith("anonymous:") else self.limit

    def _current(self, key: tuple[str, str, str], now: float) -> tuple[float, int]:
        start, used = self._spent.get(key, (now, 0))
        if now >= start + self.window:
            start, used = now, 0
        return start, used

    def peek(self, forge: str, resource: str, identity: str) -> State:
        """The budget as it stands, spending nothing."""
        now = self.clock()
        with self._lock:
            start, used = self._current((forge, resource, identity), now)
        return self._state(identity, resource, start, used)

    def spend(self, forge: str, resource: str, identity: str, cost: int = 1) -> tuple[bool, State]:
        """Spend ``cost`` points; False (and nothing spent) when fewer than that are left."""
        now = self.clock()
        key = (forge, resource, identity)
        with self._lock:
            start, used = self._current(key, now)
            allowed = used + cost <= self._limit_for(identity)
            if allowed:
                used += cost
            self._spent[key] = (start, used)
        return allowed, self._state(identity, resource, start, used)

    def _state(self, identity: str, resource: str, start: float, used: int) -> State:
        limit = self._limit_for(identity)
        return State(
            limit=limit,
            remaining=max(limit - used, 0),
            reset=math.ceil(start + self.window),
            used=used,
            resource=resource,
        )

    def reset(self) -> None:
        with self._lock:
            self._spent.clear()
