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
from dataclasses import field as dataclass_field
from typing import Any

from communs.analysis.conventions import community_kind
from communs.scoring.evidence import render


@dataclass(frozen=True, slots=True)
class ScoreRow:
    """One criterion: its stable key, the points it gave, and the evidence for them.

    The evidence is an id and its parameters (:mod:`communs.scoring.evidence`), made
    into a sentence where it is shown; :attr:`evidence` is the English one.
    """

    criterion: str
    points: float
    evidence_id: str
    evidence_params: Mapping[str, Any] = dataclass_field(default_factory=dict)

    @property
    def evidence(self) -> str:
        return render(self.evidence_id, self.evidence_params)

    def to_dict(self) -> dict[str, Any]:
        # The English sentence is kept beside the id: readers of the stored JSON and of
        # `communs analyse-path` need no catalogue.
        return {
            "criterion": self.criterion,
            "points": self.points,
            "evidence": self.evidence,
            "evidence_id": self.evidence_id,
            "evidence_params": dict(self.evidence_params),
        }


@dataclass(frozen=True, slots=True)
class Score:
    """A total and the rows that explain it: the rows' points always add up to the total.

    ``maximum`` is the best total possible when the score has one; ``known`` is False
    when the record lacked what the score needs (the rows say what); ``provisional`` is
    True for a score computed from the forge's metadata alone, before any analysis.
    """

    total: float
    rows: tuple[ScoreRow, ...] = ()
    name: str = ""
    maximum: float | None = None
    known: bool = True
    provisional: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "total": self.total,
            "maximum": self.maximum,
            "known": self.known,
            "provisional": self.provisional,
            "rows": [row.to_dict() for row in self.rows],
        }


# Every field a score reads; a record is read once into a Prepared mapping of them.
FIELDS = (
    "license",
    "description",
    "is_fork",
    "is_archived",
    "is_template",
    "forks",
    "watchers",
    "root_files",
    "publiccode_valid",
)


class Prepared(dict):
    """A record read once: its :data:`FIELDS`, ``analysis`` as a dictionary (or None) and
    ``root_kinds``, the community-file kind of each name at the root. Scores call
    :func:`prepared` first, so that a record given as an object, or an ``Analysis``,
    is read and converted once rather than at every criterion."""


_PLAIN = (dict, Prepared)


def _raw(record: Any, name: str) -> Any:
    # A plain dict first: isinstance against an ABC costs more than the rest of a score.
    if type(record) in _PLAIN or isinstance(record, Mapping):
        return record.get(name)
    return getattr(record, name, None)


def prepared(record: Any) -> Prepared:
    """``record`` as a :class:`Prepared` mapping (itself when it already is one)."""
    if type(record) is Prepared:
        return record
    values = Prepared((name, _raw(record, name)) for name in FIELDS)
    analysis = _raw(record, "analysis")
    if isinstance(analysis, Mapping):
        analysis = dict(analysis)
    elif analysis is not None:
        to_dict = getattr(analysis, "to_dict", None)
        analysis = to_dict() if callable(to_dict) else None
    values["analysis"] = analysis
    root_files = values["root_files"]
    values["root_kinds"] = (
        [
            (name, community_kind("", name))
            for name in root_files
            if isinstance(name, str) and not name.endswith("/")
        ]
        if isinstance(root_files, list) and root_files
        else None
    )
    return values


def field(record: Any, name: str, default: Any = None) -> Any:
    """A record's field, from a mapping or an attribute; ``default`` when absent or None."""
    value = _raw(record, name)
    return default if value is None else value


def analysis_of(record: Any) -> dict[str, Any] | None:
    """The record's analysis as a dictionary (the ``Analysis.to_dict()`` form), or None."""
    return prepared(record)["analysis"]


def files_of(record: Any, kind: str) -> list[str] | None:
    """The paths of a kind of community file; None when nothing tells.

    The analysis knows best; without one, a forge's list of the root's names
    (``root_files``, as GitHub's GraphQL gives it) still tells about the root.
    """
    record = prepared(record)
    analysis = record["analysis"]
    if analysis is not None and isinstance(analysis.get("files"), Mapping):
        return list(analysis["files"].get(kind) or [])
    root_kinds = record["root_kinds"]
    if root_kinds is None:
        return None
    return [name for name, found in root_kinds if found == kind]
