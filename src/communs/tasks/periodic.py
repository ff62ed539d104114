"""The scheduled work: which forges are due a full refresh, the "recently updated"
sweeps, the sweep of the least recently harvested repositories, and the coalesced
after-harvest steps. Each function works in both modes: in-process without a broker,
by queueing the per-forge tasks with one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from communs.forges.errors import ForgeError
from communs.forges.http import ForgeClient
from communs.forges.records import RepositoryRecord
from communs.forges.registry import adapter_class
from communs.harvest.fields import ALWAYS_KEPT, kept_fields
from communs.harvest.models import HarvestRun
from communs.harvest.plan import ForgePlan
from communs.harvest.state import owner_key
from communs.harvest.store import PlanError, _to_index, build_plans
from communs.repositories.models import Repository
from communs.repositories.storage import upsert_repositories
from communs.sources.models import Forge
from communs.tasks import jobs
from communs.tasks.app import harvest_queue
from communs.tasks.budgets import shared_budgets
from communs.tasks.locks import forge_lock
from communs.tasks.models import Sweep
from communs.tasks.shared import KEY_PREFIX, embedded, redis_client

logger = logging.getLogger(__name__)

# A sweep asks for changes since its last start less this (clocks of forge and host).
SWEEP_MARGIN = timedelta(minutes=5)
# A sweep lists at most this many pages; a forge that changed more waits for its refresh.
SWEEP_MAX_PAGES = 50
# Queued after-harvest steps wait this long, so that forges ending together publish once.
AFTER_HARVEST_DELAY = 30
AFTER_HARVEST_KEY = KEY_PREFIX + "after-harvest-queued"


# Full refreshes.


def due_forges(period: timedelta, now: datetime | None = None) -> list[Forge]:
    """Forges not ignored whose last harvest started longer than ``period`` ago (or never)."""
    now = now or timezone.now()
    forges = Forge.objects.filter(ignored_since__isnull=True).annotate(
        last_started=Max("harvest_runs__started_at")
    )
    return [
        forge
        for forge in forges.order_by("host")
        if forge.last_started is None or forge.last_started <= now - period
    ]


def refresh_due(period_minutes: int | None = None) -> dict[str, Any]:
    """Harvest each forge due a full refresh: in-process (then the after-harvest steps),
    or one task per forge on its kind's queue, each queued once per period."""
    minutes = settings.SCHEDULE_FULL_REFRESH_MINUTES if period_minutes is None else period_minutes
    period = timedelta(minutes=max(1, minutes))
    due = due_forges(period)
    if not due:
        return {"due": []}
    hosts = [forge.host for forge in due]
    if embedded():
        plans, _ = build_plans(hosts)
        result = jobs.harvest_plans(plans)
        jobs.after_harvest(jobs.changed(result))
        return {"due": hosts, "outcomes": [o.status for o in result.outcomes]}
    from communs.tasks.tasks import harvest_forge_task

    client = redis_client()
    queued = []
    for forge in due:
        # Queued once a period: a harvest longer than the schedule's tick is not
        # queued again behind itself.
        key = f"{KEY_PREFIX}refresh-queued:{forge.host}"
        if client is not None and not client.set(key, 1, nx=True, ex=int(period.total_seconds())):
            continue
        harvest_forge_task.apply_async((forge.host, True), queue=harvest_queue(forge.kind))
        queued.append(forge.host)
    return {"due": hosts, "queued": queued}


def queue_after_harvest(changed: bool) -> None:
    """Queue the after-harvest steps once for the forges finishing about now."""
    from communs.tasks.tasks import after_harvest_task

    client = redis_client()
    if client is not None:
        if changed:
            client.set(AFTER_HARVEST_KEY + ":changed", 1, ex=3600)
        if not client.set(AFTER_HARVEST_KEY, 1, nx=True, ex=3600):
            return
    after_harvest_task.apply_async((changed,), countdown=AFTER_HARVEST_DELAY)


