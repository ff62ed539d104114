"""Taking the day's snapshot: the index's figures, and a point for each repository
whose figures moved. ``take_snapshot()`` is what the daily schedule calls
(``communs.tasks``) and what ``communs history snapshot`` runs.

Taking a day again replaces that day: its counts are written anew and its points are
compared again with the points before the day, so running it twice leaves what running
it once does. A day before the newest snapshot is refused: the repositories' figures
are today's, and writing them under an earlier day would rewrite the series.

The points are written by one ``INSERT … SELECT`` over the repositories table, which
copies the rows whose stars, forks, open issues or last push differ from their latest
point before the day; no row passes through Python: at a hundred thousand
repositories, well under a second on SQLite and a few seconds on PostgreSQL for a
first day (measures in docs/history.md).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from communs import figures
from communs.history.models import RepositoryPoint, Snapshot, SnapshotCount
from communs.repositories.models import Repository
from communs.web import queries, stats

# PostgreSQL's advisory lock key for taking a snapshot (any constant no one else uses).
ADVISORY_LOCK = 0x636F6D6D_68697374 % 2**63


class SnapshotRefused(ValueError):
    """A day before the newest snapshot: history is not rewritten."""

    def __init__(self, day: date, newest: date) -> None:
        super().__init__(f"{day} is before the newest snapshot ({newest}).")
        self.day = day
        self.newest = newest


@dataclass(frozen=True, slots=True)
class SnapshotTaken:
    day: date
    replaced: bool
    counts: int
    points: int
    seconds: float


def today() -> date:
    """The day of a snapshot taken now, in the site's time zone (``COMMUNS_TIME_ZONE``)."""
    return timezone.localdate()


def take_snapshot(day: date | None = None) -> SnapshotTaken:
    """Record the index's figures and the repositories' moved figures under ``day``
    (today by default); idempotent for a day. Raises :class:`SnapshotRefused` for a
    day before the newest snapshot."""
    day = day or today()
    started = time.perf_counter()
    # Counted anew, as a command that stored data does, and made the pages' figures
    # too: the snapshot and the pages show the same numbers, counted the same way.
    figures.store_figures(figures.count_figures())
    with transaction.atomic():
        # Two runs at once (a schedule fired twice) take turns: the second replaces
        # the first's day rather than failing on its points. SQLite's transactions
        # are immediate, so they take turns already.
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK])
        newest = [
            model.objects.order_by("-day").values_list("day", flat=True).first()
            for model in (Snapshot, RepositoryPoint)
        ]
        for latest in newest:
            if latest is not None and day < latest:
                raise SnapshotRefused(day, latest)
        replaced, counts = _store_figures(day)
        points = record_points(day)
    return SnapshotTaken(day, replaced, counts, points, time.perf_counter() - started)


def _store_figures(day: date) -> tuple[bool, int]:
    site = queries.site_figures()
    snapshot, created = Snapshot.objects.update_or_create(
        day=day,
        defaults={
            "taken_at": timezone.now(),
            "repositories": site.repositories,
            "licensed": site.licensed,
            "forks": site.forks,
            "archived": site.archived,
            "stars": site.stars,
            "organisations": site.organisations,
            "ministries": site.ministries,
            "forges": site.forges,
            "accounts": site.accounts,
        },
    )
    snapshot.counts.all().delete()
    rows = [
        SnapshotCount(snapshot=snapshot, dimension=dimension, value=value, label=label, count=n)
        for dimension, value, label, n in dimension_counts()
    ]
    SnapshotCount.objects.bulk_create(rows, batch_size=1000)
    return not created, len(rows)


