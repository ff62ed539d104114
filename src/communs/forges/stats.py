"""Request accounting: how many requests each host and kind of endpoint cost.

Budgets are per host (GitHub counts per token, GitLab per address), and the kinds of
endpoint differ in cost (a GraphQL query is not a page of a listing), so counts are
kept per ``(host, endpoint kind)``. Endpoint kinds used by the adapters: ``list``,
``repo``, ``graphql``, ``archive``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field


@dataclass
class RequestCounts:
    """Counts for one host and endpoint kind (or a sum of several)."""

    requests: int = 0  # every request sent, retries included
    not_modified: int = 0  # 304 answers served from the ETag store
    retries: int = 0  # requests sent again after a failure
    errors: int = 0  # requests that ended in an error raised to the caller
    not_found: int = 0  # 404 / 410: a normal answer for a repository that is gone
    redirects: int = 0  # redirects followed (renamed repositories, archive hosts)
    rate_limit_waits: int = 0  # sleeps because of a rate limit
    slept_seconds: float = 0.0  # total time slept, backoff and rate limits

    def add(self, other: RequestCounts) -> None:
        for f in dataclasses.fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def as_dict(self) -> dict[str, int | float]:
        return dataclasses.asdict(self)


@dataclass
class ClientStats:
    """All counts of one client, per ``(host, endpoint kind)``."""

    counts: dict[tuple[str, str], RequestCounts] = field(default_factory=dict)

    def of(self, host: str, kind: str) -> RequestCounts:
        """The counts of ``host`` for ``kind``, created at zero when first asked."""
        return self.counts.setdefault((host, kind), RequestCounts())

    def for_host(self, host: str) -> RequestCounts:
        total = RequestCounts()
        for (name, _kind), counts in self.counts.items():
            if name == host:
                total.add(counts)
        return total

    def total(self) -> RequestCounts:
        total = RequestCounts()
        for counts in self.counts.values():
            total.add(counts)
        return total

    def as_dict(self) -> dict[str, dict[str, dict[str, int | float]]]:
        """``{host: {kind: {counter: value}}}``, ready for JSON or a log line."""
        out: dict[str, dict[str, dict[str, int | float]]] = {}
        for (host, kind), counts in sorted(self.counts.items()):
            out.setdefault(host, {})[kind] = counts.as_dict()
        return out
