"""The harvest loop: every planned forge at once, owner after owner, page after page.

:func:`harvest` runs one asyncio event loop (in a worker thread) with one
:class:`~communs.forges.http.ForgeClient` shared by all forges (per-host concurrency,
token pools, ETags kept in the database), and serves the loop's database calls in the
calling thread (:class:`~communs.harvest.writer.DatabaseThread`). Each forge runs as
its own task (:class:`ForgeHarvest`):

1. claim the forge's run: resume an unfinished one, or start one (``store.open_run``);
2. list each owner not done yet (a few at a time), from its saved cursor if any; each
   page is saved with the advanced cursor in one transaction (``store.commit_page``;
   the pages of one GraphQL answer, many owners', in one: ``store.commit_pages``).
   On GitHub with a token, owners are listed by GraphQL, ``OWNER_BATCH`` owners a
   request (each with every record field and the enrichment extras), each owner's
   cursor followed in later batches; an owner listed completely before is first
   *probed* (``PROBE_BATCH`` owners a request: its count and newest repositories) and
   listed again only if that moved, or if its last listing is older than
   ``FULL_LISTING_AFTER``. On GitLab (with or without a token), owners are listed by
   GraphQL too, as many a request as GitLab's query complexity allows, by conditional
   GET: there is no probe, an unchanged batch is a 304. Its batches are formed in
   rounds (every owner's first page, then every next page…) in the plan's order, so
   that the next harvest asks the very same queries. A batch the forge refuses as a
   whole falls back to REST, owner by owner;
3. once an owner is listed completely, fetch each stored repository it no longer lists:
   gone (404) is marked ``gone_since``; found elsewhere is stored (renamed, transferred);
   an owner whose listing failed is never checked, so a failure marks nothing gone;
4. with a GitHub token, enrich what changed (GraphQL, 50 repositories a request);
5. close the run: succeeded, failed (with why), or interrupted (resumable); after a
   complete success, delete the forge's stored answers (ETags) the run did not use.

A failure of one owner (404, 403, HTML, invalid JSON, a pagination loop, a page too
large) fails that owner and the others go on; the forge's run then ends ``failed``.
Signs that the whole forge is down or out of budget (three owners in a row unreachable
or answering 5xx, or a rate limit too long to wait) stop that forge, not the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from communs.forges.base import Adapter
from communs.forges.errors import (
    BadResponse,
    ForgeError,
    NotFound,
    NotSupported,
    PaginationLoop,
    RateLimited,
    ServerError,
    Unreachable,
)
from communs.forges.github import GitHub
from communs.forges.github_graphql import OwnerMissing
from communs.forges.gitlab import GitLab
from communs.forges.http import ForgeClient
from communs.forges.records import RepositoryRecord
from communs.forges.registry import adapter_class
from communs.forges.stats import RequestCounts
from communs.harvest import store
from communs.harvest.etags import DatabaseETagStore, prune_responses
from communs.harvest.fields import ALWAYS_KEPT, COMPLETED_BY_FETCH, kept_fields
from communs.harvest.models import HarvestRun
from communs.harvest.plan import WHOLE_INSTANCE, ForgePlan
from communs.harvest.progress import ForgeProgress, Progress
from communs.harvest.state import GRAPHQL_CURSOR, Step
from communs.harvest.stats import CURRENT_FORGE, ForgeStats
from communs.harvest.writer import DatabaseThread
from communs.repositories.storage import UpsertCounts

logger = logging.getLogger(__name__)

# Repositories fetched at once when checking those an owner no longer lists.
CHECK_BATCH = 50
# Repositories per GraphQL enrichment request (GitHub's node limits allow about this).
ENRICH_BATCH = 50
# Owners per GraphQL listing request: GitHub's node limit (500,000 per query) allows 70
# at 7,102 nodes each (github_graphql.py); 50 leaves room.
OWNER_BATCH = 50
# Owners per GraphQL probe (two repositories and a count each): 500 nodes and 5 points
# for 250 owners, far below GitHub's limits (500,000 nodes); the fewer probes, the more
# of a refresh with nothing changed is conditional REST and GitLab requests (304s).
PROBE_BATCH = 250
# A probe that says "unchanged" cannot see a repository swapped for another with older
# dates in the same owner; a complete listing this old is redone anyway.
FULL_LISTING_AFTER = timedelta(days=7)
# This many GraphQL listing batches in a row failing as a whole send the rest to REST.
GRAPHQL_GIVE_UP_AFTER = 2
# This many owners in a row failing for forge-wide reasons stop the forge.
FORGE_DOWN_AFTER = 3
FORGE_WIDE = (Unreachable, ServerError)

Call = Callable[..., Awaitable[Any]]


@dataclass
class _Listing:
    """One owner's listing in this process: pages saved, and the result of the last."""

    record_entry: bool
    pages: int = 0
    last: store.PageResult | None = None