def dimension_counts() -> list[tuple[str, str, str, int]]:
    """(dimension, value, label, repositories) as ``/api/v1/stats`` and the stats page
    count them: licences as the API names them (``unknown`` for none), every ministry
    with everything under it (none left out, even at 0)."""
    Dimension = SnapshotCount.Dimension
    counts = stats.raw_counts()
    found: list[tuple[str, str, str, int]] = []
    for value, n in counts["licenses"]:
        found.append((Dimension.LICENSE, value or queries.UNKNOWN_LICENSE, "", n))
    for value, n in counts["languages"]:
        found.append((Dimension.LANGUAGE, value, "", n))
    for host, n in counts["forges"]:
        found.append((Dimension.FORGE, host, "", n))
    totals = queries.organisation_counts().total
    for ministry in queries.ministries():
        found.append((Dimension.MINISTRY, ministry.key, ministry.name, totals.get(ministry.pk, 0)))
    return found


# The join that finds each repository's latest point before the day: PostgreSQL
# evaluates a LATERAL subquery once per repository (an index probe); SQLite has no
# LATERAL but runs the correlated subquery of the ON clause once per repository too.
_LATEST_JOIN = {
    "postgresql": """LEFT JOIN LATERAL (
        SELECT p.stars, p.forks, p.open_issues, p.pushed_at, p.day FROM {point} p
        WHERE p.repository_id = r.id AND p.day < %s ORDER BY p.day DESC LIMIT 1
    ) last ON TRUE""",
    "sqlite": """LEFT JOIN {point} last ON last.id = (
        SELECT p.id FROM {point} p
        WHERE p.repository_id = r.id AND p.day < %s ORDER BY p.day DESC LIMIT 1
    )""",
}

_INSERT_POINTS = """
INSERT INTO {point} (repository_id, day, stars, forks, open_issues, pushed_at)
SELECT r.id, %s, r.stars, r.forks, r.open_issues, r.pushed_at
FROM {repository} r
{latest_join}
WHERE r.gone_since IS NULL AND (
    last.day IS NULL
    OR last.stars <> r.stars OR last.forks <> r.forks OR last.open_issues <> r.open_issues
    OR (last.pushed_at IS NULL) <> (r.pushed_at IS NULL) OR last.pushed_at <> r.pushed_at
)
"""


def record_points(day: date) -> int:
    """Write ``day``'s point of every present repository whose figures differ from its
    latest point before ``day`` (or that has none); the day's earlier points, from a
    snapshot taken before on the same day, are replaced. Returns the points written."""
    if connection.vendor not in _LATEST_JOIN:
        raise NotImplementedError(f"record_points is not written for {connection.vendor}")
    quote = connection.ops.quote_name
    point = quote(RepositoryPoint._meta.db_table)
    sql = _INSERT_POINTS.format(
        point=point,
        repository=quote(Repository._meta.db_table),
        latest_join=_LATEST_JOIN[connection.vendor].format(point=point),
    )
    value = connection.ops.adapt_datefield_value(day)
    with transaction.atomic():
        RepositoryPoint.objects.filter(day=day).delete()
        with connection.cursor() as cursor:
            # The parameters in the order they appear: the SELECT's day, then the join's.
            cursor.execute(sql, [value, value])
            return cursor.rowcount


@dataclass(frozen=True, slots=True)
class Pruned:
    snapshots: int
    points: int


def prune(keep_days: int, *, day: date | None = None) -> Pruned:
    """Forget the snapshots older than ``keep_days`` days before ``day`` (today), and
    every point older than that which a later point, still before the limit, replaces:
    each repository keeps the point that held on the limit day, so its series still
    starts with the right figures."""
    if keep_days < 0:
        raise ValueError("keep_days must be 0 or more")
    limit = (day or today()) - timedelta(days=keep_days)
    with transaction.atomic():
        # The counts go with their snapshot (a cascade that Django runs as one DELETE).
        SnapshotCount.objects.filter(snapshot__day__lt=limit).delete()
        snapshots, _ = Snapshot.objects.filter(day__lt=limit).delete()
        replaced = RepositoryPoint.objects.filter(
            repository=OuterRef("repository"), day__gt=OuterRef("day"), day__lte=limit
        )
        points, _ = RepositoryPoint.objects.filter(day__lt=limit).filter(Exists(replaced)).delete()
    return Pruned(snapshots, points)
