"""The publication-readiness checklist: each item, its evidence, and what it never shows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from communs.analysis import analyse_tree
from communs.scoring import is_ready, readiness_checklist


def _analysis(expression: str = "MIT", **files: list[str]) -> dict[str, Any]:
    licence_files = [{"path": "LICENSE", "spdx": expression, "method": "text", "confidence": 0.99}]
    return {
        "files": {"readme": [], "contributing": [], "publiccode": [], **files},
        "license": {"expression": expression, "files": licence_files if expression else []},
        "secrets": [],
    }


def _rows(record: Any) -> dict[str, tuple[float, str]]:
    return {row.criterion: (row.points, row.evidence) for row in readiness_checklist(record).rows}


def test_it_passes_a_repository_ready_to_publish() -> None:
    record = {
        "description": "Un outil",
        "publiccode_valid": True,
        "analysis": _analysis(
            "EUPL-1.2",
            readme=["README.md"],
            contributing=["CONTRIBUTING.md"],
            publiccode=["publiccode.yml"],
        ),
    }

    score = readiness_checklist(record)

    assert (score.total, score.maximum) == (7, 7)
    assert is_ready(score) is True
    rows = _rows(record)
    assert rows["license_detected"] == (1, "EUPL-1.2 from LICENSE (EUPL-1.2, text, 99%)")
    assert rows["license_approved"] == (
        1,
        "EUPL-1.2: OSI-approved, FSF-libre, on the French public-sector list",
    )


def test_it_approves_a_licence_on_the_french_list_alone() -> None:
    points, evidence = _rows({"analysis": _analysis("etalab-2.0")})["license_approved"]

    assert points == 1
    assert evidence == "etalab-2.0: on the French public-sector list"


def test_it_fails_an_unapproved_or_unrecognised_licence() -> None:
    assert _rows({"analysis": _analysis("CC-BY-NC-4.0")})["license_approved"][0] == 0
    detected, approved = (
        _rows({"analysis": _analysis("NOASSERTION")})[key]
        for key in ("license_detected", "license_approved")
    )
    assert detected == (0, "LICENSE: licence not recognised")
    assert approved[0] == 0


def test_it_says_why_publiccode_yml_does_not_pass() -> None:
    present = _analysis(publiccode=["publiccode.yml"])

    assert _rows({"analysis": present, "publiccode_valid": False})["publiccode_valid"] == (
        0,
        "publiccode.yml is not valid",
    )
    assert _rows({"analysis": present})["publiccode_valid"] == (
        0,
        "publiccode.yml not validated yet",
    )
    assert _rows({"analysis": _analysis()})["publiccode_valid"] == (0, "no publiccode.yml")


def test_it_names_where_secrets_are_without_showing_them(tmp_path: Path) -> None:
    token = "ghp_" + "Z9y8X7w6V5u4T3s2R1q0P9o8N7m6L5k4J3i2"
    (tmp_path / "deploy.sh").write_text(f"#!/bin/sh\n\ncurl -H 'Authorization: {token}'\n")
    (tmp_path / ".env").write_text("DATABASE_PASSWORD=tr0ub4dor&3\n")
    record = {"description": "x", "analysis": analyse_tree(tmp_path)}

    score = readiness_checklist(record)

    points, evidence = _rows(record)["no_secrets"]
    assert points == 0
    assert evidence == (
        "secrets committed (2): .env:1 (secret in an .env file), deploy.sh:3 (GitHub token)"
    )
    printed = json.dumps(score.to_dict())
    assert token not in printed and "tr0ub4dor" not in printed
    assert is_ready(score) is False


def test_it_fails_what_it_cannot_know() -> None:
    rows = _rows({})

    assert all(points == 0 for points, _ in rows.values())
    assert rows["description"] == (0, "description not known")
    assert rows["no_secrets"] == (0, "not known: the repository was not analysed")
