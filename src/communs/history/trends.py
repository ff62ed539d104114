"""Pure helpers that turn stored snapshots into the series a chart and its table show.

No Django here: the inputs are days and counts, the outputs lists of numbers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta


class BadRange(ValueError):
    """A date range that is reversed or longer than allowed; its message says which."""

    def __init__(self, parameter: str, problem: str) -> None:
        super().__init__(problem)
        self.parameter = parameter
        self.problem = problem


def date_range(
    since: date | None, until: date | None, *, today: date, default_days: int, max_days: int
) -> tuple[date, date]:
    """``(since, until)`` both included: ``until`` defaults to ``today`` and ``since``
    to ``default_days`` before it; refused when reversed or over ``max_days`` days."""
    until = until or today
    if since is None:
        try:
            since = until - timedelta(days=default_days - 1)
        except OverflowError:
            since = date.min
    if since > until:
        raise BadRange("since", f"{since} is after until ({until}).")
    if (until - since).days + 1 > max_days:
        raise BadRange("since", f"the range is longer than {max_days} days.")
    return since, until


@dataclass(frozen=True, slots=True)
class Series:
    label: str
    data: list[int]


def top_series(
    per_day: Sequence[Mapping[str, int]],
    labels: Mapping[str, str],
    top: int,
    other_label: str,
) -> list[Series]:
    """One series per value among the ``top`` largest on the last day, and the rest
    summed as ``other_label`` (left out when it is 0 every day); a value missing on a
    day counts 0 there. ``labels`` names values (a value is its own label otherwise)."""
    if not per_day:
        return []
    last = per_day[-1]
    every = {value for counts in per_day for value in counts}
    # The largest on the last day first; values gone by then follow by their peak.
    ranked = sorted(
        every,
        key=lambda value: (-last.get(value, 0), -max(c.get(value, 0) for c in per_day), value),
    )
    kept = ranked[:top]
    series = [
        Series(labels.get(value, value), [counts.get(value, 0) for counts in per_day])
        for value in kept
    ]
    rest = set(ranked[top:])
    other = [sum(n for value, n in counts.items() if value in rest) for counts in per_day]
    if any(other):
        series.append(Series(other_label, other))
    return series


def chart_data(days: Sequence[date], series: Sequence[Series]) -> dict[str, object]:
    """The JSON island ``static/web/js/charts.js`` draws as a line chart."""
    return {
        "type": "line",
        "labels": [day.isoformat() for day in days],
        "series": [{"label": item.label, "data": item.data} for item in series],
    }


def table_rows(days: Sequence[date], series: Sequence[Series]) -> list[tuple[date, list[int]]]:
    """The same numbers by day, newest first, as the chart's table lists them."""
    return [
        (day, [item.data[index] for item in series])
        for index, day in reversed(list(enumerate(days)))
    ]
