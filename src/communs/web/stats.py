"""The figures of the stats and ministry pages, and of the API's ``/stats``.

Each figure is one SQL aggregate over the present repositories (``GROUP BY`` a column,
or a month computed by the database itself), never a loop over rows, so the cost stays
a few scans of the table whatever its size. The counts are kept like the home page's
figures (``communs.figures``: shared by every process, counted anew when a command
stores data), as raw values: labels are translated per request, so one cached entry
serves both languages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db.models import CharField, Count, F, Func, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from communs.repositories.models import Repository
from communs.sources.models import Account, Forge, Organisation
from communs.web import queries
from communs.web.charts import Bar, MonthRow, month_rows, top_bars, year_bars

# Bars a chart shows before folding the rest into "other".
TOP_LICENSES = 15
TOP_LANGUAGES = 15
# Creation dates before this are clock errors (forges did not exist); they, and dates in
# the future, count as unknown rather than stretching the time axis over decades.
EARLIEST = datetime(1980, 1, 1, tzinfo=UTC)


class YearMonth(Func):
    """``'YYYY-MM'`` of a date-time in UTC, computed by the database.

    Both databases have a native function for it, far cheaper on SQLite than Django's
    ``TruncMonth``, which calls back into Python for every row.
    """

    output_field = CharField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list]:
        # Django stores SQLite date-times as UTC text, which strftime reads directly.
        sql, params = compiler.compile(self.source_expressions[0])
        return f"strftime(%s, {sql})", ["%Y-%m", *params]

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list]:
        sql, params = compiler.compile(self.source_expressions[0])
        return f"to_char(({sql}) AT TIME ZONE 'UTC', 'YYYY-MM')", list(params)

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list]:
        raise NotImplementedError(f"YearMonth is not written for {connection.vendor}")


# -- raw counts (cached) -----------------------------------------------------------------


def _present() -> QuerySet[Repository]:
    return queries.present_repositories().order_by()


def _per_month(column: str) -> dict[str, int]:
    """Present repositories per month of ``column``, plausible dates only."""
    latest = timezone.now() + timedelta(days=1)
    rows = (
        _present()
        .filter(**{f"{column}__gte": EARLIEST, f"{column}__lt": latest})
        .annotate(month=YearMonth(column))
        .values_list("month")
        .annotate(n=Count("pk"))
    )
    return {month: n for month, n in rows if month}


def _count_everything() -> dict[str, Any]:
    present = _present()
    hosts = dict(Forge.objects.values_list("pk", "host"))
    forges: dict[str, int] = {}
    for forge_id, n in present.values_list("forge").annotate(n=Count("pk")):
        host = hosts.get(forge_id, "")
        forges[host] = forges.get(host, 0) + n
    return {
        "repositories": present.count(),
        "licenses": list(present.values_list("license").annotate(n=Count("pk"))),
        "languages": list(present.values_list("language").annotate(n=Count("pk"))),
        "forges": sorted(forges.items()),
        "created": _per_month("created_at"),
        "first_seen": _per_month("first_seen_at"),
    }


def raw_counts() -> dict[str, Any]:
    """Every count of the stats page, computed together so that they agree."""
    return queries.cached_statistic("stats", _count_everything)


# -- what the pages show ---------------------------------------------------------------


def license_label(value: str) -> str:
    """A licence as visitors read it (the same words as the ``license_label`` filter)."""
    if not value:
        return pgettext("licence", "Unknown")
    if value == queries.OTHER_LICENSE:
        return _("Other (not identified)")
    return value


@dataclass(frozen=True, slots=True)
class Statistics:
    """The stats page's charts, each a list of bars (or months) ready to draw and tabulate."""

    repositories: int
    by_ministry: list[Bar]
    by_license: list[Bar]
    by_language: list[Bar]
    by_forge: list[Bar]
    by_year: list[Bar]
    months: list[MonthRow]
    # Present repositories whose creation date is unknown or implausible.
    created_unknown: int


def ministry_bars(total: int) -> list[Bar]:
    """Repositories of each ministry with everything under it, most first, then those
    under no ministry (what is left of ``total``)."""
    totals = queries.organisation_counts().total
    counted = [
        (ministry.key, ministry.name, totals.get(ministry.pk, 0))
        for ministry in queries.ministries()
    ]
    bars = top_bars(counted, len(counted), "")
    outside = total - sum(bar.count for bar in bars)
    if outside > 0:
        bars.append(Bar("", _("Under no ministry"), outside))
    return bars


def statistics() -> Statistics:
    counts = raw_counts()
    total = counts["repositories"]
    licenses = [
        (value or queries.UNKNOWN_LICENSE, license_label(value), n)
        for value, n in counts["licenses"]
    ]
    languages = [(value, value or _("Unknown"), n) for value, n in counts["languages"]]
    forges = [(host, host, n) for host, n in counts["forges"]]
    by_year = year_bars(counts["created"])
    return Statistics(
        repositories=total,
        by_ministry=ministry_bars(total),
        by_license=top_bars(licenses, TOP_LICENSES, _("Other licences")),
        by_language=top_bars(languages, TOP_LANGUAGES, _("Other languages")),
        by_forge=top_bars(forges, len(forges), ""),
        by_year=by_year,
        months=month_rows(counts["created"], counts["first_seen"]),
        created_unknown=max(0, total - sum(bar.count for bar in by_year)),
    )


