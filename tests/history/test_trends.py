"""The pure helpers behind the trends: ranges of days and the series a chart draws."""

from __future__ import annotations

from datetime import date

import pytest

from communs.history.trends import BadRange, Series, date_range, table_rows, top_series

TODAY = date(2026, 3, 2)


def test_a_range_defaults_to_the_days_before_until() -> None:
    assert date_range(None, None, today=TODAY, default_days=3, max_days=10) == (
        date(2026, 2, 28),
        TODAY,
    )
    assert date_range(date(2026, 3, 1), date(2026, 3, 1), today=TODAY, default_days=3, max_days=1)


@pytest.mark.parametrize(("since", "until"), [(date(2026, 3, 3), TODAY), (date(2026, 2, 1), TODAY)])
def test_a_reversed_or_long_range_is_refused(since: date, until: date) -> None:
    with pytest.raises(BadRange) as raised:
        date_range(since, until, today=TODAY, default_days=3, max_days=10)
    assert raised.value.parameter == "since"


def test_top_series_keeps_the_largest_today_and_sums_the_rest() -> None:
    per_day = [{"a": 5, "b": 1, "c": 2}, {"a": 1, "b": 4, "d": 1}]
    series = top_series(per_day, {"a": "A"}, 2, "other")
    assert series == [Series("b", [1, 4]), Series("A", [5, 1]), Series("other", [2, 1])]
    # Nothing left over: no "other" line.
    assert [item.label for item in top_series(per_day, {}, 4, "other")] == ["b", "a", "d", "c"]
    assert top_series([], {}, 3, "other") == []


def test_table_rows_list_the_newest_day_first() -> None:
    days = [date(2026, 3, 1), TODAY]
    assert table_rows(days, [Series("x", [1, 2]), Series("y", [3, 4])]) == [
        (TODAY, [2, 4]),
        (date(2026, 3, 1), [1, 3]),
    ]
