"""The shape every score shares, and reading a record whatever its form.

A *record* is a repository's fields plus its analysis: a plain mapping
(``{"license": "MIT", "forks": 3, "analysis": {...}}``) or any object with those
attributes (a dataclass, a model instance). ``analysis`` may be an
:class:`~communs.analysis.Analysis` or the dictionary its ``to_dict()`` gives, as stored.
A field that is missing or None is *unknown*, which scores differently from a field that
is known to be empty (an unknown description costs nothing; an empty one costs 100).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from communs.analysis.conventions import community_kind


@dataclass(frozen=True, slots=True)
class ScoreRow:
    """One criterion: its stable key, the points it gave, and the evidence, for people."""

    criterion: str
    points: float
    evidence: str

    def to_dict(self) -> dict[str, Any]:
        return {"criterion": self.criterion, "points": self.points, "evidence": self.evidence}


@dataclass(frozen=True, slots=True)
class Score:
    """A total and the rows that explain it: the rows' points always add up to the total.

    ``maximum`` is the best total possible when the score has one; ``known`` is False
    when the record lacked what the score needs (the rows say what).
    """

    total: float
    rows: tuple[ScoreRow, ...] = ()
    name: str = ""
    maximum: float | None = None
    known: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "total": self.total,
            "maximum": self.maximum,
            "known": self.known,
            "rows": [row.to_dict() for row in self.rows],
        }


def field(record: Any, name: str, default: Any = None) -> Any:
    """A record's field, from a mapping or an attribute; ``default`` when absent or None."""
    value = record.get(name) if isinstance(record, Mapping) else getattr(record, name, None)
    return default if value is None else value


def analysis_of(record: Any) -> dict[str, Any] | None:
    """The record's analysis as a dictionary (the ``Analysis.to_dict()`` form), or None."""
    analysis = field(record, "analysis")
    if analysis is None:
        return None
    if isinstance(analysis, Mapping):
        return dict(analysis)
    to_dict = getattr(analysis, "to_dict", None)
    return to_dict() if callable(to_dict) else None


def files_of(record: Any, kind: str) -> list[str] | None:
    """The paths of a kind of community file; None when nothing tells.

    The analysis knows best; without one, a forge's list of the root's names
    (``root_files``, as GitHub's GraphQL gives it) still tells about the root.
    """
    analysis = analysis_of(record)
    if analysis is not None and isinstance(analysis.get("files"), Mapping):
        return list(analysis["files"].get(kind) or [])
    root_files = field(record, "root_files")
    if isinstance(root_files, list) and root_files:
        return [
            name
            for name in root_files
            if isinstance(name, str) and not name.endswith("/") and community_kind("", name) == kind
        ]
    return None
