"""The series behind the charts (``communs.web.charts``, pure)."""

from __future__ import annotations

from communs.web.charts import Bar, MonthRow, month_rows, top_bars, year_bars


def test_top_bars_keep_the_largest_and_fold_the_rest() -> None:
    counts = [("a", "A", 5), ("b", "B", 9), ("c", "c", 1), ("d", "D", 5), ("e", "E", 0)]
    assert top_bars(counts, 2, "Other") == [Bar("b", "B", 9), Bar("a", "A", 5), Bar("", "Other", 6)]
    # Nothing left over: no "other" bar; empty values are dropped.
    assert top_bars(counts, 10, "Other") == [
        Bar("b", "B", 9),
        Bar("a", "A", 5),
        Bar("d", "D", 5),
        Bar("c", "c", 1),
    ]
    assert top_bars([], 3, "Other") == []


def test_months_have_no_gaps_and_running_totals() -> None:
    rows = month_rows({"2023-11": 2, "2024-02": 1, "not-a-month": 7, "2024-13": 4}, {"2024-01": 3})
    assert rows == [
        MonthRow("2023-11", 2, 0, 2, 0),
        MonthRow("2023-12", 0, 0, 2, 0),
        MonthRow("2024-01", 0, 3, 2, 3),
        MonthRow("2024-02", 1, 0, 3, 3),
    ]
    assert month_rows({}, {}) == []


def test_years_cover_every_year_between_the_first_and_the_last() -> None:
    assert year_bars({"2019-03": 2, "2019-12": 1, "2021-06": 4}) == [
        Bar("2019", "2019", 3),
        Bar("2020", "2020", 0),
        Bar("2021", "2021", 4),
    ]
    assert year_bars({}) == []
