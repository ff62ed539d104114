from __future__ import annotations

import subprocess
import sys


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "communs.cli", *args], capture_output=True, text=True, check=False
    )


def test_it_lists_the_projects_own_commands_before_djangos() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    own = result.stdout.index("Communs commands:")
    django = result.stdout.index("Django commands:")
    assert own < django
    assert "migrate" in result.stdout[django:]


def test_it_passes_other_commands_to_django() -> None:
    result = run_cli("check")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout
