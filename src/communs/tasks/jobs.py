"""The task functions: plain Python, run in-process (embedded mode, tests, the commands)
or by a Celery worker (:mod:`communs.tasks.tasks` wraps each one, nothing more).

Each is idempotent: run twice, it has the effect of running once. A harvest of a forge
resumes its unfinished run from the saved cursors, and a second one after a success is
a refresh (conditional requests, same rows); an analysis batch analyses only what is
still pending; reminders and alerts record what they sent and do not send it again.
Each returns a small dict of plain values (Celery's JSON).

Granularity: one harvest task per forge, not per owner page; see docs/scale-out.md for
why (one claimed run per forge, owners batched 50 a GraphQL request, GitLab's rounds
that keep the queries identical for 304s, and the run's end that prunes ETags).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import asdict
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from communs.harvest.engine import HarvestResult, harvest
from communs.harvest.models import HarvestRun
from communs.harvest.plan import ForgePlan
from communs.harvest.progress import Progress
from communs.harvest.store import PlanError, build_plans, index_harvested
from communs.harvest.tokens import ForgeAddress, client_tokens
from communs.tasks.budgets import shared_budgets
from communs.tasks.locks import forge_lock
from communs.tasks.shared import KEY_PREFIX, embedded, redis_client

logger = logging.getLogger(__name__)

# The run counts that say the stored repositories changed.
CHANGES = ("new", "updated", "renamed", "gone", "enriched")
# Repositories per analysis task: one download batch of the pipeline.
ANALYSIS_BATCH = 16
# How often a worker holding a forge's lock looks again at a run still heartbeating.
TAKEOVER_POLL = 2.0


def tokens_for(forges: Sequence[Any]) -> dict[str, list[str]]:
    """The client's tokens for these forges (plans or Forge rows), from the settings."""
    return client_tokens(
        [ForgeAddress(f.host, f.url, f.api_url) for f in forges],
        settings.GITHUB_TOKENS,
        settings.FORGE_TOKENS,
    )


def changed(result: HarvestResult) -> bool:
    """Whether any forge stored a new, updated or gone repository."""
    return any(outcome.counts.get(name, 0) for outcome in result.outcomes for name in CHANGES)


# Harvest.


def harvest_plans(
    plans: Sequence[ForgePlan],
    *,
    tokens: dict[str, list[str]] | None = None,
    progress: Progress | None = None,
    install_signals: bool = False,
) -> HarvestResult:
    """List these forges in this process, concurrently (the engine, one event loop)."""
    if tokens is None:
        tokens = tokens_for(plans)
    return harvest(
        plans,
        tokens=tokens,
        progress=progress,
        install_signals=install_signals,
        per_host=max(1, settings.HARVEST_PER_HOST),
        contact=settings.HARVEST_CONTACT,
        budgets=shared_budgets(),
    )


def harvest_forge(host: str, owners: Sequence[str] | None = None) -> dict[str, Any]:
    """Harvest one forge (the task of a queue ``harvest.<kind>``); its outcome.

    With ``owners``, only those accounts (the task per owner: a targeted refresh, as
    ``communs harvest --owner``), still under the forge's lock, so that no forge is
    listed by two workers at once. Status ``busy`` when another worker holds the
    forge's lock (its harvest covers this one's), ``skipped`` when the forge is ignored
    or has nothing to list.
    """
    try:
        plans, notes = build_plans([host], list(owners) if owners else None)
    except PlanError as error:
        return {"host": host, "status": "skipped", "message": str(error)}
    if not plans:
        return {"host": host, "status": "skipped", "message": "; ".join(notes)}
    with forge_lock(plans[0].host) as held:
        if not held:
            return {"host": host, "status": "busy", "message": "another worker lists it"}
        if redis_client() is not None:
            take_over_abandoned(plans[0].forge_id)
        result = harvest_plans(plans)
    outcome = result.outcomes[0]
    answer = asdict(outcome)
    answer["interrupted"] = result.interrupted
    answer["changed"] = changed(result)
    return answer