class ForgeAbort(Exception):
    """The whole forge cannot be harvested now (down, out of budget, unsupported)."""


@dataclass
class ForgeOutcome:
    """How one forge's harvest ended, for the summary and the exit status."""

    host: str
    status: str  # a HarvestRun status, or "busy" when another process holds the forge
    message: str = ""
    run_id: int | None = None
    counts: dict[str, int] = field(default_factory=dict)
    owners: int = 0
    owners_done: int = 0
    seconds: float = 0.0

    @property
    def failed(self) -> bool:
        return self.status == HarvestRun.Status.FAILED


@dataclass
class HarvestResult:
    outcomes: list[ForgeOutcome]
    interrupted: bool = False
    stats: ForgeStats | None = None

    @property
    def failed(self) -> list[ForgeOutcome]:
        return [outcome for outcome in self.outcomes if outcome.failed]


def harvest(
    plans: Sequence[ForgePlan],
    *,
    tokens: Mapping[str, Sequence[str]] | None = None,
    progress: Progress | None = None,
    install_signals: bool = False,
    **client_options: Any,
) -> HarvestResult:
    """Harvest the forges of ``plans`` concurrently; returns each one's outcome.

    Database work runs in the calling thread. ``client_options`` go to
    :class:`ForgeClient` (``per_host``, ``contact``; tests pass ``transport``, ``sleep``,
    ``clock``). With ``install_signals`` (the command, in the main thread), SIGINT and
    SIGTERM stop the harvest cleanly: runs end ``interrupted`` and resume next time.
    """
    thread = DatabaseThread()
    stats = ForgeStats()
    interrupted = False

    async def main() -> list[ForgeOutcome]:
        nonlocal interrupted
        etags = DatabaseETagStore(thread.call)
        async with ForgeClient(tokens=tokens, etags=etags, **client_options) as client:
            client.stats = stats
            drawing = None
            if progress is not None:
                progress.requests = stats.for_forge
                for plan in plans:
                    progress.forge(plan.host).owners = len(plan.owners)
                drawing = asyncio.create_task(progress.run())
            tasks = [
                asyncio.create_task(_run_forge(plan, client, thread.call, progress))
                for plan in plans
            ]
            try:
                await asyncio.wait(tasks)
            except asyncio.CancelledError:
                interrupted = True
                for task in tasks:
                    task.cancel()
                # Each forge closes its run as interrupted before it ends.
                await asyncio.wait(tasks)
            finally:
                if drawing is not None:
                    drawing.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await drawing
            return [task.result() for task in tasks]

    with _signals(thread, install_signals):
        outcomes = thread.run(main)
    return HarvestResult(outcomes, interrupted, stats)


@contextlib.contextmanager
def _signals(thread: DatabaseThread, install: bool) -> Iterator[None]:
    """SIGINT and SIGTERM cancel the harvest; a second one stops at once (the default)."""
    if not install or threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(number: int, frame: object) -> None:
        logger.warning("signal %s: stopping the harvest; runs will resume next time", number)
        signal.signal(number, signal.SIG_DFL)
        thread.cancel()

    with stop_signals_handled_by(stop):
        yield


@contextlib.contextmanager
def stop_signals_handled_by(handler: Callable[[int, Any], None]) -> Iterator[None]:
    """SIGINT and SIGTERM go to ``handler`` inside the block; the previous handlers after."""
    previous = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
    for number in previous:
        signal.signal(number, handler)
    try:
        yield
    finally:
        for number, former in previous.items():
            signal.signal(number, former)


