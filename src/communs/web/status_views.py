"""The forge status pages: how each forge's harvests went (``/forges/``), and one forge's
runs and failing accounts (``/forges/<host>/``).

The figures come from :func:`communs.harvest.status.forge_statuses`, a fixed number of
queries whatever the number of forges.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.paginator import InvalidPage
from django.db.models.functions import Lower
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from communs.harvest.models import HarvestRun, OwnerProgress
from communs.harvest.status import ForgeStatus, forge_statuses
from communs.sources.models import Account, Forge
from communs.web.queries import page_of

RUNS_PER_PAGE = 25


@dataclass(frozen=True)
class ForgeRow:
    """A forge and how its harvests went, for the list."""

    forge: Forge
    status: ForgeStatus


@dataclass(frozen=True)
class FailedAccount:
    """An owner the forge's latest run could not list, with its account when known."""

    owner: str
    reason: str
    account: Account | None


def _sort_key(row: ForgeRow) -> tuple[int, float, str]:
    # Failing forges first, the most recent failure first among them; then by host.
    failed_at: datetime | None = row.status.last_error_at if row.status.failing else None
    return (0 if failed_at else 1, -failed_at.timestamp() if failed_at else 0.0, row.forge.host)


def forge_list(request: HttpRequest) -> HttpResponse:
    forges = list(Forge.objects.select_related("organisation"))
    statuses = forge_statuses(forges)
    rows = sorted((ForgeRow(forge, statuses[forge.pk]) for forge in forges), key=_sort_key)
    context = {
        "section": "forges",
        "rows": rows,
        "failing": sum(1 for row in rows if row.status.failing),
    }
    return render(request, "web/forge_list.html", context)


def forge_detail(request: HttpRequest, host: str) -> HttpResponse:
    forge = get_object_or_404(Forge.objects.select_related("organisation"), host=host)
    status = forge_statuses([forge])[forge.pk]
    runs = HarvestRun.objects.filter(forge=forge).order_by("-started_at", "-pk")
    try:
        page = page_of(runs, request.GET.get("page"), RUNS_PER_PAGE)
    except InvalidPage as error:
        raise Http404(_("There is no such page.")) from error
    for run in page.object_list:
        run.duration = _duration(run)
    context = {
        "section": "forges",
        "forge": forge,
        "status": status,
        "page": page,
        "failed_accounts": _failed_accounts(forge, status.last_run),
    }
    return render(request, "web/forge_detail.html", context)


def _duration(run: HarvestRun) -> str:
    """How long a finished run took, as "2 h 5 min", "3 min 20 s" or "4.2 s"; empty
    while it has not finished."""
    if run.finished_at is None:
        return ""
    seconds = max(0.0, (run.finished_at - run.started_at).total_seconds())
    if seconds < 60:
        return _("%(seconds).1f s") % {"seconds": seconds}
    minutes, rest = divmod(round(seconds), 60)
    if minutes < 60:
        return _("%(minutes)d min %(seconds)d s") % {"minutes": minutes, "seconds": rest}
    hours, minutes = divmod(minutes, 60)
    return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes}


def _failed_accounts(forge: Forge, run: HarvestRun | None) -> list[FailedAccount]:
    """The owners the latest run failed to list, with why: two queries."""
    if run is None:
        return []
    failed = list(
        OwnerProgress.objects.filter(run=run, step=OwnerProgress.Step.FAILED).order_by("owner")
    )
    if not failed:
        return []
    # Owner paths are matched without case, as the harvest lowercases them.
    owners = {progress.owner.lower() for progress in failed}
    accounts = {
        account.path.lower(): account
        for account in Account.objects.filter(forge=forge)
        .annotate(lower_path=Lower("path"))
        .filter(lower_path__in=owners)
        .select_related("organisation")
    }
    return [
        FailedAccount(progress.owner, progress.reason, accounts.get(progress.owner.lower()))
        for progress in failed
    ]