def take_over_abandoned(forge_id: int, ttl: float | None = None) -> int:
    """Hand the forge's running runs to this worker, which holds its lock: once a run
    stops heartbeating (its worker died), it is marked interrupted, so that the engine
    resumes it from its cursors. How many were taken over.

    Needed across machines: the engine's own test of a holder's life (its pid) works on
    one machine only, and elsewhere waits for two hours of silence (``STALE_AFTER``).
    """
    ttl = float(settings.FORGE_LOCK_TTL if ttl is None else ttl)
    deadline = time.monotonic() + 2 * ttl
    while True:
        running = HarvestRun.objects.filter(
            forge_id=forge_id, finished_at__isnull=True, status=HarvestRun.Status.RUNNING
        )
        if not running.exists():
            return 0
        quiet_since = timezone.now() - timedelta(seconds=ttl)
        alive = running.filter(heartbeat_at__gte=quiet_since).exists()
        if not alive or time.monotonic() >= deadline:
            # A late write of the old holder is refused: the engine's next claim
            # replaces the run's claim when it resumes it.
            return running.update(status=HarvestRun.Status.INTERRUPTED)
        time.sleep(TAKEOVER_POLL)


def after_harvest(
    changed: bool,
    *,
    analyse_hosts: Sequence[str] | None = None,
    tokens: dict[str, list[str]] | None = None,
) -> Any:
    """What follows a harvest, once: the search index, catalogue links, the analysis
    (when ``analyse_hosts`` is given), the open-data files and the pages' figures.

    Returns the analysis result (embedded) or None."""
    from communs.catalogue.importer import link_repositories
    from communs.catalogue.models import Software
    from communs.figures import refresh_figures
    from communs.opendata.publish import read_datapackage, refresh_open_data
    from communs.search.wordindex import refresh_segment

    # The search index follows what harvests stored, changed or marked gone (failed
    # forges' pages included, and what a harvest killed before this left).
    index_harvested()
    # A new segment of the word index once enough changed (searches read the changes
    # beside the old one meanwhile).
    refresh_segment()
    if changed:
        # Catalogue entries whose repository URL a new repository now answers.
        link_repositories(Software.objects.all())
    analysed = None
    if analyse_hosts is not None:
        analysed = analyse_moved(list(analyse_hosts), tokens=tokens)
    # The open-data files follow the database (a failure is logged, never raised).
    # Writing them reads every repository: skipped when the harvest changed none.
    if changed or read_datapackage() is None:
        refresh_open_data()
    # The pages' figures, counted anew now rather than by the next visitor.
    refresh_figures()
    return analysed


# Analysis.


def analyse_moved(hosts: Sequence[str] = (), *, tokens: dict[str, list[str]] | None = None) -> Any:
    """Analyse the repositories whose content moved (``communs analyse``'s selection).

    Embedded: in this process, returning the pipeline's result. With a broker: one task
    per :data:`ANALYSIS_BATCH` repositories on the ``analysis`` queue, each repository
    queued once however often this runs (a Redis key per repository queued, which
    expires after a day should its task be lost)."""
    from communs.analysis.pipeline import analyse_pending, pending
    from communs.repositories.models import Repository
    from communs.sources.models import Forge

    if embedded():
        forges = Forge.objects.filter(host__in=hosts) if hosts else Forge.objects.all()
        return analyse_pending(
            list(hosts),
            tokens=tokens if tokens is not None else tokens_for(list(forges)),
            contact=settings.HARVEST_CONTACT,
        )
    selection = Repository.objects.all()
    if hosts:
        selection = selection.filter(forge__host__in=list(hosts))
    ids = list(pending(selection).order_by("forge__host", "pk").values_list("pk", flat=True))
    client = redis_client()
    if client is not None and ids:
        queued = _mark_queued(client, ids)
        ids = [pk for pk, fresh in zip(ids, queued, strict=True) if fresh]
    from communs.tasks.tasks import analyse_batch_task

    for start in range(0, len(ids), ANALYSIS_BATCH):
        analyse_batch_task.delay(ids[start : start + ANALYSIS_BATCH])
    return {"queued": len(ids)}


