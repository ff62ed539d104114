"""Scores of a repository, each a pure function of a record, each explaining itself.

    from communs.scoring import codegouv_score, vitality_index, readiness_checklist
    score = codegouv_score({"license": "MIT", "description": "", "forks": 12})
    score.total, [(row.criterion, row.points, row.evidence) for row in score.rows]

A record is a mapping or an object with the repository's fields (``license``,
``description``, ``is_fork``, ``is_archived``, ``is_template``, ``forks``, ``watchers``,
``root_files``, ``publiccode_valid``) and ``analysis``: an
:class:`~communs.analysis.Analysis` or its ``to_dict()``. Every score returns a
:class:`Score` whose rows add up to its total. No Django inside.
"""

from __future__ import annotations

from communs.scoring.base import Score, ScoreRow
from communs.scoring.codegouv import (
    codegouv_score,
    hidden_by_default,
    provisional_codegouv_score,
)
from communs.scoring.readiness import is_ready, readiness_checklist
from communs.scoring.vitality import vitality_index

__all__ = [
    "Score",
    "ScoreRow",
    "all_scores",
    "codegouv_score",
    "hidden_by_default",
    "is_ready",
    "provisional_codegouv_score",
    "readiness_checklist",
    "vitality_index",
]


def all_scores(record: object) -> dict[str, Score]:
    """Every score of a record, by name."""
    return {
        "codegouv": codegouv_score(record),
        "vitality": vitality_index(record),
        "readiness": readiness_checklist(record),
    }
