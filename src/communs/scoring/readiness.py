"""Is a repository ready to publish? A checklist, one point per item passed.

1. ``license_detected``: a licence file whose licence was recognised;
2. ``license_approved``: that licence is OSI-approved, FSF-libre, or on the list French
   administrations may use (see :data:`communs.analysis.licensing.FRENCH_PUBLIC_SECTOR`);
3. ``readme``: a README;
4. ``contributing``: a contribution guide;
5. ``description``: the forge shows a description;
6. ``publiccode_valid``: a ``publiccode.yml`` that the validator accepts. The validator
   lives in :mod:`communs.publiccode`; the record carries its verdict as
   ``publiccode_valid`` (True, False, or None when not validated);
7. ``no_secrets``: the analysis found no committed secret. Evidence names each file and
   line and the kind of secret, never the secret.

An item that the record cannot tell (no analysis, no description field) does not pass,
and its evidence says it is unknown. :func:`is_ready` is True when every item passes.
"""

from __future__ import annotations

from typing import Any

from communs.analysis import licensing
from communs.scoring.base import Score, ScoreRow, analysis_of, field, files_of, prepared
from communs.scoring.evidence import MESSAGES, nested

NAME = "readiness"
ITEMS = (
    "license_detected",
    "license_approved",
    "readme",
    "contributing",
    "description",
    "publiccode_valid",
    "no_secrets",
)
# How many secrets the evidence names; the count says how many more there are.
_SECRETS_SHOWN = 10


def _row(criterion: str, passed: bool, evidence_id: str, **params: Any) -> ScoreRow:
    return ScoreRow(criterion, 1 if passed else 0, evidence_id, params)


def _licence_rows(analysis: dict[str, Any] | None) -> tuple[ScoreRow, ScoreRow]:
    if analysis is None:
        return (
            _row("license_detected", False, "not_analysed"),
            _row("license_approved", False, "not_analysed"),
        )
    licence = analysis.get("license") or {}
    expression = licence.get("expression") or ""
    files = licence.get("files") or []
    if not expression:
        detected = _row("license_detected", False, "license_file_missing")
    elif expression == "NOASSERTION":
        paths = [item["path"] for item in files]
        detected = _row("license_detected", False, "license_file_unrecognised", files=paths)
    else:
        where = [
            nested(
                "license_file",
                path=item["path"],
                spdx=item["spdx"],
                method=item["method"],
                confidence=float(item["confidence"]),
            )
            for item in files
        ]
        detected = _row(
            "license_detected", True, "license_recognised", license=expression, files=where
        )
    if not expression or expression == "NOASSERTION":
        return detected, _row("license_approved", False, "license_nothing_to_approve")
    approvals = [
        nested(evidence_id)
        for evidence_id, approved in (
            ("approval_osi", licensing.osi_approved(expression)),
            ("approval_fsf", licensing.fsf_libre(expression)),
            ("approval_french_public_sector", licensing.french_public_sector(expression)),
        )
        if approved
    ]
    if approvals:
        return detected, _row(
            "license_approved", True, "license_approved", license=expression, approvals=approvals
        )
    return detected, _row("license_approved", False, "license_not_approved", license=expression)


def _file_row(record: Any, kind: str, label: str) -> ScoreRow:
    paths = files_of(record, kind)
    if paths is None:
        return _row(kind, False, "file_unknown", file=label)
    if paths:
        return _row(kind, True, "file_found", file=label, path=paths[0])
    return _row(kind, False, "file_missing", file=label)


def _publiccode_row(record: Any) -> ScoreRow:
    verdict = field(record, "publiccode_valid")
    present = files_of(record, "publiccode")
    if verdict is True:
        return _row("publiccode_valid", True, "publiccode_valid")
    if verdict is False:
        return _row("publiccode_valid", False, "publiccode_invalid")
    if present:
        return _row("publiccode_valid", False, "publiccode_not_validated", path=present[0])
    if present is None:
        return _row("publiccode_valid", False, "file_unknown", file="publiccode.yml")
    return _row("publiccode_valid", False, "file_missing", file="publiccode.yml")


def _secrets_row(analysis: dict[str, Any] | None) -> ScoreRow:
    if analysis is None:
        return _row("no_secrets", False, "not_analysed")
    found = analysis.get("secrets") or []
    if not found:
        return _row("no_secrets", True, "secrets_none")
    places = [
        nested(
            "secret_place",
            path=item["path"],
            line=item["line"],
            # A kind this module does not name shows as its key.
            kind=nested(f"secret_{item['kind']}") if f"secret_{item['kind']}" in MESSAGES
            else item["kind"],
        )
        for item in found[:_SECRETS_SHOWN]
    ]  # fmt: skip
    more = len(found) - _SECRETS_SHOWN
    if more > 0:
        return _row(
            "no_secrets", False, "secrets_found_more", count=len(found), places=places, more=more
        )
    return _row("no_secrets", False, "secrets_found", count=len(found), places=places)


def readiness_checklist(record: Any) -> Score:
    """The publication checklist of a record: one row per item of :data:`ITEMS`."""
    record = prepared(record)
    analysis = analysis_of(record)
    detected, approved = _licence_rows(analysis)
    description = field(record, "description")
    if description is None:
        described = _row("description", False, "description_unknown")
    elif str(description).strip():
        described = _row("description", True, "description_present")
    else:
        described = _row("description", False, "description_missing")
    rows = (
        detected,
        approved,
        _file_row(record, "readme", "README"),
        _file_row(record, "contributing", "CONTRIBUTING"),
        described,
        _publiccode_row(record),
        _secrets_row(analysis),
    )
    return Score(sum(row.points for row in rows), rows, name=NAME, maximum=len(ITEMS))


def is_ready(score: Score) -> bool:
    """Every item of the checklist passed."""
    return score.maximum is not None and score.total == score.maximum
