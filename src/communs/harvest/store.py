"""Every database read and write of a harvest, each write one transaction.

These functions run in the harvest's database thread (:mod:`communs.harvest.writer`),
never inside the event loop. A run is driven through a :class:`RunHandle`, which holds
the claim its process took on the run: each write re-reads the run row, locked, and
goes on only if the claim is still this process's (:class:`LostClaim` otherwise), so a
second process that took the run over cannot have its cursor moved backwards.

The write that matters most is :func:`commit_page`: a page's repositories, the advanced
cursor and the run's counts are saved together, so that a process killed at any point
leaves either the page and its cursor, or neither.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F, Q, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from communs.forges.github_graphql import RepositoryExtras
from communs.forges.records import RepositoryRecord
from communs.forges.registry import ADAPTERS, adapter_class, adapter_kind
from communs.forges.stats import RequestCounts
from communs.harvest.fields import ALWAYS_KEPT
from communs.harvest.models import HarvestRun, ListingEntry, OwnerProgress, PendingIndex
from communs.harvest.plan import AccountEntry, AccountScope, ForgePlan, owners_to_list
from communs.harvest.state import HarvestState, OwnerState, Step, owner_key
from communs.repositories.models import Repository
from communs.repositories.storage import (
    AccountResolver,
    UpsertCounts,
    upsert_repositories,
    write_fields,
)
from communs.search.indexing import reindex_repositories
from communs.sources.models import Forge, ForgeScope

logger = logging.getLogger(__name__)

# A running run on another machine whose last save is older than this was abandoned.
STALE_AFTER = timedelta(hours=2)
STATS_FIELDS = ("requests", "not_modified", "retries", "errors")
# The repository fields GitHub GraphQL extras fill.
EXTRA_FIELDS = ("enriched_at", "root_files", "languages", "latest_release", "watchers")


class LostClaim(Exception):
    """Another process took this run over: this one must stop writing to it."""


class ForgeBusy(Exception):
    """The forge is being harvested by another process that is still alive."""


class PlanError(ValueError):
    """The forges or owners asked for do not exist (the message says which)."""


@dataclass
class RunHandle:
    """A run as its process holds it. Made and used in the database thread only, but
    passed through the event loop, which reads ``state`` (as it was when claimed)."""

    pk: int
    claim: str
    forge: Forge
    started_at: datetime
    state: HarvestState
    resumed: bool
    resolver: AccountResolver
    scope: AccountScope
    # Owner path (lowercased) -> ids of its account and its sub-groups' accounts: an
    # owner's repositories are found by account.
    accounts: dict[str, list[int]] = field(default_factory=dict)
    # Owner path -> live rows without an account under it, read when first needed.
    orphans: dict[str, list[int]] | None = None
    # The request counts the run had before this process took it.
    base: dict[str, int] = field(default_factory=dict)


# Planning.


def build_plans(
    hosts: Sequence[str] = (), owners: Sequence[str] | None = None
) -> tuple[list[ForgePlan], list[str]]:
    """The plans of the forges to harvest, and notes on what is left out and why.

    ``hosts`` (forge host keys) narrows to those forges; ``owners`` to those accounts.
    Raises :class:`PlanError` for a host that is not a forge, or owners that no harvested
    forge has.
    """
    forges = list(Forge.objects.order_by("host"))
    notes: list[str] = []
    if hosts:
        by_host = {forge.host.lower(): forge for forge in forges}
        unknown = [host for host in hosts if host.lower().strip("/") not in by_host]
        if unknown:
            raise PlanError(
                _("no forge %(hosts)s; known forges: %(known)s")
                % {"hosts": ", ".join(unknown), "known": ", ".join(sorted(by_host)) or "-"}
            )
        forges = [by_host[host.lower().strip("/")] for host in dict.fromkeys(hosts)]
    plans: list[ForgePlan] = []
    matched: set[str] = set()
    for forge in forges:
        if forge.ignored_since is not None:
            notes.append(
                _("%(host)s is ignored since %(date)s")
                % {"host": forge.host, "date": forge.ignored_since}
            )
            continue
        accounts = [
            AccountEntry(path, ignored is not None)
            for path, ignored in forge.accounts.values_list("path", "ignored_since")
        ]
        plan = _plan(forge, accounts, owners)
        if owners is not None:
            found = {owner_key(o) for o in plan.owners}
            matched |= found
            if not found:
                continue
        if not plan.owners and not plan.problem:
            notes.append(_("%(host)s has no owner to harvest") % {"host": forge.host})
            continue
        plans.append(plan)
    if owners is not None:
        missing = [o for o in owners if owner_key(o) not in matched]
        if missing and not plans:
            raise PlanError(_("no harvested account %(owners)s") % {"owners": ", ".join(missing)})
        for owner in missing:
            notes.append(_("no harvested account %(owners)s") % {"owners": owner})
    return plans, notes


def _plan(forge: Forge, accounts: list[AccountEntry], owners: Sequence[str] | None) -> ForgePlan:
    key = adapter_kind(forge.kind, forge.api_url)
    plan = ForgePlan(
        forge_id=forge.pk,
        host=forge.host,
        kind=key,
        url=forge.url,
        api_url=forge.api_url,
        owners=[],
        scope=AccountScope(accounts),
        only=sorted(owner_key(o) for o in owners) if owners is not None else None,
    )
    if key not in ADAPTERS:
        # Stored in the run's error: in English, like the forges' own messages.
        plan.problem = f"no adapter for forge kind {forge.kind!r}"
        return plan
    # A whole forge is listed whole only when its adapter can (SourceHut cannot).
    whole = forge.scope == ForgeScope.INSTANCE and "list_instance" not in (
        adapter_class(key).unsupported
    )
    plan.owners = owners_to_list(accounts, adapter_kind=key, whole=whole, only=owners)
    return plan


# Claiming a run.


def _under_owners(items: Iterable[tuple[str, int]], *, itself: bool = True) -> dict[str, list[int]]:
    """Each ``(path, id)`` filed under every owner path above it (and under itself):
    ``group/sub`` under ``group/sub`` and ``group``. Built once per run, so that finding
    an owner's rows costs a lookup, not a pass over every account."""
    index: dict[str, list[int]] = {}
    for path, pk in items:
        parts = owner_key(path).split("/")
        if not itself:
            parts.pop()
        while parts:
            index.setdefault("/".join(parts), []).append(pk)
            parts.pop()
    return index


