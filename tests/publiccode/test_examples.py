"""The real publiccode.yml files of French projects: read in place, never a crash."""

from __future__ import annotations

from pathlib import Path

import pytest

from communs.publiccode import validate


@pytest.mark.shared
def test_it_validates_the_real_examples_without_crashing(shared: Path) -> None:
    files = sorted((shared / "data/publiccode-examples").iterdir())
    assert len(files) == 20
    for path in files:
        report = validate(path.read_bytes(), base_url=str(path.parent))
        lines = path.read_text().count("\n") + 1
        assert all(0 <= result.line <= lines for result in report.results), path.name
        if path.suffix == ".yml":
            # They predate the current standard: the version warning is always there.
            assert any(r.key == "publiccodeYmlVersion" for r in report.warnings), path.name
        else:
            # The crosswalk beside them is a CSV: read as YAML, it is one long string.
            assert not report.valid
