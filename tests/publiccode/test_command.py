"""``communs publiccode validate``: formats, standard input and exit status."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import translation

from .test_validate import MINIMAL


def run(*args: str, stdin: bytes = b"") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    real_stdin = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO(stdin))
    try:
        with translation.override("en"):
            call_command("publiccode", "validate", *args, stdout=out, stderr=err)
        status = 0
    except SystemExit as exit_:
        status = int(exit_.code or 0)
    finally:
        sys.stdin = real_stdin
    return status, out.getvalue(), err.getvalue()


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    good = tmp_path / "good.yml"
    good.write_text(MINIMAL.replace('"0"', '"0.2"'))
    bad = tmp_path / "bad.yml"
    bad.write_text(MINIMAL.replace("name: Medusa\n", ""))
    return {"good": good, "bad": bad}


def test_it_exits_0_when_every_file_is_valid(files: dict[str, Path]) -> None:
    status, out, _ = run(str(files["good"]))
    assert status == 0
    assert out.splitlines()[-1] == f"{files['good']}: valid (1 warning)"


def test_it_exits_1_and_lists_problems_when_a_file_is_invalid(files: dict[str, Path]) -> None:
    status, out, _ = run(str(files["good"]), str(files["bad"]))
    assert status == 1
    assert f"{files['bad']}:1:1: error: name: name is a required field" in out.splitlines()


def test_it_exits_2_when_a_file_cannot_be_read(files: dict[str, Path], tmp_path: Path) -> None:
    status, _, err = run(str(files["good"]), str(tmp_path / "missing.yml"))
    assert status == 2
    assert "missing.yml: cannot read" in err


def test_it_writes_json_and_reads_standard_input() -> None:
    status, out, _ = run(
        "--format", "json", "-", stdin=MINIMAL.replace("name: Medusa\n", "").encode()
    )
    assert status == 1
    [entry] = json.loads(out)
    assert entry["file"] == "-" and entry["valid"] is False
    assert entry["results"] == [
        {
            "level": "error",
            "key": "name",
            "description": "name is a required field",
            "line": 1,
            "column": 1,
        }
    ]