def _alive(run: HarvestRun, hostname: str, now: datetime) -> bool:
    """Whether the process holding ``run`` may still be working on it."""
    if run.hostname == hostname and run.pid:
        if run.pid == os.getpid():
            # This process does not harvest one forge twice at once: a leftover.
            return False
        try:
            os.kill(run.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    last = run.heartbeat_at or run.started_at
    return now - last < STALE_AFTER


def open_run(plan: ForgePlan) -> RunHandle:
    """Claim the forge's resumable run, or start a new one; :class:`ForgeBusy` if taken.

    A resumable run (not finished: interrupted, or running in a process that is gone)
    is resumed when it was asked for the same owners; others are closed as superseded,
    so that only one run of a forge is ever open.
    """
    hostname = socket.gethostname()
    now = timezone.now()
    forge = Forge.objects.get(pk=plan.forge_id)
    with transaction.atomic():
        unfinished = list(
            HarvestRun.objects.select_for_update()
            .filter(forge=forge, finished_at__isnull=True)
            .exclude(status__in=[HarvestRun.Status.SUCCEEDED, HarvestRun.Status.FAILED])
            .order_by("-started_at", "-pk")
        )
        for run in unfinished:
            if run.status == HarvestRun.Status.RUNNING and _alive(run, hostname, now):
                raise ForgeBusy(
                    _("%(host)s is being harvested by process %(pid)s on %(machine)s")
                    % {"host": forge.host, "pid": run.pid, "machine": run.hostname}
                )
        resumed: HarvestRun | None = None
        for run in unfinished:
            if resumed is None and run.only == plan.only:
                resumed = run
                continue
            run.status = HarvestRun.Status.INTERRUPTED
            run.finished_at = now
            run.error = (run.error + "\n" if run.error else "") + "superseded by a later run"
            run.save(update_fields=["status", "finished_at", "error"])
        if resumed is not None:
            run = resumed
            run.resumptions += 1
            # Owners that failed get another try.
            run.progress.filter(step=OwnerProgress.Step.FAILED).delete()
        else:
            run = HarvestRun(forge=forge, started_at=now, only=plan.only)
        run.status = HarvestRun.Status.RUNNING
        run.owners = len(plan.owners)
        run.owners_failed = 0
        run.claim = uuid.uuid4().hex
        run.hostname = hostname
        run.pid = os.getpid()
        run.heartbeat_at = now
        run.save()
        state = HarvestState(
            owners={
                owner: OwnerState(Step(step), cursor, reason)
                for owner, step, cursor, reason in run.progress.values_list(
                    "owner", "step", "cursor", "reason"
                )
            },
            entries={
                owner: url
                for owner, url in forge.listing_entries.values_list("owner", "url")
                if url
            },
            fingerprints={
                owner: (fingerprint, when)
                for owner, fingerprint, when in forge.listing_entries.filter(
                    fingerprinted_at__isnull=False
                ).values_list("owner", "fingerprint", "fingerprinted_at")
                if fingerprint
            },
        )
    return RunHandle(
        pk=run.pk,
        claim=run.claim,
        forge=forge,
        started_at=run.started_at,
        state=state,
        resumed=resumed is not None,
        resolver=AccountResolver(forge),
        scope=plan.scope,
        accounts=_under_owners((path, pk) for pk, path in forge.accounts.values_list("pk", "path")),
        base={name: getattr(run, name) for name in STATS_FIELDS},
    )


def _bump(handle: RunHandle, stats: RequestCounts, **changes: Any) -> None:
    """Add to the run's counts, set its request counts and heartbeat, and any field in
    ``changes`` (an int is added, anything else set); :class:`LostClaim` if another
    process holds the run. Called last in a write's transaction, so that raising there
    undoes the whole write.
    """
    values: dict[str, Any] = {
        name: handle.base.get(name, 0) + getattr(stats, name) for name in STATS_FIELDS
    }
    for name, value in changes.items():
        if isinstance(value, int) and not isinstance(value, bool):
            if value:
                values[name] = F(name) + value
        else:
            values[name] = value
    values["heartbeat_at"] = timezone.now()
    # The claim check and the write are one conditional UPDATE: on PostgreSQL it also
    # locks the run row until the transaction ends, as select_for_update would.
    if not HarvestRun.objects.filter(pk=handle.pk, claim=handle.claim).update(**values):
        raise LostClaim(f"run {handle.pk} of {handle.forge.host} was taken over")


def _set_progress(handle: RunHandle, owner: str, state: OwnerState) -> None:
    """Write ``owner``'s step (one query: the next step does not depend on the last)."""
    fields = {
        "step": state.step.value,
        "cursor": state.cursor,
        "reason": state.reason,
        "updated_at": timezone.now(),
    }
    key = owner_key(owner)
    if not OwnerProgress.objects.filter(run_id=handle.pk, owner=key).update(**fields):
        OwnerProgress.objects.create(run_id=handle.pk, owner=key, **fields)


def _counts(counts: UpsertCounts) -> dict[str, int]:
    return {
        "new": counts.new,
        "updated": counts.updated,
        "unchanged": counts.unchanged,
        "renamed": counts.renamed,
        "content_changed": counts.content_changed,
    }


# The listing.


@dataclass
class PageResult:
    """What saving a page did. After an owner's last page, ``missing`` lists the stored
    repositories it no longer lists (to be checked), and ``done`` says there were none."""

    counts: UpsertCounts
    missing: list[tuple[int, str]] = field(default_factory=list)
    done: bool = False


@dataclass
class OwnerPage:
    """One page of one owner, to be saved with its cursor (see :func:`commit_pages`)."""

    owner: str
    records: list[RepositoryRecord]
    next_cursor: str | None
    # The URL that answered the owner's first page, kept for the next harvest.
    entry: str | None = None
    # A 304: the forge's answer is the one stored last time.
    not_modified: bool = False
    # What GitHub GraphQL listed with the records, by full path.
    extras: dict[str, RepositoryExtras] | None = None
    # The owner's fingerprint, saved with the page that completes the owner, if it does.
    fingerprint: str | None = None


def commit_page(
    handle: RunHandle,
    owner: str,
    records: list[RepositoryRecord],
    next_cursor: str | None,
    *,
    entry: str | None,
    keep: Collection[str],
    stats: RequestCounts,
    not_modified: bool = False,
    extras: dict[str, RepositoryExtras] | None = None,
    fingerprint: str | None = None,
) -> PageResult:
    """Save a page of ``owner`` and move its cursor to ``next_cursor``, in one transaction
    (:func:`commit_pages` with one page)."""
    page = OwnerPage(owner, records, next_cursor, entry, not_modified, extras, fingerprint)
    return commit_pages(handle, [page], keep=keep, stats=stats)[0]


def commit_pages(
    handle: RunHandle,
    pages: Sequence[OwnerPage],
    *,
    keep: Collection[str],
    stats: RequestCounts,
) -> list[PageResult]:
    """Save ``pages`` (of distinct owners) and move each owner's cursor, in one transaction.

    A GraphQL answer holds a page of each of many owners: saving them together costs one
    upsert and one transaction rather than one an owner, and a process killed at any
    point still leaves each page with its cursor, or neither.

    A ``not_modified`` page only marks its repositories as seen, unless some of them are
    not stored as expected. Extras are stored as an enrichment of those repositories.
    Returns each page's result, in order; the counts of the pages' repositories are all
    in the first one's (the pages are upserted together).
    """
    results = [PageResult(UpsertCounts()) for _ in pages]
    entries: dict[str, str] = {}
    fingerprints: dict[str, tuple[str, datetime]] = {}
    with transaction.atomic():
        counts = UpsertCounts()
        to_upsert: list[RepositoryRecord] = []
        extras: dict[str, RepositoryExtras] = {}
        with_extras: list[RepositoryRecord] = []
        for page in pages:
            seen = _seen(handle, page.records) if page.not_modified else None
            if seen is None:
                to_upsert.extend(page.records)
            else:
                counts.add(seen)
            if page.extras:
                extras.update(page.extras)
                with_extras.extend(page.records)
        if to_upsert:
            counts.add(
                upsert_repositories(
                    handle.forge,
                    to_upsert,
                    harvested=True,
                    keep_when_blank=keep,
                    resolver=handle.resolver,
                )
            )
        if results:
            results[0].counts = counts
        enriched = _store_extras(handle, with_extras, extras) if extras else 0
        _to_index(counts.changed_ids)
        done = 0
        now = timezone.now()
        progress: dict[str, OwnerProgress] = {}
        for page, result in zip(pages, results, strict=True):
            owner = page.owner
            state = OwnerState().after_page(page.next_cursor)
            if state.step == Step.CHECKING:
                result.missing = _missing(handle, owner)
                if not result.missing:
                    # Nothing to check: the owner is done in this same transaction.
                    state, result.done = state.after_check(), True
                    done += 1
            progress[owner_key(owner)] = OwnerProgress(
                run_id=handle.pk,
                owner=owner_key(owner),
                step=state.step.value,
                cursor=state.cursor,
                reason=state.reason,
                updated_at=now,
            )
            if result.done and page.fingerprint:
                fingerprints[owner_key(owner)] = (page.fingerprint, now)
            if page.entry and handle.state.entry(owner) != page.entry:
                ListingEntry.objects.update_or_create(
                    forge=handle.forge, owner=owner_key(owner), defaults={"url": page.entry}
                )
                entries[owner_key(owner)] = page.entry
        # Every owner's step in one statement, and every fingerprint in another.
        OwnerProgress.objects.bulk_create(
            list(progress.values()),
            update_conflicts=True,
            unique_fields=["run", "owner"],
            update_fields=["step", "cursor", "reason", "updated_at"],
        )
        ListingEntry.objects.bulk_create(
            [
                ListingEntry(forge=handle.forge, owner=key, fingerprint=mark, fingerprinted_at=when)
                for key, (mark, when) in fingerprints.items()
            ],
            update_conflicts=True,
            unique_fields=["forge", "owner"],
            update_fields=["fingerprint", "fingerprinted_at"],
        )
        _bump(
            handle,
            stats,
            pages=len(pages),
            owners_done=done,
            enriched=enriched,
            **_counts(counts),
        )
    # The transaction is saved: the handle's state may follow it.
    handle.state.entries.update(entries)
    handle.state.fingerprints.update(fingerprints)
    return results


def _store_extras(
    handle: RunHandle, records: list[RepositoryRecord], extras: dict[str, RepositoryExtras]
) -> int:
    """Store the extras of just-upserted ``records`` (matched by id); how many were."""
    by_id = {r.native_id: extras.get(r.full_path) for r in records if r.native_id}
    rows = Repository.objects.filter(forge=handle.forge, native_id__in=list(by_id)).only(
        "native_id", *EXTRA_FIELDS
    )
    return _apply_extras([(row, by_id[row.native_id]) for row in rows])


def commit_unchanged_owner(handle: RunHandle, owner: str, *, stats: RequestCounts) -> int:
    """``owner``'s probe says nothing changed: its live repositories are marked seen and
    the owner done, without listing it. Returns how many repositories were marked."""
    with transaction.atomic():
        marked = (
            Repository.objects.filter(
                forge=handle.forge,
                gone_since__isnull=True,
                account_id__in=handle.accounts.get(owner_key(owner), []),
            )
            .order_by()
            .update(last_harvested_at=timezone.now())
        )
        _set_progress(handle, owner, OwnerState(Step.DONE))
        _bump(handle, stats, owners_done=1, unchanged=marked)
    return marked


def save_fingerprint(handle: RunHandle, owner: str, fingerprint: str) -> None:
    """Keep what the probe will compare, once ``owner`` is listed completely."""
    handle.state.fingerprints[owner_key(owner)] = (
        fingerprint,
        _write_fingerprint(handle, owner, fingerprint),
    )


def _write_fingerprint(handle: RunHandle, owner: str, fingerprint: str) -> datetime:
    now = timezone.now()
    ListingEntry.objects.update_or_create(
        forge=handle.forge,
        owner=owner_key(owner),
        defaults={"fingerprint": fingerprint, "fingerprinted_at": now},
    )
    return now


def _seen(handle: RunHandle, records: list[RepositoryRecord]) -> UpsertCounts | None:
    """Mark the stored rows of an unchanged page as seen: one UPDATE. None when some
    record has no id or no live row, or names a fork's parent its row does not hold (the
    caller then upserts the page as usual)."""
    ids = {record.native_id for record in records}
    if None in ids:
        return None
    # An answer stored before parents were kept (or a row written from a listing that
    # does not name them) would otherwise never get the parent its 304 page names.
    parents = {r.native_id: r.fork_parent_url for r in records if r.fork_parent_url}
    if parents:
        stored = Repository.objects.filter(forge=handle.forge, native_id__in=parents)
        if any(
            parents[key] != url for key, url in stored.values_list("native_id", "fork_parent_url")
        ):
            return None
    marked = Repository.objects.filter(
        forge=handle.forge, native_id__in=ids, gone_since__isnull=True
    ).update(last_harvested_at=timezone.now())
    if marked != len(ids):
        return None
    return UpsertCounts(unchanged=len(records))


def commit_owner_failure(
    handle: RunHandle, owner: str, reason: str, *, forget_entry: bool, stats: RequestCounts
) -> None:
    """Record that listing ``owner`` failed; what its pages saved stays, nothing is gone.

    ``forget_entry`` drops the owner's first-page URL (it answered 404).
    """
    with transaction.atomic():
        _set_progress(handle, owner, OwnerState().after_failure(reason))
        if forget_entry:
            ListingEntry.objects.filter(forge=handle.forge, owner=owner_key(owner)).delete()
        _bump(handle, stats, owners_failed=1)
    if forget_entry:
        handle.state.entries.pop(owner_key(owner), None)
        handle.state.fingerprints.pop(owner_key(owner), None)


def _not_seen_since(moment: datetime) -> Q:
    return Q(last_harvested_at__isnull=True) | Q(last_harvested_at__lt=moment)


def missing_repositories(handle: RunHandle, owner: str) -> list[tuple[int, str]]:
    """``(pk, full_path)`` of the stored repositories of ``owner`` (``""``: of the whole
    forge) that this run has not seen, to be checked one by one."""
    return _missing(handle, owner)


def _missing(handle: RunHandle, owner: str) -> list[tuple[int, str]]:
    # No ordering: the model's default one joins the forge table for nothing.
    live = (
        Repository.objects.filter(gone_since__isnull=True)
        .filter(_not_seen_since(handle.started_at))
        .order_by()
    )
    if not owner:
        queries = [live.filter(forge=handle.forge)]
    else:
        # By account, not by path: an owner's repositories belong to its account or to
        # one of its sub-groups', and the account index finds them without reading the
        # whole forge. Rows without an account (imported, or moved to an owner not
        # listed) are few: read once, and matched by path.
        key = owner_key(owner)
        if handle.orphans is None:
            handle.orphans = _under_owners(
                Repository.objects.filter(
                    forge=handle.forge, account__isnull=True, gone_since__isnull=True
                )
                .order_by()
                .values_list("full_path", "pk"),
                itself=False,
            )
        queries = [live.filter(account_id__in=handle.accounts.get(key, []))]
        if handle.orphans.get(key):
            queries.append(live.filter(pk__in=handle.orphans[key]))
    found = {pk: path for query in queries for pk, path in query.values_list("pk", "full_path")}
    return [(pk, found[pk]) for pk in sorted(found) if not handle.scope.excludes(found[pk])]


@dataclass
class CheckCounts:
    gone: int = 0
    counts: UpsertCounts = field(default_factory=UpsertCounts)


def commit_check(
    handle: RunHandle,
    owner: str,
    checked: Sequence[tuple[int, RepositoryRecord | None]],
    *,
    last: bool,
    stats: RequestCounts,
) -> CheckCounts:
    """Save what checking repositories no longer listed found, in one transaction.

    ``checked`` pairs each repository with what the forge answered for its path: None
    (not there) or a record (maybe under another path: renamed or transferred). Records
    are stored; then each checked repository still not seen by this run is marked gone.
    ``last`` marks ``owner`` done.
    """
    result = CheckCounts()
    with transaction.atomic():
        found = [record for _, record in checked if record is not None]
        in_scope = [record for record in found if not handle.scope.excludes(record.full_path)]
        # Moved into an ignored account: out of scope, neither stored nor gone.
        moved_out = {
            pk
            for pk, record in checked
            if record is not None and handle.scope.excludes(record.full_path)
        }
        result.counts = upsert_repositories(
            handle.forge,
            in_scope,
            harvested=True,
            keep_when_blank=ALWAYS_KEPT,
            resolver=handle.resolver,
        )
        gone = list(
            Repository.objects.filter(
                pk__in=[pk for pk, _ in checked if pk not in moved_out], gone_since__isnull=True
            )
            .filter(_not_seen_since(handle.started_at))
            .values_list("pk", flat=True)
        )
        result.gone = Repository.objects.filter(pk__in=gone).update(gone_since=timezone.now())
        _to_index([*gone, *result.counts.changed_ids])
        if last:
            _set_progress(handle, owner, OwnerState(Step.CHECKING).after_check())
        _bump(
            handle,
            stats,
            gone=result.gone,
            owners_done=int(last),
            **_counts(result.counts),
        )
    return result


# Enrichment (GitHub GraphQL).


def pending_enrichment(handle: RunHandle, after: int, limit: int) -> list[tuple[int, str]]:
    """``(pk, full_path)`` of live repositories whose content changed since they were
    last enriched (or never were), by primary key above ``after``."""
    rows = (
        Repository.objects.filter(forge=handle.forge, gone_since__isnull=True, pk__gt=after)
        .filter(
            Q(enriched_at__isnull=True)
            | Q(content_changed_at__isnull=False, enriched_at__lt=F("content_changed_at"))
        )
        .order_by("pk")
    )
    return list(rows.values_list("pk", "full_path")[:limit])


def release_json(extras: RepositoryExtras) -> dict[str, str | None] | None:
    release = extras.latest_release
    if release is None:
        return None
    return {
        "tag": release.tag,
        "name": release.name,
        "published_at": release.published_at.isoformat() if release.published_at else None,
        "url": release.url,
    }


def commit_enrichment(
    handle: RunHandle,
    items: Sequence[tuple[int, RepositoryExtras | None]],
    *,
    stats: RequestCounts,
) -> int:
    """Store what GraphQL said of each repository (None: it did not know it)."""
    with transaction.atomic():
        enriched = _write_extras(items)
        _bump(handle, stats, enriched=enriched)
    return enriched


def _write_extras(items: Sequence[tuple[int, RepositoryExtras | None]]) -> int:
    rows = Repository.objects.only(*EXTRA_FIELDS).in_bulk([pk for pk, _ in items])
    return _apply_extras([(rows[pk], extras) for pk, extras in items if pk in rows])


def _apply_extras(items: Sequence[tuple[Repository, RepositoryExtras | None]]) -> int:
    """Set and write the extras of each row (None: GraphQL did not know it, only
    ``enriched_at`` moves); how many had extras."""
    now = timezone.now()
    enriched = 0
    changed: list[int] = []
    for row, extras in items:
        before = (row.enriched_at is None, row.root_files, row.languages, row.latest_release)
        before += (row.watchers,)
        row.enriched_at = now
        if extras is not None:
            row.root_files = extras.root_files
            row.languages = extras.languages
            row.latest_release = release_json(extras)
            row.watchers = extras.watchers
            enriched += 1
        if before != (False, row.root_files, row.languages, row.latest_release, row.watchers):
            changed.append(row.pk)
    # Only what the search entry shows: a first enrichment, or extras that moved.
    _to_index(changed)
    write_fields([row for row, _ in items], EXTRA_FIELDS)
    return enriched


# The search index.


def _to_index(pks: Iterable[int]) -> None:
    """Note repositories whose search entry must be redone (in the caller's transaction)."""
    PendingIndex.objects.bulk_create(
        [PendingIndex(repository_id=pk) for pk in set(pks)], ignore_conflicts=True
    )


def index_harvested(limit: int = 5000) -> int:
    """Redo the search entries of the repositories harvests noted (stored, changed,
    enriched or marked gone), a slice at a time; how many. A gone repository's entry
    says so, and search leaves it out; one deleted since leaves the index."""
    done = 0
    while True:
        pks = list(PendingIndex.objects.order_by("pk").values_list("pk", flat=True)[:limit])
        if not pks:
            return done
        with transaction.atomic():
            reindex_repositories(pks)
            PendingIndex.objects.filter(pk__in=pks).delete()
        done += len(pks)


# The end.


def finish_run(handle: RunHandle, status: str, message: str, *, stats: RequestCounts) -> HarvestRun:
    """Close the run with ``status``; an interrupted run stays open, to be resumed.

    The error says ``message`` (a failure of the whole forge), then which owners failed.
    It is stored in English, like the forges' own messages it quotes: pages show it in
    either language, and the failed owners' ``OwnerProgress`` rows hold each reason.
    """
    with transaction.atomic():
        failed = list(
            OwnerProgress.objects.filter(run_id=handle.pk, step=OwnerProgress.Step.FAILED)
            .order_by("owner")
            .values_list("owner", "reason")
        )
        owners = HarvestRun.objects.filter(pk=handle.pk).values_list("owners", flat=True).get()
        lines = [message] if message else []
        if failed:
            lines.append(f"{len(failed)} of {owners} owners failed:")
            lines += [f"{owner or '*'}: {reason}" for owner, reason in failed]
        _bump(
            handle,
            stats,
            status=status,
            error="\n".join(lines),
            owners_failed=Value(len(failed)),
            finished_at=None if status == HarvestRun.Status.INTERRUPTED else timezone.now(),
        )
    return HarvestRun.objects.get(pk=handle.pk)


def fail_without_run(plan: ForgePlan, message: str) -> HarvestRun:
    """Record a run that could not start (no adapter for the kind): it failed at once."""
    now = timezone.now()
    return HarvestRun.objects.create(
        forge_id=plan.forge_id,
        status=HarvestRun.Status.FAILED,
        started_at=now,
        finished_at=now,
        error=message,
        owners=len(plan.owners),
    )
