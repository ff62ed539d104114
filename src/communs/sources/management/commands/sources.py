"""``communs sources import PATH…``: a thin shell over ``communs.sources.importer``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext

from communs.figures import refresh_figures
from communs.search.indexing import rebuild_index
from communs.sources.importer import ImportReport, SourcesImportError, import_sources
from communs.sources.sourcefiles import FORMATS, Problem

_FORMAT_NAMES = {
    "host-keyed": gettext_lazy("sources file, keyed by forge host"),
    "url-keyed": gettext_lazy("sources file, keyed by URL"),
    "url-list": gettext_lazy("sources file, a list of URLs"),
    "top-organizations": gettext_lazy("ministries"),
    "platforms": gettext_lazy("forge software per host"),
}


class Command(BaseCommand):
    help = gettext_lazy("Import the lists of forges, owners and organisations (sources files).")

    def add_arguments(self, parser: CommandParser) -> None:
        # argparse wraps the description with a regular expression, which needs a str.
        parser.description = str(self.help)
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        imports = actions.add_parser(
            "import",
            help=_("import sources files"),
            description=_(
                "Read sources files (the 2025 host-keyed YAML, the 2024 URL-keyed YAML, "
                "the 2021 list of URLs), the ministries (top_organizations.yml) and the forge "
                "software per host (platforms.csv), and store forges, organisations and "
                "accounts. The files beside a sources file named top_organizations.yml and "
                "platforms.csv are read too. Nothing is written when a file has an error."
            ),
        )
        imports.add_argument("paths", nargs="+", type=Path, metavar="PATH")
        imports.add_argument(
            "--format",
            choices=FORMATS,
            help=_("the format of the named files (detected from their content otherwise)"),
        )
        imports.add_argument(
            "--skip-invalid",
            action="store_true",
            help=_("import the valid entries and list the others, instead of importing nothing"),
        )
        imports.add_argument(
            "--dry-run", action="store_true", help=_("report what would change; write nothing")
        )
        imports.add_argument(
            "--no-siblings",
            action="store_true",
            help=_("do not read top_organizations.yml and platforms.csv beside a sources file"),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "import":
            self.handle_import(**options)

    def handle_import(
        self,
        *,
        paths: list[Path],
        format: str | None,  # noqa: A002 - the option's name
        skip_invalid: bool,
        dry_run: bool,
        no_siblings: bool,
        **options: Any,
    ) -> None:
        try:
            report = import_sources(
                paths,
                skip_invalid=skip_invalid,
                dry_run=dry_run,
                include_siblings=not no_siblings,
                fmt=format,
            )
        except SourcesImportError as error:
            self._write_problems(error.warnings, _("warning"))
            self._write_problems(error.problems, _("error"))
            count = len(error.problems)
            raise CommandError(
                ngettext(
                    "%(count)d error in the files: nothing was imported "
                    "(--skip-invalid imports the valid entries)",
                    "%(count)d errors in the files: nothing was imported "
                    "(--skip-invalid imports the valid entries)",
                    count,
                )
                % {"count": count}
            ) from None
        self._write_report(report)

    def _write_problems(self, problems: list[Problem], label: str) -> None:
        for problem in problems:
            self.stderr.write(f"{problem.location}: {label}: {problem.message}")

    def _write_report(self, report: ImportReport) -> None:
        for read in report.files:
            kind = _FORMAT_NAMES.get(read.format or "", _("unknown format"))
            if read.sibling:
                line = _("Also reading %(name)s, beside it (%(kind)s; --no-siblings skips it).")
            else:
                line = _("Reading %(name)s (%(kind)s).")
            self.stdout.write(line % {"name": read.path, "kind": kind})
        self._write_problems(report.warnings, _("warning"))
        headers = [
            pgettext("count of rows", "new"),
            pgettext("count of rows", "updated"),
            pgettext("count of rows", "unchanged"),
            pgettext("count of rows", "ignored"),
        ]
        labels = {
            "forges": _("forges"),
            "organisations": _("organisations"),
            "accounts": _("accounts"),
        }
        width = max(len(label) for label in labels.values())
        self.stdout.write(" " * width + "".join(f" {h:>11}" for h in headers))
        for name, counts in report.counts().items():
            cells = (counts.new, counts.updated, counts.unchanged, counts.ignored)
            self.stdout.write(labels[name].ljust(width) + "".join(f" {c:>11}" for c in cells))
        if report.skipped:
            count = len(report.skipped)
            self.stdout.write(
                ngettext(
                    "Skipped %(count)d invalid entry:", "Skipped %(count)d invalid entries:", count
                )
                % {"count": count}
            )
            for problem in report.skipped:
                self.stdout.write(f"  {problem}")
        if not report.checked_for_left:
            self.stdout.write(
                _(
                    "Not every sources file could be read (or none was named): "
                    "nothing was marked as having left the sources."
                )
            )
        if report.dry_run:
            self.stdout.write(_("Dry run: nothing was written."))
        elif not report.changed:
            self.stdout.write(_("No change."))
        else:
            # Organisation names are words of their repositories' search entries.
            rebuild_index()
            refresh_figures()  # the hierarchy moved: the pages' figures, counted anew
