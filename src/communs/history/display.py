"""The trends the pages show, built from :mod:`communs.history.queries` and labelled in
the request's language: each is a chart (a JSON island for ``static/web/js/charts.js``)
and the table of the same numbers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.translation import gettext as _

from communs.history import queries
from communs.history.snapshots import today
from communs.history.trends import Series, chart_data, table_rows, top_series
from communs.web import queries as web_queries
from communs.web import stats

# Lines a chart of counts by value shows before summing the rest as "other".
TOP_VALUES = 6


@dataclass(frozen=True, slots=True)
class TrendChart:
    """What ``history/_trend_chart.html`` shows."""

    key: str
    title: str
    caption: str
    days: list[date]
    series: list[Series]

    @property
    def data(self) -> dict[str, object]:
        return chart_data(self.days, self.series)

    @property
    def rows(self) -> list[tuple[date, list[int]]]:
        return table_rows(self.days, self.series)

    @property
    def drawn(self) -> bool:
        """A line needs two days; one day is a table row only."""
        return len(self.days) > 1


def _license_label(value: str) -> str:
    return stats.license_label("" if value == web_queries.UNKNOWN_LICENSE else value)


def stats_trends(until: date | None = None) -> list[TrendChart]:
    """The stats page's trends over the last year of snapshots; [] without any."""
    until = until or today()
    snapshots = queries.snapshots_between(
        until - timedelta(days=queries.DEFAULT_DAYS - 1),
        until,
        dimensions=("ministry", "license", "forge"),
        shared=True,
    )
    if not snapshots:
        return []
    days = [figures.day for figures in snapshots]

    def total(name: str, label: str) -> Series:
        return Series(label, [figures.totals[name] for figures in snapshots])

    def by(dimension: str, other: str, label: Callable[[str], str] = str) -> list[Series]:
        # Only ministries carry a name; the newest day's wins (a ministry renamed).
        names: dict[str, str] = {}
        if dimension == "ministry":
            for figures in snapshots:
                names.update(figures.labels)
        per_day = [figures.counts[dimension] for figures in snapshots]
        every = {value for counts in per_day for value in counts}
        labels = {value: names.get(value) or label(value) for value in every}
        return top_series(per_day, labels, TOP_VALUES, other)

    return [
        TrendChart(
            "history-totals",
            _("Repositories, day by day"),
            _(
                "Repositories that their forge lists, forks, archived ones and those with "
                "a known licence, each day"
            ),
            days,
            [
                total("repositories", _("Repositories")),
                total("licensed", _("With a known licence")),
                total("forks", _("Forks")),
                total("archived", _("Archived")),
            ],
        ),
        TrendChart(
            "history-forge",
            _("Repositories by forge, day by day"),
            _("Repositories on each forge, each day (the largest forges today)"),
            days,
            by("forge", _("Other forges")),
        ),
        TrendChart(
            "history-license",
            _("Repositories by licence, day by day"),
            _("Repositories under each licence, each day (the most frequent today)"),
            days,
            by("license", _("Other licences"), _license_label),
        ),
        TrendChart(
            "history-ministry",
            _("Repositories by ministry, day by day"),
            _("Repositories of each ministry and of the organisations under it, each day"),
            days,
            by("ministry", _("Other ministries")),
        ),
    ]


@dataclass(frozen=True, slots=True)
class RepositoryTrend:
    chart: TrendChart
    points: Sequence[queries.Point]


def repository_trend(repository_id: int, until: date | None = None) -> RepositoryTrend | None:
    """A repository's stars and forks over the last year of snapshots; None without
    any point."""
    until = until or today()
    points = queries.repository_points(
        repository_id, until - timedelta(days=queries.DEFAULT_DAYS - 1), until
    )
    if not points:
        return None
    chart = TrendChart(
        "history-repository",
        _("Stars and forks over time"),
        _("Stars and forks of the repository on each day they changed"),
        [point.day for point in points],
        [
            Series(_("Stars"), [point.stars for point in points]),
            Series(_("Forks"), [point.forks for point in points]),
        ],
    )
    return RepositoryTrend(chart, list(reversed(points)))
