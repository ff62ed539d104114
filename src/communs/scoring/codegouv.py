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
negative: :func:`hidden_by_default`. A repository never analysed still gets a score from
its forge metadata (:func:`provisional_codegouv_score`), marked provisional. Every
criterion gives a row, even at 0 points, so the page can say what would raise the score.
"""

from __future__ import annotations

from typing import Any

from communs.scoring.base import FIELDS, Score, ScoreRow, analysis_of, field, files_of, prepared

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
        return ScoreRow("known_license", 1000, "license_declared", {"license": declared})
    analysis = analysis_of(record) or {}
    detected = (analysis.get("license") or {}).get("expression") or ""
    if detected and detected != "NOASSERTION":
        files = [item["path"] for item in analysis["license"].get("files", [])]
        return ScoreRow(
            "known_license", 1000, "license_in_files", {"files": files, "license": detected}
        )
    if declared or detected:
        return ScoreRow("known_license", 0, "license_unrecognised")
    return ScoreRow("known_license", 0, "license_unknown")


def _file(record: Any, kind: str, criterion: str, points: int, label: str) -> ScoreRow:
    paths = files_of(record, kind)
    if paths is None:
        return ScoreRow(criterion, 0, "file_unknown", {"file": label})
    if paths:
        return ScoreRow(criterion, points, "file_found", {"file": label, "path": paths[0]})
    return ScoreRow(criterion, 0, "file_missing", {"file": label})


def _count(record: Any, name: str, criterion: str) -> ScoreRow:
    count = int(field(record, name, 0) or 0)
    return ScoreRow(criterion, _tier(count), f"{criterion}_count", {"count": count})


def _flag(record: Any, name: str, criterion: str, points: int) -> ScoreRow:
    value = bool(field(record, name, False))
    return ScoreRow(criterion, points if value else 0, f"{criterion}_{'yes' if value else 'no'}")


def codegouv_score(record: Any) -> Score:
    """The code.gouv.fr score of a record, with one row per criterion.

    Without an analysis, the forge's fields (and its list of root files, when known)
    give what they can: see :func:`provisional_codegouv_score`.
    """
    record = prepared(record)
    description = field(record, "description")
    if description is None:
        described = ScoreRow("description", 0, "description_unknown")
    elif str(description).strip():
        described = ScoreRow("description", 0, "description_present")
    else:
        described = ScoreRow("description", -100, "description_missing")
    rows = (
        _licence(record),
        _flag(record, "is_template", "template", 1000),
        _file(record, "publiccode", "publiccode", 1000, "publiccode.yml"),
        _file(record, "readme", "readme", 100, "README"),
        _file(record, "contributing", "contributing", 100, "CONTRIBUTING"),
        _file(record, "changelog", "changelog", 10, "CHANGELOG"),
        described,
        _flag(record, "is_archived", "archived", -1000),
        _flag(record, "is_fork", "fork", -1000),
        _count(record, "forks", "forks"),
        _count(record, "watchers", "subscribers"),
    )
    return Score(sum(row.points for row in rows), rows, name=NAME)


def provisional_codegouv_score(record: Any) -> Score:
    """The code.gouv.fr score of a repository never analysed, from its forge metadata.

    Description, licence, template, archived, fork, forks and subscribers are the
    forge's; the files count only when the forge listed the root (GitHub's GraphQL
    ``root_files``), else they give nothing. Marked ``provisional`` until an analysis
    replaces it, so that every repository has a score to sort on and the default list
    hides the negative ones before any code is read.
    """
    # Read once, and without the analysis: it is what a never-analysed record has.
    fields = {name: field(record, name) for name in FIELDS}
    score = codegouv_score(fields)
    return Score(score.total, score.rows, name=NAME, provisional=True)


# The points of the file criteria, which a score without analysis may not know.
FILE_POINTS = {"publiccode": 1000, "readme": 100, "contributing": 100, "changelog": 10}


def unknown_points(score: Score) -> int:
    """The most points the criteria the score could not judge might still give."""
    return sum(
        FILE_POINTS.get(row.criterion, 0) for row in score.rows if row.evidence_id == "file_unknown"
    )


def hidden_by_default(score: Score) -> bool:
    """Whether code.gouv.fr's default list leaves the repository out: a negative score.

    A provisional score is negative for sure only if the files it could not see would
    not lift it to zero: a repository is never hidden for what nobody has read yet
    (one without description, whose README nobody has looked for, stays listed).
    """
    if score.provisional:
        return score.total + unknown_points(score) < 0
    return score.total < 0
