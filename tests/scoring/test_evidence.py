"""Evidence as ids and parameters: one English sentence here, any language where shown."""

from __future__ import annotations

import json
import re
from pathlib import Path

import communs.scoring.evidence as evidence_module
from communs.analysis import analyse_tree
from communs.scoring import all_scores, codegouv_score, provisional_codegouv_score
from communs.scoring.evidence import MESSAGES, render

# What Django's makemessages reads: templates marked with gettext_noop("...").
_MARKED = re.compile(r'gettext_noop\(\s*"((?:[^"\\]|\\.)*)"\s*\)')


def _shouty(message: str) -> str:
    """A stand-in catalogue: the template's words in capitals, its fields untouched."""
    return re.sub(r"(^|})([^{]*)", lambda m: m.group(1) + m.group(2).upper(), message)


def test_every_template_is_marked_for_translation() -> None:
    source = Path(evidence_module.__file__).read_text()

    assert sorted(_MARKED.findall(source)) == sorted(MESSAGES.values())


def test_rows_store_ids_and_parameters_that_render_the_english_evidence(tmp_path: Path) -> None:
    (tmp_path / "LICENSE").write_text("x")
    (tmp_path / ".env").write_text("API_SECRET=s3cr3t-value-here\n")
    record = {"license": "EUPL-1.2", "description": "", "analysis": analyse_tree(tmp_path)}

    for score in all_scores(record).values():
        stored = json.loads(json.dumps(score.to_dict()))
        for row in stored["rows"]:
            assert row["evidence_id"] in MESSAGES
            assert render(row["evidence_id"], row["evidence_params"]) == row["evidence"]


def test_nested_evidence_is_translated_in_the_same_language(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("DATABASE_PASSWORD=tr0ub4dor&3\n")
    score = all_scores({"analysis": analyse_tree(tmp_path)})["readiness"]
    (row,) = [row for row in score.rows if row.criterion == "no_secrets"]

    shown = render(row.evidence_id, row.evidence_params, _shouty)

    assert shown == "SECRETS COMMITTED (1): .env:1 (SECRET IN AN .ENV FILE)"


def test_a_translation_that_does_not_fit_falls_back_to_english() -> None:
    def broken(message: str) -> str:
        return "{nothing_like_this}" if "{license}" in message else message

    assert render("license_declared", {"license": "MIT"}, broken) == (
        "the forge gives the licence MIT"
    )
    assert render("no_such_id", {}) == "no_such_id"


def test_a_repository_never_analysed_gets_a_provisional_score_from_its_metadata() -> None:
    fork = {"license": "MIT", "description": "", "is_fork": True, "forks": 0, "watchers": 0}
    listed = {"license": "", "description": "x", "root_files": ["README.md", "publiccode.yml"]}

    score = provisional_codegouv_score(fork)

    assert score.provisional is True and score.to_dict()["provisional"] is True
    assert score.total == 1000 - 100 - 1000
    assert provisional_codegouv_score(listed).total == 1000 + 100
    # Nothing it cannot know counts: an analysis handed to it is left out.
    analysed = {**listed, "analysis": {"files": {"readme": []}, "license": {}}}
    assert provisional_codegouv_score(analysed).total == 1000 + 100
    assert codegouv_score(analysed).provisional is False
