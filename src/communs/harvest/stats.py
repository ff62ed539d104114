"""Request counts per forge, when forges share one client (and sometimes one host).

:class:`~communs.forges.http.ForgeClient` counts per host and endpoint kind. Forges can
share a host (the emulator serves several under one port; a GitHub Enterprise and a
GitLab may sit behind one proxy), and a run needs its own forge's figures. Each forge's
harvest runs in its own asyncio task with :data:`CURRENT_FORGE` set, and tasks inherit
context variables, so the client's counting call can tell which forge sent a request.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field

from communs.forges.stats import ClientStats, RequestCounts

CURRENT_FORGE: ContextVar[str | None] = ContextVar("communs_harvest_forge", default=None)


@dataclass
class ForgeStats(ClientStats):
    """Client statistics kept per forge as well: install on a client as ``client.stats``."""

    forges: dict[str, ClientStats] = field(default_factory=dict)

    def of(self, host: str, kind: str) -> RequestCounts:
        forge = CURRENT_FORGE.get()
        if forge is None:
            return super().of(host, kind)
        return self.forges.setdefault(forge, ClientStats()).of(host, kind)

    def for_forge(self, forge: str) -> RequestCounts:
        stats = self.forges.get(forge)
        return stats.total() if stats is not None else RequestCounts()

    def for_host(self, host: str) -> RequestCounts:
        total = super().for_host(host)
        for stats in self.forges.values():
            total.add(stats.for_host(host))
        return total

    def total(self) -> RequestCounts:
        total = super().total()
        for stats in self.forges.values():
            total.add(stats.total())
        return total
