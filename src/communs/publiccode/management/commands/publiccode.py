"""``communs publiccode validate FILE…``: a thin shell over ``communs.publiccode.validate``.

Exit status: 0 when every file is valid (warnings allowed), 1 when one is invalid, 2 when
a file cannot be read or the arguments are wrong (argparse's own status).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from communs.publiccode import Report, validate
from communs.publiccode.yamltree import MAX_BYTES

EXIT_INVALID = 1
EXIT_UNREADABLE = 2


class Command(BaseCommand):
    help = gettext_lazy("Check publiccode.yml files against the standard.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.description = str(self.help)
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        check = actions.add_parser(
            "validate",
            help=_("validate publiccode.yml files"),
            description=_(
                "Validate publiccode.yml files as the reference validator does: required "
                "and conditional keys, types, unknown keys, dates, languages, countries, "
                "licences, vocabularies, lengths, logos and screenshots next to the file. "
                "'-' reads standard input. Exit status: 0 when every file is valid, 1 when "
                "one is invalid, 2 when a file cannot be read."
            ),
        )
        check.add_argument("files", nargs="+", metavar="FILE")
        check.add_argument("--format", choices=("text", "json"), default="text")
        check.add_argument(
            "--network",
            action="store_true",
            help=_("also fetch the URLs the file names (public addresses only)"),
        )
        check.add_argument(
            "--ipa-codes",
            type=Path,
            metavar="FILE",
            help=_("a file of Italian iPA codes, one per line, for urn:x-italian-pa: URIs"),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        ipa_codes = None
        if options["ipa_codes"] is not None:
            try:
                lines = options["ipa_codes"].read_text(encoding="utf-8").splitlines()
            except OSError as error:
                raise CommandError(
                    _("cannot read %(file)s: %(error)s")
                    % {"file": options["ipa_codes"], "error": error.strerror},
                    returncode=EXIT_UNREADABLE,
                ) from None
            ipa_codes = frozenset(line.strip() for line in lines if line.strip())
        entries: list[dict[str, Any]] = []
        status = 0
        for name in options["files"]:
            data, base, problem = _read(name)
            if problem is not None:
                status = EXIT_UNREADABLE
                self.stderr.write(f"{name}: {problem}")
                entries.append({"file": name, "valid": False, "readable": False, "results": []})
                continue
            report = validate(data, network=options["network"], base_url=base, ipa_codes=ipa_codes)
            if not report.valid and status == 0:
                status = EXIT_INVALID
            entries.append(
                {
                    "file": name,
                    "valid": report.valid,
                    "results": [result.to_dict() for result in report.results],
                }
            )
            if options["format"] == "text":
                self._write_text(name, report)
        if options["format"] == "json":
            self.stdout.write(json.dumps(entries, ensure_ascii=False, indent=2))
        if status:
            sys.exit(status)

    def _write_text(self, name: str, report: Report) -> None:
        # Result lines keep the compiler-like, untranslated form tools can parse; the
        # verdict line is for people and follows the locale.
        for result in report.results:
            key = result.key or "-"
            self.stdout.write(
                f"{name}:{result.line}:{result.column}: {result.level}: {key}: {result.description}"
            )
        errors, warnings = len(report.errors), len(report.warnings)
        counts = ", ".join(
            [
                *([ngettext("%d error", "%d errors", errors) % errors] if errors else []),
                *([ngettext("%d warning", "%d warnings", warnings) % warnings] if warnings else []),
            ]
        )
        verdict = _("valid") if report.valid else _("invalid")
        self.stdout.write(f"{name}: {verdict}" + (f" ({counts})" if counts else ""))


def _read(name: str) -> tuple[bytes, str | None, str | None]:
    """The file's bytes (at most one byte over the bound), its folder, or a problem."""
    if name == "-":
        return sys.stdin.buffer.read(MAX_BYTES + 1), str(Path.cwd()), None
    path = Path(name)
    try:
        with path.open("rb") as handle:
            return handle.read(MAX_BYTES + 1), str(path.resolve().parent), None
    except IsADirectoryError:
        return b"", None, _("cannot read: it is a folder")
    except OSError as error:
        return b"", None, _("cannot read: %(error)s") % {"error": error.strerror or error}
