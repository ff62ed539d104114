"""Developers Italia's vitality index: how alive a repository was over the last 60 days.

Source: the publiccode-crawler of Developers Italia (``git/repo_activity.go``,
``CalculateRepoActivity``, and the ranges of ``vitality-ranges.yml``), documented in its
``docs/vitality-index.md``. For each of the 60 days before the analysis (day ``i``
ends at the cutoff ``now - i days``), four indicators get points from a range table:

- user community: distinct commit authors before the cutoff (4 to 36 points);
- code activity: commits that calendar day plus merges that day, a merge counting twice
  (2 to 60 points);
- release history: tags on commits of that day (20 to 50 points);
- longevity: the age of the first commit at the analysis, in days (20 to 35 points).

A day's points are their sum, capped at 100; the index is the mean over the 60 days,
cut to an integer, capped at 100. Note that a quiet repository still scores: a year-old
project with a single author and no commit in 60 days gets 4 + 2 + 20 + 30 = 56, as the
crawler computes it. The rows give each indicator's mean over the window and, when
the caps took points off, a row for that, so that the rows add up to the index.
"""

from __future__ import annotations

from typing import Any

from communs.scoring.base import Score, ScoreRow, analysis_of, prepared

NAME = "vitality"
WINDOW_DAYS = 60

# (low, high, points): the points for a value v with low <= v < high.
USER_COMMUNITY = (
    (0, 2, 4), (2, 4, 8), (4, 8, 12), (8, 12, 16), (12, 16, 20), (16, 20, 24), (20, 24, 28),
    (24, 28, 32), (28, 10_000, 36),
)  # fmt: skip
CODE_ACTIVITY = (
    (0, 4, 2), (4, 6, 8), (6, 9, 14), (9, 12, 20), (12, 15, 26), (15, 18, 32), (18, 25, 38),
    (25, 30, 44), (30, 35, 50), (35, 10_000, 60),
)  # fmt: skip
RELEASE_HISTORY = ((0, 1, 20), (1, 2, 30), (2, 4, 40), (4, 100, 50))
LONGEVITY = ((0, 365, 20), (365, 730, 30), (730, 10_000, 35))


def points(ranges: tuple[tuple[int, int, int], ...], value: float) -> int:
    """The points of the range holding ``value``; 0 outside every range, as upstream."""
    for low, high, given in ranges:
        if low <= value < high:
            return given
    return 0


def _activity(record: Any) -> dict[str, Any] | None:
    analysis = analysis_of(record)
    activity = analysis.get("activity") if analysis else None
    return activity if isinstance(activity, dict) else None


def vitality_index(record: Any) -> Score:
    """The vitality index (0–100) of a record whose analysis read a git history."""
    record = prepared(record)
    activity = _activity(record)
    if activity is None or activity.get("age_days") is None:
        row = ScoreRow("history", 0, "history_missing")
        return Score(0, (row,), name=NAME, maximum=100, known=False)
    days = {int(day["offset"]): day for day in activity.get("days") or []}
    age = float(activity["age_days"])
    longevity = points(LONGEVITY, age)
    sums = {"user_community": 0, "code_activity": 0, "release_history": 0, "longevity": 0}
    total = 0.0
    capped = 0
    for offset in range(WINDOW_DAYS):
        day = days.get(offset, {})
        community = points(USER_COMMUNITY, day.get("authors_before", 0))
        code = points(CODE_ACTIVITY, day.get("commits", 0) + day.get("merges", 0))
        releases = points(RELEASE_HISTORY, day.get("tags", 0))
        sums["user_community"] += community
        sums["code_activity"] += code
        sums["release_history"] += releases
        sums["longevity"] += longevity
        day_points = community + code + releases + longevity
        capped += day_points > 100
        total += min(day_points, 100)
    index = min(int(total / WINDOW_DAYS), 100)
    means = {name: round(value / WINDOW_DAYS, 2) for name, value in sums.items()}
    today = days.get(0, {})
    rows = [
        ScoreRow(
            "user_community",
            means["user_community"],
            "authors_before_today",
            {"count": today.get("authors_before", 0)},
        ),
        ScoreRow(
            "code_activity",
            means["code_activity"],
            "commits_60d",
            {"commits": activity.get("commits_60d", 0), "merges": activity.get("merges_60d", 0)},
        ),
        ScoreRow(
            "release_history",
            means["release_history"],
            "tags_60d",
            {"count": activity.get("tags_60d", 0)},
        ),
        ScoreRow("longevity", means["longevity"], "first_commit_age", {"days": age}),
    ]
    adjustment = round(index - sum(row.points for row in rows), 2)
    if adjustment:
        if capped:
            rows.append(ScoreRow("cap", adjustment, "cap_days", {"days": capped}))
        else:
            rows.append(ScoreRow("cap", adjustment, "cap_rounding"))
    return Score(index, tuple(rows), name=NAME, maximum=100)