# -- ministries -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TreeStep:
    """One step of a walk through a ministry's tree, in the order a nested list is
    written: an organisation (``organisation`` set; ``has_children`` opens a sub-list),
    or the end of the sub-list of the organisation before (``organisation`` None).

    A flat walk renders as one loop: a template that includes itself per node costs
    about a millisecond each, a second for a ministry of a thousand organisations.
    """

    organisation: Organisation | None
    has_children: bool = False


@dataclass(frozen=True, slots=True)
class MinistrySummary:
    ministry: Organisation
    # Everything under the ministry, itself first, and the parent → children links.
    organisation_ids: list[int]
    children: dict[int, list[int]]
    organisations: int
    accounts: int
    repositories: int
    licenses: list[Bar]
    languages: list[Bar]
    latest: list[Repository]


def ministry_rows() -> list[Organisation]:
    """Every ministry by name, with ``subtree_repository_count``, ``repository_count``
    and ``organisation_count`` (itself and everything under it) set."""
    found = queries.ministries()
    children = queries.organisation_children_map()
    queries.add_repository_counts(found)
    for ministry in found:
        ministry.organisation_count = len(queries.subtree_ids(ministry, children))
    return found


def ministry_tree(summary: MinistrySummary) -> list[TreeStep]:
    return _tree(summary.ministry, summary.organisation_ids, summary.children)


def _tree(root: Organisation, ids: list[int], children: dict[int, list[int]]) -> list[TreeStep]:
    """The walk through ``root`` and everything under it, children by name; every
    organisation appears once (a cycle in bad data is cut)."""
    # Only what the list shows: a thousand full rows cost more than their query.
    rows = Organisation.objects.only("key", "name", "parent").in_bulk(ids)
    rows[root.pk] = root
    queries.add_repository_counts(rows.values())

    def children_of(pk: int) -> list[Organisation]:
        found = [rows[child] for child in children.get(pk, ()) if child in rows]
        return sorted(found, key=lambda item: (item.name.lower(), item.pk))

    steps: list[TreeStep] = []
    placed = {root.pk}
    # A stack of organisations to visit, and None for "close the sub-list".
    stack: list[Organisation | None] = [root]
    while stack:
        organisation = stack.pop()
        if organisation is None:
            steps.append(TreeStep(None))
            continue
        below = [child for child in children_of(organisation.pk) if child.pk not in placed]
        placed.update(child.pk for child in below)
        steps.append(TreeStep(organisation, bool(below)))
        if below:
            stack.append(None)
            stack.extend(reversed(below))
    return steps


def _subtree_counts(ids: list[int]) -> dict[str, Any]:
    rows = queries.organisation_repositories(ids).order_by()
    return {
        "licenses": list(rows.values_list("license").annotate(n=Count("pk"))),
        "languages": list(rows.values_list("language").annotate(n=Count("pk"))),
        "accounts": Account.objects.filter(
            organisation__in=ids, ignored_since__isnull=True
        ).count(),
    }


# How many of the newest repositories of the whole index to read before asking the
# database for a ministry's own (see _newest).
NEWEST_SCAN = 500


def _newest(ids: list[int], limit: int) -> list[Repository]:
    """The ``limit`` repositories of these organisations Communs saw first most recently.

    A big ministry holds many of the newest repositories of the whole index: reading
    those along the index of first sight finds its newest in a few hundred rows, where
    the filtered query would sort every one of its repositories (tens of thousands).
    A small ministry is rarely among them: its own indexed rows are few to sort.
    """
    accounts = set(Account.objects.filter(organisation__in=ids).values_list("pk", flat=True))
    forges = set(Forge.objects.filter(organisation__in=ids).values_list("pk", flat=True))
    newest_first = (F("first_seen_at").desc(), "-pk")
    recent = list(
        queries.present_repositories()
        .order_by(*newest_first)
        .values_list("pk", "account_id", "forge_id")[:NEWEST_SCAN]
    )
    keys = [
        pk
        for pk, account, forge in recent
        if account in accounts or (account is None and forge in forges)
    ][:limit]
    if len(keys) < limit and len(recent) == NEWEST_SCAN:
        rows = queries.organisation_repositories(ids).order_by(*newest_first)
        keys = list(rows.values_list("pk", flat=True)[:limit])
    found = Repository.objects.select_related("forge").in_bulk(keys)
    return [found[pk] for pk in keys if pk in found]


def ministry_counts(ministry: Organisation, ids: list[int]) -> dict[str, Any]:
    """The licence and language counts and the accounts of ``ministry``, whose tree is
    ``ids`` (cached)."""
    return queries.cached_statistic(f"ministry.{ministry.pk}", lambda: _subtree_counts(ids))


def ministry_summary(ministry: Organisation, top: int = 10, latest: int = 10) -> MinistrySummary:
    children = queries.organisation_children_map()
    ids = queries.subtree_ids(ministry, children)
    counts = ministry_counts(ministry, ids)
    licenses = [
        (value or queries.UNKNOWN_LICENSE, license_label(value), n)
        for value, n in counts["licenses"]
    ]
    languages = [(value, value or _("Unknown"), n) for value, n in counts["languages"]]
    newest = _newest(ids, latest)
    return MinistrySummary(
        ministry=ministry,
        organisation_ids=ids,
        children=children,
        organisations=len(ids),
        accounts=counts["accounts"],
        repositories=sum(n for _value, n in counts["licenses"]),
        licenses=top_bars(licenses, top, _("Other licences")),
        languages=top_bars(languages, top, _("Other languages")),
        latest=newest,
    )
