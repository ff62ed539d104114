"""Reading the history, for the pages and the API alike (one query, two representations).

Every function does a fixed number of queries: snapshots and their counts are read in
two, a repository's series in two, whatever the range.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Count, Max

from communs.figures import cached_statistic
from communs.history.models import RepositoryPoint, Snapshot, SnapshotCount

# The longest range one request reads: a snapshot holds a few hundred counts, a
# repository's point a handful of numbers.
MAX_SNAPSHOT_DAYS = 366
MAX_POINT_DAYS = 3660
# What the pages show, and the API's range when none is given.
DEFAULT_DAYS = 366

TOTALS = (
    "repositories",
    "licensed",
    "forks",
    "archived",
    "stars",
    "organisations",
    "ministries",
    "forges",
    "accounts",
)


@dataclass(slots=True)
class DayFigures:
    """One snapshot: its totals, and per dimension ``{value: count}`` (with the
    ministries' names of that day in ``labels``)."""

    day: date
    taken_at: datetime
    totals: dict[str, int]
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)


def snapshots_between(
    since: date, until: date, dimensions: tuple[str, ...] | None = None, *, shared: bool = False
) -> list[DayFigures]:
    """The snapshots from ``since`` to ``until`` (both included), oldest first, with the
    counts of ``dimensions`` (every dimension by default).

    ``shared``: kept in the figures cache until a snapshot is taken, retaken or pruned.
    A year of snapshots is tens of thousands of counts, a third of a second to read:
    too slow for every view of the stats page. Only for the ranges the pages and the
    API's default ask for, so that clients choosing ranges cannot fill the cache.
    """
    if not shared:
        return _read_snapshots(since, until, dimensions)
    state = Snapshot.objects.aggregate(n=Count("pk"), latest=Max("taken_at"))
    if not state["n"]:
        return []
    name = ".".join(
        [
            "history.snapshots",
            since.isoformat(),
            until.isoformat(),
            "-".join(dimensions or ("all",)),
            str(state["n"]),
            str(state["latest"].timestamp()),
        ]
    )
    return cached_statistic(name, lambda: _read_snapshots(since, until, dimensions))


def _read_snapshots(
    since: date, until: date, dimensions: tuple[str, ...] | None
) -> list[DayFigures]:
    rows = Snapshot.objects.filter(day__gte=since, day__lte=until).order_by("day")
    found = {
        row["pk"]: DayFigures(
            row["day"],
            row["taken_at"],
            {name: row[name] for name in TOTALS},
            {dimension: {} for dimension in dimensions or SnapshotCount.Dimension.values},
        )
        for row in rows.values("pk", "day", "taken_at", *TOTALS)
    }
    if found:
        counts = SnapshotCount.objects.filter(snapshot__in=list(found))
        if dimensions is not None:
            counts = counts.filter(dimension__in=dimensions)
        for snapshot, dimension, value, label, n in counts.values_list(
            "snapshot", "dimension", "value", "label", "count"
        ).order_by("snapshot", "dimension", "-count", "value"):
            figures = found[snapshot]
            figures.counts[dimension][value] = n
            if label:
                figures.labels[value] = label
    return list(found.values())


def has_snapshots() -> bool:
    return Snapshot.objects.exists()


@dataclass(frozen=True, slots=True)
class Point:
    day: date
    stars: int
    forks: int
    open_issues: int
    pushed_at: datetime | None


def repository_points(repository_id: int, since: date, until: date) -> list[Point]:
    """A repository's points from ``since`` to ``until``, oldest first, preceded by the
    point in force on ``since`` when it is older (its figures held on that day)."""
    rows = RepositoryPoint.objects.filter(repository_id=repository_id)
    fields = ("day", "stars", "forks", "open_issues", "pushed_at")
    before = rows.filter(day__lt=since).order_by("-day").values_list(*fields).first()
    within = rows.filter(day__gte=since, day__lte=until).order_by("day").values_list(*fields)
    return [Point(*row) for row in ([before] if before else []) + list(within)]
