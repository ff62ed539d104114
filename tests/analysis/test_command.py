"""`communs analyse-path DIR`: JSON on standard output, exit 2 for what is not a folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from communs.cli import COMMAND_ALIASES

Tree = Callable[[dict[str, str | bytes]], Path]

PUBLICCODE_INVALID = "publiccodeYmlVersion: '0.4'\nname: x\n"


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LANG": "C.UTF-8"}
    return subprocess.run(
        [sys.executable, "-m", "communs.cli", *args],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )


def test_it_prints_the_analysis_and_scores_of_a_folder(tree: Tree) -> None:
    root = tree(
        {
            "README.md": "# Démo\n",
            "LICENSE": "SPDX-License-Identifier: EUPL-1.2\n",
            "publiccode.yml": PUBLICCODE_INVALID,
            "app.py": "print('bonjour')\n",
            "requirements.txt": "django>=5\n",
        }
    )

    result = run_cli("analyse-path", str(root), "--license", "MIT", "--description", "Démo")

    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    analysis = output["analysis"]
    assert analysis["license"]["expression"] == "EUPL-1.2"
    assert analysis["license"]["license_mismatch"] is True
    assert analysis["languages"] == {"Python": 17}
    assert [d["purl"] for d in analysis["dependencies"]] == ["pkg:pypi/django"]
    assert output["publiccode"]["valid"] is False
    scores = output["scores"]
    assert scores["codegouv"]["total"] == 1000 + 1000 + 100  # licence, publiccode.yml, README
    assert output["hidden_by_default"] is False
    rows = {row["criterion"]: row for row in scores["readiness"]["rows"]}
    assert rows["publiccode_valid"]["points"] == 0
    assert rows["license_approved"]["points"] == 1
    assert scores["vitality"]["known"] is False
    assert rows["license_approved"]["evidence_id"] == "license_approved"
    assert rows["license_approved"]["evidence_params"]["license"] == "EUPL-1.2"


def test_it_exits_2_for_what_is_not_a_readable_folder(tmp_path: Path) -> None:
    file = tmp_path / "file.txt"
    file.write_text("x")

    for target in (tmp_path / "missing", file):
        result = run_cli("analyse-path", str(target))
        assert result.returncode == 2
        assert "is not a readable folder" in result.stderr
        assert result.stdout == ""


@pytest.mark.parametrize("spelling", ["analyse-path", "analyse_path"])
def test_it_accepts_the_command_with_a_hyphen_or_an_underscore(spelling: str) -> None:
    result = run_cli(spelling, "--help")

    assert result.returncode == 0, result.stderr
    assert "DIR" in result.stdout
    assert COMMAND_ALIASES["analyse-path"] == "analyse_path"
