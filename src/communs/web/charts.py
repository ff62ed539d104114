"""The series the stats page draws, from counts the database gives: pure, no Django.

The database answers "how many per value" or "how many per month"; a chart needs a
bounded list of bars (the long tail folded into one "other" bar, so the bars still add
up to the whole) and months without gaps (a month with nothing is a zero, not a missing
point, or a cumulative line would lie).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar: ``value`` is what a filter link sends ("" for the folded tail)."""

    value: str
    label: str
    count: int


@dataclass(frozen=True, slots=True)
class MonthRow:
    """One month (``"2024-05"``): repositories created and first seen then, and so far."""

    month: str
    created: int
    first_seen: int
    created_total: int
    first_seen_total: int


def top_bars(counts: Iterable[tuple[str, str, int]], limit: int, other_label: str) -> list[Bar]:
    """The ``limit`` largest ``(value, label, count)``, most first (ties by label), then
    one bar with the sum of the rest, labelled ``other_label``, when there is a rest."""
    ordered = sorted(
        (item for item in counts if item[2] > 0), key=lambda item: (-item[2], item[1].lower())
    )
    bars = [Bar(value, label, count) for value, label, count in ordered[:limit]]
    rest = sum(count for _value, _label, count in ordered[limit:])
    if rest:
        bars.append(Bar("", other_label, rest))
    return bars


def _month_number(month: str) -> int | None:
    """``"2024-05"`` as a count of months since year 0, or ``None`` if it is not one."""
    year, _dash, number = month.partition("-")
    if not (year.isdigit() and number.isdigit()) or not 1 <= int(number) <= 12:
        return None
    return int(year) * 12 + int(number) - 1


def _month_name(number: int) -> str:
    return f"{number // 12:04d}-{number % 12 + 1:02d}"


def month_rows(created: Mapping[str, int], first_seen: Mapping[str, int]) -> list[MonthRow]:
    """Every month from the first to the last one either mapping names, with both counts
    and their running totals. Keys that are not ``YYYY-MM`` are skipped."""
    by_number: dict[int, list[int]] = {}
    for column, counts in enumerate((created, first_seen)):
        for month, count in counts.items():
            number = _month_number(month)
            if number is not None:
                by_number.setdefault(number, [0, 0])[column] += count
    if not by_number:
        return []
    rows: list[MonthRow] = []
    created_total = first_seen_total = 0
    for number in range(min(by_number), max(by_number) + 1):
        created_n, first_seen_n = by_number.get(number, (0, 0))
        created_total += created_n
        first_seen_total += first_seen_n
        rows.append(
            MonthRow(_month_name(number), created_n, first_seen_n, created_total, first_seen_total)
        )
    return rows


def year_bars(created: Mapping[str, int]) -> list[Bar]:
    """Repositories created per year, every year from the first to the last, in order."""
    years: dict[int, int] = {}
    for month, count in created.items():
        number = _month_number(month)
        if number is not None:
            years[number // 12] = years.get(number // 12, 0) + count
    if not years:
        return []
    return [
        Bar(str(year), str(year), years.get(year, 0)) for year in range(min(years), max(years) + 1)
    ]
