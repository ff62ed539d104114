"""The history in the API: the index's daily snapshots, and a repository's series of
stars, forks, open issues and last push. A router that ``communs.api.v1`` mounts; it
reads :mod:`communs.history.queries`, as the pages do.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema

from communs.api.cursor import MAX_INTEGER
from communs.api.finder import BadParameter
from communs.api.schemas import BadRequest, Error, TooManyRequests
from communs.history import queries
from communs.history.snapshots import today
from communs.history.trends import BadRange, date_range
from communs.repositories.models import Repository

router = Router(tags=["history"])

ERRORS: dict[int, Any] = {304: None, 400: BadRequest, 429: TooManyRequests}


class RangeQuery(Schema):
    since: date | None = Field(
        None, description="The first day (YYYY-MM-DD); by default a year before `until`."
    )
    until: date | None = Field(None, description="The last day (YYYY-MM-DD); today by default.")


class ValueCount(Schema):
    value: str = Field(examples=["EUPL-1.2"])
    count: int


class MinistryCount(Schema):
    value: str = Field(description="The ministry's key.", examples=["ministere-exemple"])
    name: str = Field(description="Its name on that day.")
    count: int = Field(description="Repositories of the ministry and of everything under it.")


class SnapshotOut(Schema):
    day: date
    taken_at: str
    repositories: int
    licensed: int
    forks: int
    archived: int
    stars: int
    organisations: int
    ministries: int
    forges: int
    accounts: int
    by_license: list[ValueCount] = Field(description="`unknown` for no identified licence.")
    by_language: list[ValueCount] = Field(description='`""` for no known language.')
    by_forge: list[ValueCount] = Field(description="By the forge's host key.")
    by_ministry: list[MinistryCount]


class StatsHistory(Schema):
    since: date
    until: date
    count: int = Field(description="Snapshots in the range (at most one a day).")
    results: list[SnapshotOut] = Field(description="Oldest first.")


class PointOut(Schema):
    day: date = Field(description="The first day of these figures; they hold until the next point.")
    stars: int
    forks: int
    open_issues: int
    pushed_at: str | None = Field(description="The last push the forge reported, that day.")


class RepositoryHistory(Schema):
    repository: int
    since: date
    until: date
    results: list[PointOut] = Field(
        description="Oldest first; a point is written only when a figure changed, and "
        "the first may be older than `since` (the figures in force on that day)."
    )


def _range(filters: RangeQuery, max_days: int) -> tuple[date, date]:
    try:
        return date_range(
            filters.since,
            filters.until,
            today=today(),
            default_days=queries.DEFAULT_DAYS,
            max_days=max_days,
        )
    except BadRange as error:
        raise BadParameter(error.parameter, error.problem) from error


def _counts(counts: dict[str, int]) -> list[dict[str, object]]:
    return [{"value": value, "count": n} for value, n in counts.items()]


@router.get(
    "/stats/history",
    response={200: StatsHistory, **ERRORS},
    operation_id="get_stats_history",
    summary="The index's figures, day by day",
    description=f"The daily snapshots of the figures of `/stats` between two days (both "
    f"included; {queries.MAX_SNAPSHOT_DAYS} days at most a request): totals, and "
    "repositories by licence, language, forge and ministry. A day without a snapshot is "
    "missing from `results`.",
)
def get_stats_history(request: HttpRequest, filters: Query[RangeQuery]) -> dict[str, Any]:
    """The snapshots between two days, as ``/stats`` counted them each day."""
    since, until = _range(filters, queries.MAX_SNAPSHOT_DAYS)
    results = []
    default = filters.since is None and filters.until is None
    for figures in queries.snapshots_between(since, until, shared=default):
        by_ministry = [
            {"value": key, "name": figures.labels.get(key, key), "count": n}
            for key, n in figures.counts["ministry"].items()
        ]
        results.append(
            {
                "day": figures.day,
                "taken_at": figures.taken_at.isoformat(),
                **figures.totals,
                "by_license": _counts(figures.counts["license"]),
                "by_language": _counts(figures.counts["language"]),
                "by_forge": _counts(figures.counts["forge"]),
                "by_ministry": by_ministry,
            }
        )
    return {"since": since, "until": until, "count": len(results), "results": results}


@router.get(
    "/repositories/{id}/history",
    response={200: RepositoryHistory, 404: Error, **ERRORS},
    operation_id="get_repository_history",
    summary="A repository's stars and forks over time",
    description="A repository's stars, forks, open issues and last push as the daily "
    f"snapshots recorded them between two days ({queries.MAX_POINT_DAYS} days at most a "
    "request). 404 when the repository does not exist.",
)
def get_repository_history(
    request: HttpRequest,
    filters: Query[RangeQuery],
    id: int = Path(description="The repository's `id`.", examples=[1234]),
) -> dict[str, Any]:
    """A repository's points between two days, and the one in force on the first."""
    if not (1 <= id <= MAX_INTEGER and Repository.objects.filter(pk=id).exists()):
        raise Http404(_("There is no such repository."))
    since, until = _range(filters, queries.MAX_POINT_DAYS)
    points = queries.repository_points(id, since, until)
    return {
        "repository": id,
        "since": since,
        "until": until,
        "results": [
            {
                "day": point.day,
                "stars": point.stars,
                "forks": point.forks,
                "open_issues": point.open_issues,
                "pushed_at": point.pushed_at.isoformat() if point.pushed_at else None,
            }
            for point in points
        ],
    }
