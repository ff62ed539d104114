"""How each forge's harvests went, for the status page: one query for all forges."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Max, Q

from communs.harvest.models import HarvestRun
from communs.sources.models import Forge


@dataclass(frozen=True)
class ForgeStatus:
    """A forge's harvest at a glance.

    ``last_run`` is the latest run whatever its status (its counts: ``last_run.counts()``);
    ``last_success_at`` when a run last succeeded; ``last_error`` and ``last_error_at``
    what the latest failed run said and when it ended. ``failing`` says the latest
    finished run failed.
    """

    forge_id: int
    last_run: HarvestRun | None
    last_success_at: datetime | None
    last_error: str
    last_error_at: datetime | None

    @property
    def failing(self) -> bool:
        return self.last_error_at is not None and (
            self.last_success_at is None or self.last_error_at > self.last_success_at
        )

    @property
    def running(self) -> bool:
        return self.last_run is not None and self.last_run.status == HarvestRun.Status.RUNNING


def forge_statuses(forges: Iterable[Forge] | None = None) -> dict[int, ForgeStatus]:
    """:class:`ForgeStatus` of each forge (every forge when None), keyed by forge id.

    Three queries whatever the number of forges: the latest runs, the last success and
    the last failure of each.
    """
    runs = HarvestRun.objects.all()
    ids: list[int] | None = None
    if forges is not None:
        ids = [forge.pk for forge in forges]
        runs = runs.filter(forge_id__in=ids)
    latest = runs.values("forge_id").annotate(
        started=Max("started_at"),
        succeeded=Max("finished_at", filter=Q(status=HarvestRun.Status.SUCCEEDED)),
        failed=Max("finished_at", filter=Q(status=HarvestRun.Status.FAILED)),
    )
    marks = {row["forge_id"]: row for row in latest}
    last_runs: dict[int, HarvestRun] = {}
    wanted = Q()
    for forge_id, row in marks.items():
        wanted |= Q(forge_id=forge_id, started_at=row["started"])
    if marks:
        for run in runs.filter(wanted).select_related("forge").order_by("forge_id", "-pk"):
            last_runs.setdefault(run.forge_id, run)
    errors: dict[int, str] = {}
    failed = Q()
    for forge_id, row in marks.items():
        if row["failed"] is not None:
            failed |= Q(forge_id=forge_id, finished_at=row["failed"])
    if failed:
        for forge_id, error in runs.filter(failed, status=HarvestRun.Status.FAILED).values_list(
            "forge_id", "error"
        ):
            errors[forge_id] = error
    result: dict[int, ForgeStatus] = {}
    for forge_id in ids if ids is not None else list(Forge.objects.values_list("pk", flat=True)):
        row = marks.get(forge_id, {})
        result[forge_id] = ForgeStatus(
            forge_id=forge_id,
            last_run=last_runs.get(forge_id),
            last_success_at=row.get("succeeded"),
            last_error=errors.get(forge_id, ""),
            last_error_at=row.get("failed"),
        )
    return result


def forge_status(forge: Forge) -> ForgeStatus:
    """:class:`ForgeStatus` of one forge (see :func:`forge_statuses` for many)."""
    return forge_statuses([forge])[forge.pk]