async def _run_forge(
    plan: ForgePlan, client: ForgeClient, call: Call, progress: Progress | None
) -> ForgeOutcome:
    # Set in this task's own context: the client's counts of this task go to this forge.
    CURRENT_FORGE.set(plan.host)
    display = progress.forge(plan.host) if progress is not None else ForgeProgress(plan.host)
    display.owners = len(plan.owners)
    forge = ForgeHarvest(plan, client, call, display)
    try:
        return await forge.run()
    except asyncio.CancelledError:
        # Stopped outside the listing (claiming the run, closing it, pruning): whatever
        # was saved stays, and a run left open is resumed by the next harvest.
        return ForgeOutcome(plan.host, HarvestRun.Status.INTERRUPTED, seconds=forge._seconds())
    finally:
        display.finished = True


class ForgeHarvest:
    """One forge's harvest (see the module docstring for its steps)."""

    def __init__(
        self, plan: ForgePlan, client: ForgeClient, call: Call, display: ForgeProgress
    ) -> None:
        self.plan = plan
        self.client = client
        self.call = call
        self.display = display
        self.handle: store.RunHandle | None = None
        self.adapter: Adapter | None = None
        self.abort_reason = ""
        self.failures: dict[str, str] = {}
        self.forge_wide_in_a_row = 0
        self.started = time.monotonic()
        # Owners to list by REST from their first page (a GraphQL batch failed for them).
        self.restart: set[str] = set()
        # Owner -> its fingerprint from this run's first page, saved once it is done.
        self.fingerprints: dict[str, str | None] = {}
        self.graphql_cursors: dict[str, set[str]] = {}
        self.batch_failures_in_a_row = 0

    # The whole run.

    async def run(self) -> ForgeOutcome:
        plan = self.plan
        if plan.problem:
            run = await self.call(store.fail_without_run, plan, plan.problem)
            return self._outcome(run)
        try:
            self.handle = await self.call(store.open_run, plan)
        except store.ForgeBusy as busy:
            return ForgeOutcome(plan.host, "busy", str(busy), seconds=self._seconds())
        except Exception as error:
            # The database refused (locked, gone): this forge cannot start; others may.
            logger.exception("cannot start the harvest of %s", plan.host)
            message = f"cannot start: {type(error).__name__}: {error}"
            return ForgeOutcome(plan.host, HarvestRun.Status.FAILED, message)
        self.display.owners_done = len(self.handle.state.done)
        adapter = adapter_class(plan.kind)(self.client, plan.url, plan.api_url)
        self.adapter = adapter
        status, message = HarvestRun.Status.SUCCEEDED, ""
        try:
            method = "list_instance" if plan.whole else "list_owner"
            reason = adapter.why_not(method)
            if reason:
                raise ForgeAbort(reason)
            await self.list_owners()
            if self.abort_reason:
                raise ForgeAbort(self.abort_reason)
            await self.enrich()
            if self.failures:
                status = HarvestRun.Status.FAILED
        except ForgeAbort as abort:
            status, message = HarvestRun.Status.FAILED, str(abort)
        except store.LostClaim as lost:
            # Another process resumed this run: it owns it now; write nothing more.
            return ForgeOutcome(plan.host, "busy", str(lost), seconds=self._seconds())
        except asyncio.CancelledError:
            status = HarvestRun.Status.INTERRUPTED
        except Exception as error:
            logger.exception("harvest of %s failed", plan.host)
            status = HarvestRun.Status.FAILED
            message = f"{type(error).__name__}: {error}"
        try:
            run = await self.call(
                store.finish_run, self.handle, status, message, stats=self.stats()
            )
        except store.LostClaim as lost:
            return ForgeOutcome(plan.host, "busy", str(lost), seconds=self._seconds())
        await self.prune(run)
        return self._outcome(run)

    async def prune(self, run: HarvestRun) -> None:
        """After a complete success, drop the stored answers this run did not use."""
        etags = self.client.etags
        assert self.handle is not None
        if (
            run.status != HarvestRun.Status.SUCCEEDED
            or self.handle.resumed
            or self.plan.only is not None
            or not isinstance(etags, DatabaseETagStore)
        ):
            return
        used = etags.used.get(self.plan.host, set())
        prefixes = [self.plan.api_url]
        if isinstance(self.adapter, GitLab):
            # Its GraphQL answers live beside the REST API (URL/api/graphql?query=…).
            prefixes.append(self.adapter.graphql_url + "?")
        try:
            pruned = 0
            for prefix in prefixes:
                pruned += await self.call(prune_responses, prefix, used)
        except Exception:
            # Pruning is housekeeping: the run's data are stored whatever happens here.
            logger.exception("%s: cannot prune stored answers", self.plan.host)
            return
        if pruned:
            logger.info("%s: %d stored answers no longer used, deleted", self.plan.host, pruned)

    def _outcome(self, run: HarvestRun) -> ForgeOutcome:
        return ForgeOutcome(
            self.plan.host,
            run.status,
            run.error,
            run.pk,
            run.counts(),
            owners=run.owners,
            owners_done=run.owners_done,
            seconds=self._seconds(),
        )

    def _seconds(self) -> float:
        return time.monotonic() - self.started

    def stats(self) -> RequestCounts:
        return self.client.stats.for_forge(self.plan.host)  # type: ignore[attr-defined]

    # Owners.

    def batched(self) -> bool:
        """Whether owners are listed many at a time (GitHub GraphQL with a token, GitLab
        GraphQL always)."""
        adapter = self.adapter
        if self.plan.whole:
            return False
        if isinstance(adapter, GitLab):
            return adapter.batches_owners
        return isinstance(adapter, GitHub) and self.client.has_token(adapter.graphql_url)

    def batch_size(self) -> int:
        if isinstance(self.adapter, GitLab):
            return self.adapter.owners_per_request()
        return OWNER_BATCH

    async def list_owners(self) -> None:
        assert self.handle is not None
        pending = [o for o in self.plan.owners if self.handle.state.step(o) != Step.DONE]
        if self.batched():
            pending = await self.list_batched(pending)
        waiting = deque(pending)

        async def worker() -> None:
            while waiting and not self.abort_reason:
                await self.harvest_owner(waiting.popleft())

        # A few owners at a time: the client bounds requests per host anyway.
        await _in_parallel(worker, min(self.client.per_host, len(waiting)))

    async def harvest_owner(self, owner: str) -> None:
        assert self.handle is not None
        step = self.handle.state.step(owner)
        if owner in self.restart:
            step = Step.START
        if step in (Step.START, Step.LISTING):
            last = await self.list_owner(owner, step)
            if last is None:
                return  # failed, and recorded
            if not last.done:
                await self.check_missing(owner, last.missing)
        else:
            # Listed by the run this one resumes; the check of what it no longer lists was
            # under way (what was checked is seen or gone by now, so it is not asked again).
            missing = await self.call(store.missing_repositories, self.handle, owner)
            await self.check_missing(owner, missing)
        self.display.owners_done += 1

    async def list_owner(self, owner: str, step: Step) -> store.PageResult | None:
        """List ``owner`` to its last page; its result, or None when it failed (recorded)."""
        assert self.handle is not None
        state = self.handle.state
        if step == Step.LISTING and (state.cursor(owner) or "").startswith(GRAPHQL_CURSOR):
            # Listed by GraphQL by a process that had a token: REST starts over.
            step = Step.START
        if step == Step.LISTING:
            cursor = state.cursor(owner)
        else:
            # The URL that answered last time (a user's rather than an organisation's):
            # asked directly, it is one request, and a conditional one.
            cursor = state.entry(owner) if owner != WHOLE_INSTANCE else None
        listing = _Listing(record_entry=step == Step.START)
        try:
            try:
                await self.list_pages(owner, cursor, listing)
            except NotFound:
                if not (step == Step.START and cursor) or listing.pages:
                    raise
                logger.info("%s: %s moved; listing it from the start", self.plan.host, owner)
                await self.list_pages(owner, None, listing)
        except ForgeError as error:
            await self.owner_failed(owner, error)
            return None
        self.forge_wide_in_a_row = 0
        if listing.last is None:
            # The adapter ended without a last page: find what is missing all the same.
            missing = await self.call(store.missing_repositories, self.handle, owner)
            return store.PageResult(UpsertCounts(), missing)
        return listing.last

    async def list_pages(self, owner: str, cursor: str | None, listing: _Listing) -> None:
        assert self.handle is not None and self.adapter is not None
        whole = owner == WHOLE_INSTANCE
        method = "list_instance" if whole else "list_owner"
        keep = kept_fields(self.plan.kind, method)
        complete = (self.plan.kind, method) in COMPLETED_BY_FETCH
        pages = (
            self.adapter.list_instance(cursor) if whole else self.adapter.list_owner(owner, cursor)
        )
        async with contextlib.aclosing(pages) as iterator:  # type: ignore[type-var]
            async for page in iterator:
                records = await self.complete(page.records) if complete else page.records
                records = [r for r in records if not self.plan.scope.excludes(r.full_path)]
                first = listing.record_entry and not whole and not listing.pages
                result = await self.call(
                    store.commit_page,
                    self.handle,
                    owner,
                    records,
                    page.next_cursor,
                    entry=page.url if first else None,
                    keep=keep,
                    stats=self.stats(),
                    # Completed records were fetched one by one: the page's 304 says
                    # nothing of them.
                    not_modified=page.not_modified and not complete,
                )
                listing.pages += 1
                if page.next_cursor is None:
                    listing.last = result
                self.display.repositories += result.counts.total

    # Owners many at a time (GitHub GraphQL).

    async def list_batched(self, owners: list[str]) -> list[str]:
        """Probe and list ``owners`` by GraphQL; returns those left to the REST path
        (being checked, listed by REST when interrupted, or in a batch that failed)."""
        assert self.handle is not None
        state = self.handle.state
        fresh_since = datetime.now(UTC) - FULL_LISTING_AFTER
        rest: list[str] = []
        probe: list[str] = []
        queue: deque[tuple[str, str | None]] = deque()
        for owner in owners:
            here = state.of(owner)
            if here.step == Step.START:
                if not isinstance(self.adapter, GitLab) and state.fingerprint(owner, fresh_since):
                    probe.append(owner)
                else:
                    queue.append((owner, None))
            elif here.step == Step.LISTING and here.cursor.startswith(GRAPHQL_CURSOR):
                queue.append((owner, here.cursor[len(GRAPHQL_CURSOR) :]))
            else:
                rest.append(owner)
        for start in range(0, len(probe), PROBE_BATCH):
            if self.abort_reason:
                return []
            await self.probe(probe[start : start + PROBE_BATCH], queue, fresh_since)
        if isinstance(self.adapter, GitLab):
            await self.list_rounds(list(queue), rest)
            return rest

        async def worker() -> None:
            while queue and not self.abort_reason:
                batch = [queue.popleft() for _ in range(min(OWNER_BATCH, len(queue)))]
                await self.list_batch(batch, queue, rest)

        await _in_parallel(worker, min(self.client.per_host, -(-len(queue) // OWNER_BATCH)))
        return rest

    async def list_rounds(self, round_: list[tuple[str, str | None]], rest: list[str]) -> None:
        """List owners in rounds: the batches of a round are cut from its owners in the
        plan's order, and the next pages of a round form the next one. Unchanged owners
        thus give the same batches, hence the same queries, as last time: 304s."""
        order = {owner: index for index, owner in enumerate(self.plan.owners)}
        while round_ and not self.abort_reason:
            round_.sort(key=lambda item: order.get(item[0], len(order)))
            size = self.batch_size()
            batches = deque(round_[start : start + size] for start in range(0, len(round_), size))
            following: deque[tuple[str, str | None]] = deque()

            async def worker(
                batches: deque[list[tuple[str, str | None]]] = batches,
                following: deque[tuple[str, str | None]] = following,
            ) -> None:
                while batches and not self.abort_reason:
                    batch = batches.popleft()
                    if self.batch_failures_in_a_row >= GRAPHQL_GIVE_UP_AFTER:
                        # GraphQL keeps failing here (an old GitLab, a proxy): REST it is.
                        for owner, _ in batch:
                            self.restart.add(owner)
                            rest.append(owner)
                        continue
                    await self.list_batch(batch, following, rest)

            await _in_parallel(worker, min(self.client.per_host, len(batches)))
            round_ = list(following)

    async def graphql(self, request: Awaitable[Any], what: str) -> Any:
        """The answer of a GraphQL ``request``, or None when it failed: a spent budget
        stops the forge (``abort_reason``), any other failure is the caller's to route."""
        try:
            return await request
        except RateLimited as error:
            self.abort_reason = str(error)
        except ForgeError as error:
            logger.info("%s: a GraphQL %s failed: %s", self.plan.host, what, error)
        return None

    async def probe(
        self, owners: list[str], queue: deque[tuple[str, str | None]], fresh_since: datetime
    ) -> None:
        """Mark done each owner whose fingerprint did not move; queue the others."""
        assert self.handle is not None and isinstance(self.adapter, GitHub)
        found = await self.graphql(self.adapter.probe_owners(owners), "probe")
        if found is None:
            if self.abort_reason:
                return
            found = {}
        for owner in owners:
            now = found.get(owner)
            if now is not None and now == self.handle.state.fingerprint(owner, fresh_since):
                marked = await self.call(
                    store.commit_unchanged_owner, self.handle, owner, stats=self.stats()
                )
                self.display.repositories += marked
                self.display.owners_done += 1
            else:
                queue.append((owner, None))

    async def list_batch(
        self,
        batch: list[tuple[str, str | None]],
        queue: deque[tuple[str, str | None]],
        rest: list[str],
    ) -> None:
        """One GraphQL request for ``batch``; each owner's page saved, its next queued."""
        assert self.handle is not None and isinstance(self.adapter, (GitHub, GitLab))
        pages = await self.graphql(self.adapter.list_owners_batch(batch), "listing")
        if pages is None:
            if not self.abort_reason:
                # The whole request failed (after retries): each owner goes on alone, by REST.
                self.batch_failures_in_a_row += 1
                for owner, _ in batch:
                    self.restart.add(owner)
                    rest.append(owner)
            return
        self.batch_failures_in_a_row = 0
        gitlab = isinstance(self.adapter, GitLab)
        keep = kept_fields(self.plan.kind, "list_owner") if gitlab else ALWAYS_KEPT
        listed: list[store.OwnerPage] = []
        cursors: list[str | None] = []
        for owner, cursor in batch:
            page = pages[owner]
            if isinstance(page, OwnerMissing) and gitlab and not page.gone:
                # GitLab answered for the others but not for this one: REST may.
                logger.info("%s: %s by GraphQL: %s; by REST then", self.plan.host, owner, page)
                self.restart.add(owner)
                rest.append(owner)
                continue
            if isinstance(page, OwnerMissing):
                error: ForgeError = (
                    NotFound(str(page), status=404) if page.gone else BadResponse(str(page))
                )
                await self.owner_failed(owner, error)
                continue
            seen = self.graphql_cursors.setdefault(owner, set())
            if page.end_cursor is not None and page.end_cursor in seen:
                await self.owner_failed(
                    owner, PaginationLoop(f"the cursor {page.end_cursor} came back")
                )
                continue
            if cursor is None:
                self.fingerprints[owner] = page.fingerprint
            listed.append(
                store.OwnerPage(
                    owner,
                    [r for r in page.records if not self.plan.scope.excludes(r.full_path)],
                    GRAPHQL_CURSOR + page.end_cursor if page.end_cursor else None,
                    not_modified=page.not_modified,
                    extras=page.extras,
                    # Saved with the page when it completes the owner.
                    fingerprint=None if page.end_cursor else self.fingerprints.get(owner),
                )
            )
            cursors.append(page.end_cursor)
        if not listed:
            return
        # Every owner's page of this answer in one transaction, each with its cursor.
        results = await self.call(
            store.commit_pages, self.handle, listed, keep=keep, stats=self.stats()
        )
        self.forge_wide_in_a_row = 0
        self.display.repositories += results[0].counts.total
        for item, end_cursor, result in zip(listed, cursors, results, strict=True):
            owner = item.owner
            if end_cursor is not None:
                self.graphql_cursors[owner].add(end_cursor)
                queue.append((owner, end_cursor))
                continue
            if not result.done:
                await self.check_missing(owner, result.missing)
            self.display.owners_done += 1
            fingerprint = self.fingerprints.pop(owner, None)
            if fingerprint and not result.done:
                await self.call(store.save_fingerprint, self.handle, owner, fingerprint)

    async def complete(self, records: list[RepositoryRecord]) -> list[RepositoryRecord]:
        """Each short record replaced by its repository's own answer (None: dropped)."""
        assert self.adapter is not None
        adapter = self.adapter

        async def one(record: RepositoryRecord) -> RepositoryRecord | None:
            try:
                return await adapter.fetch_repository(record.full_path)
            except ForgeError as error:
                # The short record is still worth storing; its gaps keep stored values.
                logger.info("%s: cannot complete %s: %s", self.plan.host, record.full_path, error)
                return record

        found = await asyncio.gather(*(one(record) for record in records))
        return [record for record in found if record is not None]

    async def owner_failed(self, owner: str, error: ForgeError) -> None:
        assert self.handle is not None
        reason = str(error)
        # Info, not warning: the summary and the exit status name every failed owner.
        logger.info("%s: %s failed: %s", self.plan.host, owner or "*", reason)
        self.failures[owner] = reason
        self.display.owners_failed += 1
        await self.call(
            store.commit_owner_failure,
            self.handle,
            owner,
            reason,
            forget_entry=isinstance(error, NotFound),
            stats=self.stats(),
        )
        if isinstance(error, RateLimited):
            self.abort_reason = reason
        elif isinstance(error, FORGE_WIDE):
            self.forge_wide_in_a_row += 1
            if self.forge_wide_in_a_row >= FORGE_DOWN_AFTER:
                self.abort_reason = f"{FORGE_DOWN_AFTER} owners in a row failed: {reason}"
        else:
            self.forge_wide_in_a_row = 0

    # Repositories no longer listed.

    async def check_missing(self, owner: str, candidates: list[tuple[int, str]]) -> None:
        """Ask the forge for each repository ``owner`` no longer lists; the last commit
        marks the owner done (even with nothing to ask)."""
        assert self.handle is not None
        batches = [
            candidates[start : start + CHECK_BATCH]
            for start in range(0, len(candidates), CHECK_BATCH)
        ] or [[]]
        for index, batch in enumerate(batches):
            answers = await asyncio.gather(*(self.check_one(pk, path) for pk, path in batch))
            await self.call(
                store.commit_check,
                self.handle,
                owner,
                [(pk, record) for pk, record, known in answers if known],
                last=index == len(batches) - 1,
                stats=self.stats(),
            )

    async def check_one(self, pk: int, full_path: str) -> tuple[int, RepositoryRecord | None, bool]:
        """What the forge says of ``full_path``: ``(pk, record or None, whether we know)``."""
        assert self.adapter is not None
        try:
            return pk, await self.adapter.fetch_repository(full_path), True
        except NotSupported:
            # No way to ask: the complete listing is all there is to go by.
            return pk, None, True
        except ForgeError as error:
            logger.info("%s: cannot check %s: %s", self.plan.host, full_path, error)
            return pk, None, False

    # Enrichment.

    async def enrich(self) -> None:
        adapter = self.adapter
        if not isinstance(adapter, GitHub) or not self.client.has_token(adapter.graphql_url):
            return
        assert self.handle is not None
        after = 0
        while True:
            batch = await self.call(store.pending_enrichment, self.handle, after, ENRICH_BATCH)
            if not batch:
                return
            after = batch[-1][0]
            records = [RepositoryRecord(full_path=path, url="") for _, path in batch]
            try:
                extras = await adapter.enrich(records, batch_size=ENRICH_BATCH)
            except (ForgeError, ValueError) as error:
                raise ForgeAbort(f"enrichment failed: {error}") from error
            await self.call(
                store.commit_enrichment,
                self.handle,
                [(pk, extras.get(path)) for pk, path in batch],
                stats=self.stats(),
            )


async def _in_parallel(worker: Callable[[], Awaitable[None]], count: int) -> None:
    """Run ``count`` (at least one) copies of ``worker`` until all end; the first error
    of one (a lost claim, a bug) stops the others and is raised."""
    try:
        async with asyncio.TaskGroup() as group:
            for _ in range(max(1, count)):
                group.create_task(worker())
    except BaseExceptionGroup as group:
        raise group.exceptions[0] from None