QUEUED_ANALYSIS = KEY_PREFIX + "analysis-queued:"
QUEUED_FOR = 24 * 3600


def _mark_queued(client: Any, ids: list[int]) -> list[bool]:
    """Which of ``ids`` were not queued yet (and are marked queued now)."""
    pipe = client.pipeline(transaction=False)
    for pk in ids:
        pipe.set(f"{QUEUED_ANALYSIS}{pk}", 1, nx=True, ex=QUEUED_FOR)
    return [bool(added) for added in pipe.execute()]


def analyse_batch(ids: Sequence[int]) -> dict[str, Any]:
    """Analyse those of these repositories still pending (a redelivered task finds the
    ones already done analysed and leaves them)."""
    from communs.analysis.pipeline import analyse_repositories, pending
    from communs.repositories.models import Repository
    from communs.sources.models import Forge

    selection = pending(Repository.objects.filter(pk__in=list(ids)))
    try:
        if not selection.exists():
            return {"analysed": 0}
        hosts = set(selection.values_list("forge__host", flat=True))
        result = analyse_repositories(
            selection,
            tokens=tokens_for(list(Forge.objects.filter(host__in=hosts))),
            contact=settings.HARVEST_CONTACT,
        )
    finally:
        client = redis_client()
        if client is not None and ids:
            client.delete(*(f"{QUEUED_ANALYSIS}{pk}" for pk in ids))
    counts: dict[str, int] = {}
    for forge in result.forges.values():
        for status, count in forge.counts.items():
            counts[status] = counts.get(status, 0) + count
    return {"analysed": sum(counts.values()), "counts": counts}


# Catalogue and history.


def remind_referents() -> dict[str, int]:
    """The referents' yearly reminders due, and lapses (idempotent: the audit log says
    who was reminded when)."""
    from communs.catalogue.lifecycle import remind_referents as remind

    summary = remind()
    return {"reminded": summary.reminded, "lapsed": summary.lapsed}


def send_alerts() -> dict[str, int]:
    """The category followers' digests (each sent once: ``last_sent_at`` moves with it)."""
    from communs.catalogue.alerts import send_alerts as send

    summary = send()
    return {"sent": summary.sent, "entries": summary.entries, "people": summary.people}


def remind_events() -> dict[str, int]:
    """Reminders to the people with a seat at an event starting today or tomorrow (each
    claimed before it is sent: nobody gets one twice)."""
    from communs.events.reminders import send_reminders

    summary = send_reminders()
    return {"sent": summary.sent, "skipped": summary.skipped}


def collect_contributions() -> dict[str, int]:
    """The public sector's commits in the catalogue's repositories, counted again where
    the history moved (idempotent: each repository's counts are replaced whole)."""
    from communs.contributions.collect import collect

    result = collect()
    return {"counted": result.counted, "unchanged": result.unchanged, "failed": result.failed}


def refresh_word_index() -> dict[str, Any]:
    """A new segment of the search's word index when enough changed since the last."""
    from communs.search.wordindex import refresh_segment

    built = refresh_segment()
    if built is None:
        return {"built": False}
    return {"built": True, "documents": built.documents, "seconds": round(built.seconds, 1)}


def history_snapshot() -> dict[str, Any]:
    """Today's snapshot of the aggregate figures and per-repository series."""
    # Imported here: communs.history is another app's, and optional to this one.
    from communs.history.snapshots import take_snapshot

    taken = take_snapshot()
    return {
        "day": taken.day.isoformat(),
        "replaced": taken.replaced,
        "counts": taken.counts,
        "points": taken.points,
    }
