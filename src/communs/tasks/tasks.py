"""The Celery tasks: each wraps a task function of :mod:`communs.tasks.jobs` or
:mod:`communs.tasks.periodic`, so that a worker and the embedded mode run the same code."""

from __future__ import annotations

from typing import Any

from communs.tasks import jobs, periodic
from communs.tasks.app import app


@app.task(name="communs.harvest_forge")
def harvest_forge_task(host: str, follow: bool = False) -> dict[str, Any]:
    """One forge's harvest; with ``follow``, the after-harvest steps are then queued
    (coalesced: many forges finishing together publish once)."""
    return _harvest(host, None, follow)


@app.task(name="communs.harvest_owner")
def harvest_owner_task(host: str, owner: str, follow: bool = False) -> dict[str, Any]:
    """One owner of a forge listed again from its saved cursor (a targeted refresh);
    queued on its forge kind's queue like the forge's task."""
    return _harvest(host, [owner], follow)


def _harvest(host: str, owners: list[str] | None, follow: bool) -> dict[str, Any]:
    outcome = jobs.harvest_forge(host, owners)
    if follow and outcome.get("status") not in ("busy", "skipped"):
        periodic.queue_after_harvest(bool(outcome.get("changed")))
    return outcome


@app.task(name="communs.after_harvest")
def after_harvest_task(changed: bool = True) -> dict[str, Any]:
    return periodic.after_harvest_coalesced(changed)


@app.task(name="communs.analyse_batch")
def analyse_batch_task(ids: list[int]) -> dict[str, Any]:
    return jobs.analyse_batch(ids)


@app.task(name="communs.analyse_moved")
def analyse_moved_task() -> dict[str, Any]:
    found = jobs.analyse_moved()
    return found if isinstance(found, dict) else {}


@app.task(name="communs.refresh_due")
def refresh_due_task() -> dict[str, Any]:
    return periodic.refresh_due()


@app.task(name="communs.sweep_updated")
def sweep_updated_task(host: str | None = None) -> dict[str, Any]:
    return periodic.sweep_updated(host)


@app.task(name="communs.sweep_oldest")
def sweep_oldest_task(limit: int | None = None) -> dict[str, Any]:
    return periodic.sweep_oldest(limit)


@app.task(name="communs.remind_referents")
def remind_referents_task() -> dict[str, int]:
    return jobs.remind_referents()


@app.task(name="communs.send_alerts")
def send_alerts_task() -> dict[str, int]:
    return jobs.send_alerts()


@app.task(name="communs.remind_events")
def remind_events_task() -> dict[str, int]:
    return jobs.remind_events()


@app.task(name="communs.collect_contributions")
def collect_contributions_task() -> dict[str, int]:
    return jobs.collect_contributions()


@app.task(name="communs.refresh_word_index")
def refresh_word_index_task() -> dict[str, Any]:
    return jobs.refresh_word_index()


@app.task(name="communs.history_snapshot")
def history_snapshot_task() -> dict[str, Any]:
    return jobs.history_snapshot()
