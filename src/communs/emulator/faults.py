"""Fault injection: which requests fail, and how, deterministically for a seed.

The ``n``-th request for one method and URL fails or not from ``(seed, method, URL, n)``
alone, so a concurrent client meets the same faults whatever order its requests arrive
in, and a retried request has the same fresh chance to pass. A failing request draws its
kind among :data:`KINDS`: a 500, 502 or 503; a 429 with ``Retry-After``; a 403 secondary
rate limit (with ``Retry-After`` and ``X-RateLimit-Remaining: 0``); a body cut short (a
``Content-Length`` larger than what is sent, then the connection closes); or a slow
answer (a delay, then the real answer).
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass

from communs.emulator.world import stable_int

SERVER_ERRORS = ("500", "502", "503")
KINDS: tuple[str, ...] = (*SERVER_ERRORS, "429", "403", "cut", "slow")


@dataclass(frozen=True)
class Fault:
    kind: str


class FaultPlan:
    """Draws faults at ``rate`` (0 to 1) from ``seed``; ``kinds`` narrows the choice."""

    def __init__(self, rate: float = 0.0, seed: int = 0, kinds: tuple[str, ...] = KINDS) -> None:
        if not 0 <= rate <= 1:
            raise ValueError("the fault rate lies between 0 and 1")
        unknown = set(kinds) - set(KINDS)
        if unknown or not kinds:
            raise ValueError(f"unknown fault kinds {sorted(unknown)}; known: {', '.join(KINDS)}")
        self.rate = rate
        self.seed = seed
        self.kinds = kinds
        self._seen: dict[int, int] = {}
        self._lock = threading.Lock()

    def decide(self, method: str, target: str) -> Fault | None:
        """The fault for this request, or None; counts the request either way."""
        if self.rate <= 0:
            return None
        key = stable_int(method, target)
        with self._lock:
            attempt = self._seen.get(key, 0)
            self._seen[key] = attempt + 1
        draw = random.Random(stable_int("fault", self.seed, key, attempt))
        if draw.random() >= self.rate:
            return None
        return Fault(draw.choice(self.kinds))

    def reset(self) -> None:
        with self._lock:
            self._seen.clear()