def after_harvest_coalesced(changed: bool) -> dict[str, Any]:
    client = redis_client()
    if client is not None:
        # Forges that end from now on queue another run of these steps.
        client.delete(AFTER_HARVEST_KEY)
        changed = bool(client.getdel(AFTER_HARVEST_KEY + ":changed")) or changed
    jobs.after_harvest(changed)
    return {"changed": changed}


# "Recently updated" sweeps.


def sweepable(forge_kind: str, plan: ForgePlan | None = None) -> bool:
    """Whether the forge's adapter can list what changed since a date."""
    try:
        adapter = adapter_class(plan.kind if plan else forge_kind)
    except ValueError:
        return False
    return "list_updated_since" not in adapter.unsupported


def sweep_updated(host: str | None = None) -> dict[str, Any]:
    """Store what changed recently on ``host`` (or on every forge that can say)."""
    if host is None:
        hosts = [
            forge.host
            for forge in Forge.objects.filter(ignored_since__isnull=True).order_by("host")
            if sweepable(forge.kind)
        ]
        if embedded():
            return {"swept": {h: sweep_updated(h) for h in hosts}}
        from communs.tasks.tasks import sweep_updated_task

        kinds = dict(Forge.objects.filter(host__in=hosts).values_list("host", "kind"))
        for one in hosts:
            sweep_updated_task.apply_async((one,), queue=harvest_queue(kinds[one]))
        return {"queued": hosts}
    try:
        plans, _ = build_plans([host])
    except PlanError as error:
        return {"status": "skipped", "message": str(error)}
    if not plans or plans[0].problem or not sweepable("", plans[0]):
        return {"status": "skipped"}
    plan = plans[0]
    forge = Forge.objects.get(pk=plan.forge_id)
    mark = Sweep.objects.filter(forge=forge).first()
    if mark is not None:
        since = mark.swept_at - SWEEP_MARGIN
    else:
        # Never swept: from the start of the last successful harvest; none, no sweep
        # (the first full harvest comes first).
        last = (
            HarvestRun.objects.filter(forge=forge, status=HarvestRun.Status.SUCCEEDED)
            .aggregate(Max("started_at"))
            .get("started_at__max")
        )
        if last is None:
            return {"status": "skipped", "message": "never harvested"}
        since = last - SWEEP_MARGIN
    started = timezone.now()
    with forge_lock(plan.host) as held:
        if not held:
            # Being listed whole right now: that listing sees the changes too.
            return {"status": "busy"}
        try:
            records = asyncio.run(_updated_since(plan, since))
        except ForgeError as error:
            logger.info("%s: the sweep failed: %s", plan.host, error)
            return {"status": "failed", "message": str(error)}
        counts = store_swept(forge, plan, records, kept_fields(plan.kind, "list_instance"))
        Sweep.objects.update_or_create(forge=forge, defaults={"swept_at": started})
    return {"status": "succeeded", "listed": len(records), "changed": counts}


async def _updated_since(plan: ForgePlan, since: datetime) -> list[RepositoryRecord]:
    async with _client(plan) as client:
        adapter = adapter_class(plan.kind)(client, plan.url, plan.api_url)
        records: list[RepositoryRecord] = []
        pages = 0
        async for page in adapter.list_updated_since(since):
            records += page.records
            pages += 1
            if pages >= SWEEP_MAX_PAGES:
                break
        return records


def _client(plan: ForgePlan) -> ForgeClient:
    return ForgeClient(
        tokens=jobs.tokens_for([plan]),
        per_host=max(1, settings.HARVEST_PER_HOST),
        contact=settings.HARVEST_CONTACT,
        budgets=shared_budgets(),
    )


def in_plan(plan: ForgePlan, full_path: str) -> bool:
    """Whether ``full_path`` belongs to what the forge's harvest lists: out of an
    ignored account, and (for a forge listed owner by owner) under a listed owner."""
    if plan.scope.excludes(full_path):
        return False
    if plan.whole:
        return True
    parts = owner_key(full_path).split("/")[:-1]
    owners = {owner_key(o) for o in plan.owners}
    return any("/".join(parts[:n]) in owners for n in range(1, len(parts) + 1))


