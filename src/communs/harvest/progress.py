"""The live display of a harvest, and its summary table. Pure: it writes to a stream.

On a terminal, one line is rewritten in place (at most ten times a second); otherwise
(a log file, a pipe, cron) a plain line is written every ``every`` seconds, so logs stay
readable. Figures: forges finished, owners listed, repositories, requests, 304s, errors.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, TextIO

from communs.forges.stats import RequestCounts

TTY_INTERVAL = 0.1
PLAIN_INTERVAL = 10.0


class Stream(Protocol):
    def write(self, text: str) -> object: ...

    def flush(self) -> object: ...


@dataclass
class ForgeProgress:
    host: str
    owners: int = 0
    owners_done: int = 0
    owners_failed: int = 0
    repositories: int = 0
    finished: bool = False


class Progress:
    """Counters the harvest updates, drawn by :meth:`tick` (called periodically by :meth:`run`).

    ``requests`` gives a forge's request counts (the client's statistics), read when drawn.
    """

    def __init__(
        self,
        stream: Stream | TextIO,
        *,
        tty: bool = False,
        every: float = PLAIN_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
        requests: Callable[[str], RequestCounts] | None = None,
        labels: dict[str, str] | None = None,
    ) -> None:
        self.stream = stream
        self.tty = tty
        self.every = TTY_INTERVAL if tty else every
        self.clock = clock
        self.requests = requests or (lambda host: RequestCounts())
        self.forges: dict[str, ForgeProgress] = {}
        # Plain lines start after one interval: a line of zeros says nothing.
        self._last: float | None = None if tty else clock()
        self._drawn = False
        # Translated by the caller: translations are per thread, and this draws in another.
        self.labels = labels or ENGLISH

    def forge(self, host: str) -> ForgeProgress:
        return self.forges.setdefault(host, ForgeProgress(host))

    def line(self) -> str:
        words = self.labels
        forges = list(self.forges.values())
        counts = RequestCounts()
        for forge in forges:
            counts.add(self.requests(forge.host))
        owners = sum(f.owners for f in forges)
        done = sum(f.owners_done + f.owners_failed for f in forges)
        failed = sum(f.owners_failed for f in forges)
        parts = [
            f"{words['forges']} {sum(f.finished for f in forges)}/{len(forges)}",
            f"{words['owners']} {done}/{owners}",
            f"{words['repositories']} {sum(f.repositories for f in forges):,}",
            f"{words['requests']} {counts.requests:,}",
            f"304 {counts.not_modified:,}",
            f"{words['errors']} {counts.errors + failed:,}",
        ]
        return " · ".join(parts)

    def tick(self, *, force: bool = False) -> None:
        now = self.clock()
        if not force and self._last is not None and now - self._last < self.every:
            return
        self._last = now
        if self.tty:
            self.stream.write("\r" + self.line() + "\x1b[K")
            self._drawn = True
        else:
            self.stream.write(self.line() + "\n")
        self.stream.flush()

    def close(self) -> None:
        """Clear the rewritten line, so the summary starts on a clean line."""
        if self.tty and self._drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._drawn = False

    async def run(self) -> None:
        """Draw until cancelled."""
        try:
            while True:
                self.tick()
                await asyncio.sleep(min(self.every, 1.0))
        finally:
            self.close()


ENGLISH = {
    "forges": "forges",
    "owners": "owners",
    "repositories": "repositories",
    "requests": "requests",
    "errors": "errors",
}


@dataclass(frozen=True)
class SummaryRow:
    host: str
    status: str
    owners: str
    counts: dict[str, int]
    seconds: float


SUMMARY_COLUMNS = (
    "new",
    "updated",
    "unchanged",
    "gone",
    "requests",
    "not_modified",
    "retries",
    "errors",
)


def summary_table(rows: Sequence[SummaryRow], headers: dict[str, str]) -> str:
    """A plain-text table, one row per forge, columns aligned; ``headers`` names them."""
    head = [
        headers["forge"],
        headers["status"],
        headers["owners"],
        *(headers[c] for c in SUMMARY_COLUMNS),
        headers["time"],
    ]
    body = [
        [
            row.host,
            row.status,
            row.owners,
            *(f"{row.counts.get(c, 0):,}" for c in SUMMARY_COLUMNS),
            f"{row.seconds:.1f} s",
        ]
        for row in rows
    ]
    widths = [max(len(line[i]) for line in [head, *body]) for i in range(len(head))]

    # Names and statuses read left-aligned; figures right-aligned, as in a spreadsheet.
    def render(line: list[str]) -> str:
        cells = [
            cell.ljust(width) if i < 2 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(line, widths, strict=True))
        ]
        return "  ".join(cells).rstrip()

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([render(head), rule, *(render(line) for line in body)])
