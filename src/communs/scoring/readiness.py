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
from communs.scoring.base import Score, ScoreRow, analysis_of, field, files_of

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
_SECRET_LABELS = {
    "private_key": "private key",
    "aws_access_key_id": "AWS access key id",
    "aws_secret_access_key": "AWS secret access key",
    "github_token": "GitHub token",
    "gitlab_token": "GitLab token",
    "env_secret": "secret in an .env file",
}


def _row(criterion: str, passed: bool, evidence: str) -> ScoreRow:
    return ScoreRow(criterion, 1 if passed else 0, evidence)


def _licence_rows(analysis: dict[str, Any] | None) -> tuple[ScoreRow, ScoreRow]:
    if analysis is None:
        unknown = "not known: the repository was not analysed"
        return _row("license_detected", False, unknown), _row("license_approved", False, unknown)
    licence = analysis.get("license") or {}
    expression = licence.get("expression") or ""
    files = licence.get("files") or []
    if not expression:
        detected = _row("license_detected", False, "no licence file")
    elif expression == "NOASSERTION":
        names = ", ".join(item["path"] for item in files)
        detected = _row("license_detected", False, f"{names}: licence not recognised")
    else:
        where = ", ".join(
            f"{item['path']} ({item['spdx']}, {item['method']}, {item['confidence']:.0%})"
            for item in files
        )
        detected = _row("license_detected", True, f"{expression} from {where}")
    if not expression or expression == "NOASSERTION":
        return detected, _row("license_approved", False, "no recognised licence to approve")
    approvals = [
        label
        for label, approved in (
            ("OSI-approved", licensing.osi_approved(expression)),
            ("FSF-libre", licensing.fsf_libre(expression)),
            ("on the French public-sector list", licensing.french_public_sector(expression)),
        )
        if approved
    ]
    if approvals:
        return detected, _row("license_approved", True, f"{expression}: {', '.join(approvals)}")
    return detected, _row("license_approved", False, f"{expression} is on no approved list")


def _file_row(record: Any, kind: str, label: str) -> ScoreRow:
    paths = files_of(record, kind)
    if paths is None:
        return _row(kind, False, f"{label}: not known (no analysis)")
    return _row(kind, bool(paths), paths[0] if paths else f"no {label}")


def _publiccode_row(record: Any) -> ScoreRow:
    verdict = field(record, "publiccode_valid")
    present = files_of(record, "publiccode")
    if verdict is True:
        return _row("publiccode_valid", True, "publiccode.yml is valid")
    if verdict is False:
        return _row("publiccode_valid", False, "publiccode.yml is not valid")
    if present:
        return _row("publiccode_valid", False, f"{present[0]} not validated yet")
    if present is None:
        return _row("publiccode_valid", False, "publiccode.yml: not known (no analysis)")
    return _row("publiccode_valid", False, "no publiccode.yml")


def _secrets_row(analysis: dict[str, Any] | None) -> ScoreRow:
    if analysis is None:
        return _row("no_secrets", False, "not known: the repository was not analysed")
    found = analysis.get("secrets") or []
    if not found:
        return _row("no_secrets", True, "no secret found")
    places = "; ".join(
        f"{item['path']}:{item['line']} ({_SECRET_LABELS.get(item['kind'], item['kind'])})"
        for item in found[:10]
    )
    more = f" and {len(found) - 10} more" if len(found) > 10 else ""
    return _row("no_secrets", False, f"{len(found)} secrets committed: {places}{more}")


def readiness_checklist(record: Any) -> Score:
    """The publication checklist of a record: one row per item of :data:`ITEMS`."""
    analysis = analysis_of(record)
    detected, approved = _licence_rows(analysis)
    description = field(record, "description")
    if description is None:
        described = _row("description", False, "description not known")
    else:
        has_text = bool(str(description).strip())
        described = _row("description", has_text, "has a description" if has_text else
                         "no description")  # fmt: skip
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
