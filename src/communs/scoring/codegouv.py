"""The code.gouv.fr score, criterion by criterion, as its public list computes it.

| criterion | points |
|---|---|
| known licence | +1000 |
| template repository | +1000 |
| has ``publiccode.yml`` | +1000 |
| README, CONTRIBUTING | +100 each |
| CHANGELOG | +10 |
| no description | −100 |
| archived, fork | −1000 each |
| forks, subscribers | each +1000 over 100, +100 over 10, +10 over 1 |

"Over" is strictly more than. The licence is known when the forge names one (anything
but empty or ``NOASSERTION``), or else when the analysis recognised the licence file.
Subscribers are the forge's watchers. The public list hides repositories whose score is
negative: :func:`hidden_by_default`. Every criterion gives a row, even at 0 points, so the
page can say what would raise the score.
"""

from __future__ import annotations

from typing import Any

from communs.scoring.base import Score, ScoreRow, analysis_of, field, files_of

NAME = "codegouv"


def _tier(count: int) -> int:
    if count > 100:
        return 1000
    if count > 10:
        return 100
    if count > 1:
        return 10
    return 0


def _licence(record: Any) -> ScoreRow:
    declared = str(field(record, "license", "")).strip()
    if declared and declared.upper() != "NOASSERTION":
        return ScoreRow("known_license", 1000, f"the forge gives the licence {declared}")
    analysis = analysis_of(record) or {}
    detected = (analysis.get("license") or {}).get("expression") or ""
    if detected and detected != "NOASSERTION":
        files = ", ".join(item["path"] for item in analysis["license"].get("files", []))
        return ScoreRow("known_license", 1000, f"{files or 'the tree'} says {detected}")
    if declared or detected:
        return ScoreRow("known_license", 0, "a licence file, but which licence is not known")
    return ScoreRow("known_license", 0, "no licence known")


def _file(record: Any, kind: str, criterion: str, points: int, label: str) -> ScoreRow:
    paths = files_of(record, kind)
    if paths is None:
        return ScoreRow(criterion, 0, f"{label}: not known (no analysis, no list of files)")
    if paths:
        return ScoreRow(criterion, points, f"{label}: {paths[0]}")
    return ScoreRow(criterion, 0, f"no {label}")


def _count(record: Any, name: str, criterion: str, label: str) -> ScoreRow:
    count = int(field(record, name, 0) or 0)
    return ScoreRow(criterion, _tier(count), f"{count} {label}")


def codegouv_score(record: Any) -> Score:
    """The code.gouv.fr score of a record, with one row per criterion."""
    description = field(record, "description")
    if description is None:
        described = ScoreRow("description", 0, "description not known")
    elif str(description).strip():
        described = ScoreRow("description", 0, "has a description")
    else:
        described = ScoreRow("description", -100, "no description")
    template = bool(field(record, "is_template", False))
    archived = bool(field(record, "is_archived", False))
    fork = bool(field(record, "is_fork", False))
    rows = (
        _licence(record),
        ScoreRow(
            "template",
            1000 if template else 0,
            "template repository" if template else "not a template",
        ),  # fmt: skip
        _file(record, "publiccode", "publiccode", 1000, "publiccode.yml"),
        _file(record, "readme", "readme", 100, "README"),
        _file(record, "contributing", "contributing", 100, "CONTRIBUTING"),
        _file(record, "changelog", "changelog", 10, "CHANGELOG"),
        described,
        ScoreRow("archived", -1000 if archived else 0, "archived" if archived else "not archived"),
        ScoreRow("fork", -1000 if fork else 0, "a fork" if fork else "not a fork"),
        _count(record, "forks", "forks", "forks"),
        _count(record, "watchers", "subscribers", "subscribers"),
    )
    return Score(sum(row.points for row in rows), rows, name=NAME)


def hidden_by_default(score: Score) -> bool:
    """Whether code.gouv.fr's default list leaves the repository out: a negative score."""
    return score.total < 0
