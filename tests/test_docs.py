"""Documentation stays true: every setting is documented, the README names real commands."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_environment_variable_is_documented() -> None:
    source = (ROOT / "src/communs/settings.py").read_text()
    names = set(re.findall(r'env\w*\(\s*"(COMMUNS_\w+)"', source))
    assert len(names) > 10  # the pattern above still finds the settings
    documented = (ROOT / "docs/configuration.md").read_text()
    example = (ROOT / ".env.example").read_text()
    assert sorted(n for n in names if n not in documented) == []
    assert sorted(n for n in names if n not in example) == []


def test_the_readme_gives_the_two_commands_the_makefile_has() -> None:
    readme = (ROOT / "README.md").read_text()
    makefile = (ROOT / "Makefile").read_text()
    for command in ("make demo", "make test"):
        assert command in readme
        assert re.search(rf"^{command.split()[1]}:", makefile, re.MULTILINE)
    assert "make test" in (ROOT / ".ci/run").read_text()
