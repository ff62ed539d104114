"""Developers Italia's vitality index, from an analysis' activity."""

from __future__ import annotations

from typing import Any

import pytest

from communs.analysis import Activity, Analysis, Day
from communs.scoring import vitality_index
from communs.scoring.vitality import (
    CODE_ACTIVITY,
    LONGEVITY,
    RELEASE_HISTORY,
    USER_COMMUNITY,
    points,
)


def _record(age_days: float, days: list[dict[str, int]], **counts: int) -> dict[str, Any]:
    activity = {"age_days": age_days, "days": days, **counts}
    return {"analysis": {"activity": activity}}


def _quiet_days(authors: int) -> list[dict[str, int]]:
    return [{"offset": i, "commits": 0, "merges": 0, "tags": 0, "authors_before": authors}
            for i in range(60)]  # fmt: skip


def test_it_gives_a_quiet_year_old_project_the_floor_of_each_range() -> None:
    score = vitality_index(_record(400, _quiet_days(authors=1)))

    # 4 (one author) + 2 (no commit) + 20 (no tag) + 30 (one to two years old)
    assert score.total == 56
    assert {row.criterion: row.points for row in score.rows} == {
        "user_community": 4,
        "code_activity": 2,
        "release_history": 20,
        "longevity": 30,
    }


def test_it_averages_the_days_and_caps_each_day_at_100() -> None:
    days = _quiet_days(authors=30)  # 36 points a day
    days[0].update(commits=30, merges=10, tags=5)  # 60 + 50: that day is capped at 100
    days[1].update(commits=4)  # 8 instead of 2

    score = vitality_index(_record(1000, days))

    day_points = [100, 36 + 8 + 20 + 35] + [36 + 2 + 20 + 35] * 58
    assert score.total == int(sum(day_points) / 60)
    assert sum(row.points for row in score.rows) == pytest.approx(score.total, abs=0.01)
    assert (score.rows[-1].criterion, score.rows[-1].evidence) == (
        "cap",
        "days capped at 100: 1; then the mean cut to an integer",
    )


def test_it_never_goes_over_100() -> None:
    days = [{"offset": i, "commits": 50, "merges": 50, "tags": 10, "authors_before": 40}
            for i in range(60)]  # fmt: skip

    assert vitality_index(_record(3000, days)).total == 100


@pytest.mark.parametrize(
    ("ranges", "value", "expected"),
    [
        (USER_COMMUNITY, 0, 4), (USER_COMMUNITY, 2, 8), (USER_COMMUNITY, 28, 36),
        (CODE_ACTIVITY, 3, 2), (CODE_ACTIVITY, 4, 8), (CODE_ACTIVITY, 35, 60),
        (RELEASE_HISTORY, 1, 30), (RELEASE_HISTORY, 4, 50), (RELEASE_HISTORY, 100, 0),
        (LONGEVITY, 364.9, 20), (LONGEVITY, 365, 30), (LONGEVITY, 730, 35),
    ],
)  # fmt: skip
def test_it_uses_the_crawlers_ranges_with_inclusive_lower_bounds(
    ranges: tuple[tuple[int, int, int], ...], value: float, expected: int
) -> None:
    assert points(ranges, value) == expected


def test_it_says_when_there_is_no_history() -> None:
    score = vitality_index({"analysis": {"activity": None}})

    assert (score.total, score.known) == (0, False)
    assert "no git history" in score.rows[0].evidence
    assert vitality_index({}).known is False


def test_it_reads_an_analysis_object_as_well_as_its_dictionary() -> None:
    from datetime import UTC, datetime, timedelta

    now = datetime(2026, 1, 1, tzinfo=UTC)
    days = tuple(Day(offset=i, authors_before=5, commits=1 if i < 10 else 0) for i in range(60))
    activity = Activity(now=now, first_commit_at=now - timedelta(days=800), days=days)
    analysis = Analysis(root=".", activity=activity)

    as_object = vitality_index({"analysis": analysis})
    as_dict = vitality_index({"analysis": analysis.to_dict()})

    assert as_object == as_dict
    assert as_object.total == 12 + 2 + 20 + 35