def store_swept(
    forge: Forge, plan: ForgePlan, records: Sequence[RepositoryRecord], keep: frozenset[str]
) -> int:
    """Store the swept records in the harvest's scope, queued for the search index;
    how many were new or changed."""
    kept = [record for record in records if in_plan(plan, record.full_path)]
    with transaction.atomic():
        counts = upsert_repositories(forge, kept, harvested=True, keep_when_blank=keep)
        _to_index(counts.changed_ids)
    return len(counts.changed_ids)


# The least recently harvested repositories.


def sweep_oldest(limit: int | None = None) -> dict[str, Any]:
    """Fetch again the ``limit`` live repositories harvested longest ago, one by one:
    stored as found, marked gone on a 404. A forge being listed is left to its listing.
    Then the search index follows (in-process, or the queued after-harvest steps)."""
    limit = settings.SCHEDULE_OLDEST_SWEEP_SIZE if limit is None else limit
    rows = list(
        Repository.objects.filter(gone_since__isnull=True, forge__ignored_since__isnull=True)
        .order_by(F("last_harvested_at").asc(nulls_first=True), "pk")
        .values_list("pk", "forge_id", "full_path")[: max(0, limit)]
    )
    by_forge: dict[int, list[tuple[int, str]]] = {}
    for pk, forge_id, path in rows:
        by_forge.setdefault(forge_id, []).append((pk, path))
    result = {"fetched": 0, "changed": 0, "gone": 0, "busy": 0}
    for forge in Forge.objects.filter(pk__in=by_forge).order_by("host"):
        try:
            plans, _ = build_plans([forge.host])
        except PlanError:
            continue
        if not plans or plans[0].problem:
            continue
        with forge_lock(forge.host) as held:
            if not held:
                result["busy"] += 1
                continue
            found = asyncio.run(_fetch(plans[0], by_forge[forge.pk]))
            changed, gone = store_fetched(forge, plans[0], found)
        result["fetched"] += len(found)
        result["changed"] += changed
        result["gone"] += gone
    if result["changed"] or result["gone"]:
        if embedded():
            jobs.after_harvest(True)
        else:
            queue_after_harvest(True)
    return result


async def _fetch(
    plan: ForgePlan, rows: list[tuple[int, str]]
) -> list[tuple[int, RepositoryRecord | None]]:
    """What the forge says of each row: a record, or None when it is gone; a row the
    forge could not answer for is left out (nothing is concluded from a failure)."""
    async with _client(plan) as client:
        adapter = adapter_class(plan.kind)(client, plan.url, plan.api_url)
        if not adapter.supports("fetch_repository"):
            return []

        async def one(pk: int, path: str) -> tuple[int, RepositoryRecord | None] | None:
            try:
                return pk, await adapter.fetch_repository(path)
            except ForgeError as error:
                logger.info("%s: cannot fetch %s: %s", plan.host, path, error)
                return None

        answers = await asyncio.gather(*(one(pk, path) for pk, path in rows))
    return [answer for answer in answers if answer is not None]


def store_fetched(
    forge: Forge, plan: ForgePlan, found: Sequence[tuple[int, RepositoryRecord | None]]
) -> tuple[int, int]:
    """Store the fetched records and mark gone the rows the forge no longer has, in one
    transaction; ``(changed, gone)``."""
    records = [record for _, record in found if record is not None]
    missing = [pk for pk, record in found if record is None]
    with transaction.atomic():
        counts = upsert_repositories(
            forge,
            [record for record in records if not plan.scope.excludes(record.full_path)],
            harvested=True,
            keep_when_blank=ALWAYS_KEPT,
        )
        gone = list(
            Repository.objects.filter(pk__in=missing, gone_since__isnull=True).values_list(
                "pk", flat=True
            )
        )
        Repository.objects.filter(pk__in=gone).update(gone_since=timezone.now())
        _to_index([*counts.changed_ids, *gone])
    return len(counts.changed_ids), len(gone)
