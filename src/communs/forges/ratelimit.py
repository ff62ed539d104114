"""Rate-limit budgets: which token to use next, and how long to wait when none has any left.

GitHub gives each token (and each anonymous address) a budget per resource (``core``
for REST, ``graphql``, ``search``) and says what is left in every answer
(``X-RateLimit-Remaining``, ``X-RateLimit-Reset``). A :class:`TokenPool` keeps one
budget per token and resource, uses the current token until it is spent, then moves to
the next one, and when all are spent tells the caller how long to sleep. GitLab sends
the same figures without the ``X-`` prefix. Everything here is pure: time comes from
the ``clock`` given.

Several processes (Celery workers, docs/scale-out.md) spending the same tokens share
their budgets through a :class:`SharedBudgets` (``communs.tasks.budgets`` keeps them in
Redis): each request first takes a unit from the shared count, and every answer's
figures are written back, so that no process spends a budget another one emptied.
"""

from __future__ import annotations

import hashlib
import socket
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Protocol

# When a budget is spent but the forge did not say when it comes back.
DEFAULT_WAIT = 60.0


@dataclass
class Budget:
    remaining: int | None = None
    reset_at: float | None = None


@dataclass
class _Token:
    value: str | None
    revoked: bool = False
    budgets: dict[str, Budget] = field(default_factory=dict)


@dataclass(frozen=True)
class Choice:
    """The token to send (None: anonymous), or how many seconds to wait before trying again."""

    token: str | None
    wait: float = 0.0


@dataclass(frozen=True)
class RateLimitHeaders:
    remaining: int
    reset_at: float | None
    resource: str | None


def unix_time(value: str, now: float) -> float | None:
    """A reset header as a Unix time: seconds, milliseconds, or seconds from now."""
    try:
        number = float(value)
    except ValueError:
        return None
    if number > 1e11:
        # Recorded fixtures (octokit's normalised ones) carry milliseconds.
        return number / 1000
    if number < 1e9:
        # The IETF RateLimit draft sends a delay, not a date.
        return now + number
    return number


def read_rate_limit(headers: Mapping[str, str], now: float) -> RateLimitHeaders | None:
    """What a response says of its budget, from ``X-RateLimit-*`` or ``RateLimit-*``."""
    for prefix in ("x-ratelimit-", "ratelimit-"):
        remaining = headers.get(prefix + "remaining")
        if remaining is None:
            continue
        try:
            left = int(remaining)
        except ValueError:
            return None
        reset = headers.get(prefix + "reset")
        reset_at = unix_time(reset, now) if reset else None
        return RateLimitHeaders(left, reset_at, headers.get(prefix + "resource"))
    return None


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when: datetime = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now)


class SharedBudgets(Protocol):
    """Budgets kept outside the process, per host, token key and resource.

    Calls are synchronous and quick (one round trip to a local store): they run inside
    the harvest's event loop, once per request.
    """

    def take(self, host: str, token: str, resource: str, now: float) -> float | None:
        """Take one unit: None when allowed (unknown budgets allow), else the reset time
        (Unix seconds; 0.0 when unknown) of the spent budget."""

    def record(
        self, host: str, token: str, resource: str, remaining: int, reset_at: float | None
    ) -> None:
        """What an answer said is left (a spent token: ``remaining`` 0)."""


def token_key(token: str | None) -> str:
    """How a token is named in a shared store: a digest, never the token itself.
    Anonymous budgets belong to the machine's address, so to the machine."""
    if token is None:
        return "anonymous@" + socket.gethostname()
    return hashlib.sha256(token.encode()).hexdigest()[:24]


class TokenPool:
    """The tokens for one host and their budgets; anonymous when no token is given.

    With ``shared`` (and the ``host`` the pool serves), budgets are also those of the
    other processes: see :class:`SharedBudgets`.
    """

    def __init__(
        self,
        tokens: Sequence[str] = (),
        clock: Callable[[], float] = time.time,
        *,
        shared: SharedBudgets | None = None,
        host: str = "",
    ) -> None:
        self._tokens = [_Token(t) for t in tokens] or [_Token(None)]
        self._current = 0
        self._clock = clock
        self._shared = shared
        self._host = host

    @property
    def anonymous(self) -> bool:
        return self._tokens[0].value is None

    def choose(self, resource: str = "core") -> Choice | None:
        """The token to use now, or how long to wait; None when every token was refused."""
        now = self._clock()
        count = len(self._tokens)
        # Keep to the current token while it has budget, so a spent token is left alone
        # until its reset and the others are used one after the other.
        for offset in range(count):
            index = (self._current + offset) % count
            token = self._tokens[index]
            if token.revoked:
                continue
            budget = token.budgets.setdefault(resource, Budget())
            if budget.reset_at is not None and budget.reset_at <= now:
                budget.remaining, budget.reset_at = None, None
            if self._shared is not None and not self._take_shared(token, budget, resource, now):
                continue
            if budget.remaining is None or budget.remaining > 0:
                if budget.remaining is not None:
                    # Reserve one unit: requests in flight have not reported back yet.
                    budget.remaining -= 1
                self._current = index
                return Choice(token.value)
        live = [t for t in self._tokens if not t.revoked]
        if not live:
            return None
        resets = [
            t.budgets[resource].reset_at for t in live if t.budgets[resource].reset_at is not None
        ]
        # One second past the reset: forges give whole seconds, and their clocks drift.
        wait = min(resets) - now + 1.0 if resets else DEFAULT_WAIT
        return Choice(None, wait=max(wait, 1.0))

    def update(self, token: str | None, headers: Mapping[str, str], resource: str) -> None:
        """Record what an answer sent with ``token`` says is left."""
        limit = read_rate_limit(headers, self._clock())
        if limit is None:
            return
        entry = self._find(token)
        if entry is None:
            return
        budget = entry.budgets.setdefault(limit.resource or resource, Budget())
        budget.remaining = limit.remaining
        budget.reset_at = limit.reset_at
        if self._shared is not None:
            self._shared.record(
                self._host,
                token_key(token),
                limit.resource or resource,
                limit.remaining,
                limit.reset_at,
            )

    def exhaust(self, token: str | None, resource: str, reset_at: float | None) -> None:
        """Mark ``token`` spent for ``resource`` (a 403/429 said so) until ``reset_at``."""
        entry = self._find(token)
        if entry is not None:
            budget = entry.budgets.setdefault(resource, Budget())
            budget.remaining = 0
            now = self._clock()
            # A reset already past (clocks disagree) would have us ask again at once.
            budget.reset_at = reset_at if reset_at and reset_at > now else now + DEFAULT_WAIT
            if self._shared is not None:
                self._shared.record(self._host, token_key(token), resource, 0, budget.reset_at)

    def revoke(self, token: str | None) -> bool:
        """Stop using a refused token; True when another usable token remains."""
        entry = self._find(token)
        if entry is None or entry.value is None:
            return False
        entry.revoked = True
        return any(not t.revoked for t in self._tokens)

    def _take_shared(self, token: _Token, budget: Budget, resource: str, now: float) -> bool:
        """Take a unit of ``token``'s shared budget; a spent one is noted locally too,
        so that the wait computed below is the shared reset."""
        assert self._shared is not None
        spent_until = self._shared.take(self._host, token_key(token.value), resource, now)
        if spent_until is None:
            # The shared count decides: the local one only knows this process's answers.
            budget.remaining = None if budget.remaining == 0 else budget.remaining
            return True
        budget.remaining = 0
        budget.reset_at = spent_until if spent_until > now else now + DEFAULT_WAIT
        return False

    def _find(self, token: str | None) -> _Token | None:
        return next((t for t in self._tokens if t.value == token), None)
