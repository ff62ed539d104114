"""The ``communs`` command: a thin front over Django's management commands.

``communs harvest`` is ``manage.py harvest`` with the settings module already chosen.
``communs --help`` lists the project's own commands before Django's.
"""

from __future__ import annotations

import os
import sys

PROJECT_PACKAGE = "communs"
# Django names a command after its module, so a hyphen cannot be in it: these spellings
# are accepted as well (`communs analyse-path` runs the `analyse_path` command).
COMMAND_ALIASES = {"analyse-path": "analyse_path"}


def _project_help() -> str:
    from django.core.management import get_commands, load_command_class

    own: list[tuple[str, str]] = []
    others: dict[str, list[str]] = {}
    for name, app in sorted(get_commands().items()):
        if app.startswith(PROJECT_PACKAGE + "."):
            try:
                summary = (load_command_class(app, name).help or "").strip().splitlines()[0]
            except (IndexError, ImportError):
                summary = ""
            own.append((name, summary))
        else:
            others.setdefault(app.rpartition(".")[2], []).append(name)
    width = max((len(name) for name, _ in own), default=0)
    lines = [
        "usage: communs <command> [options]",
        "",
        "Communs commands:",
        *(f"  {name.ljust(width)}  {summary}" for name, summary in own),
        "",
        "Run 'communs <command> --help' for a command's options.",
        "",
        "Django commands:",
    ]
    for app, names in sorted(others.items()):
        lines.append(f"  [{app}] " + ", ".join(names))
    return "\n".join(lines)


def command_line_language(environ: dict[str, str] | os._Environ[str]) -> str:
    """The interface language for messages on the terminal, from the POSIX locale variables.

    Pages follow the browser's Accept-Language; a command follows the shell's locale, as
    other command-line tools do: ``LANG=fr_FR.UTF-8`` gives French, anything else English.
    """
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name, "")
        if value:
            return "fr" if value.split(":")[0].lower().startswith("fr") else "en"
    return "en"


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "communs.settings")
    import django
    from django.core.management import execute_from_command_line
    from django.utils import translation

    django.setup()
    translation.activate(command_line_language(os.environ))
    if len(argv) < 2 or argv[1] in {"-h", "--help", "help"} and len(argv) == 2:
        print(_project_help())
        return
    if argv[1] in {"--version", "version"}:
        from communs import __version__

        print(__version__)
        return
    argv[0] = "communs"
    argv[1] = COMMAND_ALIASES.get(argv[1], argv[1])
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
