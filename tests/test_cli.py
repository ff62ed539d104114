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


def test_commands_speak_the_language_of_the_shells_locale() -> None:
    from communs.cli import command_line_language

    assert command_line_language({"LANG": "fr_FR.UTF-8"}) == "fr"
    assert command_line_language({"LANG": "fr_FR.UTF-8", "LC_ALL": "en_GB.UTF-8"}) == "en"
    assert command_line_language({"LANGUAGE": "fr:en", "LANG": "C.UTF-8"}) == "fr"
    assert command_line_language({"LANG": "C.UTF-8"}) == "en"
    assert command_line_language({}) == "en"


def test_every_project_command_explains_itself() -> None:
    from django.core.management import get_commands

    own = sorted(name for name, app in get_commands().items() if app.startswith("communs."))
    assert {"sources", "import", "export", "serve", "demo"} <= set(own)
    for name in own:
        result = run_cli(name, "--help")
        assert result.returncode == 0, f"communs {name} --help: {result.stderr}"
        assert "usage: communs" in result.stdout
