"""Rate limits for the API: a budget of requests per client address and fixed window.

The counting itself goes through a cache (see ``communs.api.middleware``); this module
holds what can be decided without one: reading the budget from the setting, which
window a moment falls in and how long until the next one, and who the client is.

Pure Python: no Django, importable on its own.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

PERIODS: dict[str, int] = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
_RATE = re.compile(r"\s*(\d+)\s*(?:/\s*([a-z]+)\s*)?", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Rate:
    """At most ``requests`` requests every ``period`` seconds."""

    requests: int
    period: int
    period_name: str


def parse_rate(text: str) -> Rate | None:
    """The budget a setting gives: ``"60/minute"``, ``"1000/hour"``, or ``"60"`` (per minute).

    ``"0"``, ``"off"`` or an empty text turn the limit off (None). Anything else raises
    ``ValueError`` naming what is accepted.
    """
    cleaned = text.strip().lower()
    if cleaned in {"", "0", "off", "none"}:
        return None
    match = _RATE.fullmatch(cleaned)
    period_name = (match.group(2) or "minute") if match else ""
    if match is None or period_name.rstrip("s") not in PERIODS:
        raise ValueError(
            f"not a rate: {text!r}; write requests/period, e.g. 60/minute "
            f"(periods: {', '.join(PERIODS)}), or 0 to turn the limit off"
        )
    period_name = period_name.rstrip("s")
    requests = int(match.group(1))
    if requests == 0:
        return None
    return Rate(requests=requests, period=PERIODS[period_name], period_name=period_name)


def window(now: float, rate: Rate) -> tuple[int, int]:
    """The number of the window ``now`` (seconds since the epoch) falls in, and the
    whole seconds until the next one starts (at least 1, what ``Retry-After`` says)."""
    number = int(now // rate.period)
    remaining = (number + 1) * rate.period - now
    return number, max(1, math.ceil(remaining))


def client_address(meta: Mapping[str, str], trusted_header: str = "") -> str:
    """The address a request comes from, as a rate limit should count it.

    Behind a reverse proxy every request comes from the proxy: ``trusted_header`` names
    the header it sets (``X-Forwarded-For``, ``X-Real-IP``). Only the last address in it
    is used, the one the proxy itself added: those before it were sent by the client and
    prove nothing. Without that setting the header is ignored, so that no one escapes
    the limit by writing it. A value that is not an address falls back on the peer's.
    """
    peer = meta.get("REMOTE_ADDR", "") or "unknown"
    if not trusted_header:
        return peer
    key = "HTTP_" + trusted_header.strip().upper().replace("-", "_")
    forwarded = meta.get(key, "")
    candidate = forwarded.rsplit(",", 1)[-1].strip()
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return peer
