"""``communs import repositories|organisations FILE``: load code.gouv.fr's open data."""

from __future__ import annotations

from pathlib import Path

from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from communs.figures import refresh_figures
from communs.repositories.importer import (
    ImportRefused,
    ImportReport,
    import_organisations,
    import_repositories,
)
from communs.repositories.opendata import OpenDataError
from communs.search.indexing import rebuild_index

# Past this many problems the list is cut: the first ones are enough to fix a file.
SHOWN_PROBLEMS = 50


class Command(BaseCommand):
    help = (
        "Import code.gouv.fr open data: repositories or organisations, CSV or JSON.\n"
        "The whole file goes in one transaction: a file with an invalid row is refused "
        "whole, unless --skip-invalid is given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "what",
            choices=["repositories", "organisations"],
            help="repositories (repositories.csv or .json) or organisations (organizations.json)",
        )
        parser.add_argument("file", type=Path, help="the file to import")
        parser.add_argument(
            "--organisations",
            type=Path,
            metavar="FILE",
            help="with repositories: an organisations file to import first (names, avatars)",
        )
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="import the valid rows and list the invalid ones instead of refusing the file",
        )

    def handle(self, *args: object, **options: object) -> None:
        what = options["what"]
        path: Path = options["file"]  # type: ignore[assignment]
        organisations: Path | None = options["organisations"]  # type: ignore[assignment]
        skip_invalid = bool(options["skip_invalid"])
        if what == "organisations" and organisations is not None:
            raise CommandError(_("--organisations goes with 'import repositories' only."))
        try:
            if what == "repositories":
                report, accounts = import_repositories(
                    path, organisations=organisations, skip_invalid=skip_invalid
                )
            else:
                report, accounts = None, import_organisations(path, skip_invalid=skip_invalid)
        except OpenDataError as error:
            message = _("%(problem)s\nNothing was imported.") % {"problem": error}
            raise CommandError(message) from None
        except ImportRefused as refused:
            raise CommandError(self._refusal(refused)) from None
        # The search index follows what was stored (names and organisations too).
        rebuild_index()
        refresh_figures()  # the pages' figures, counted anew
        if accounts is not None:
            self._write_accounts(accounts)
        if report is not None:
            self._write_repositories(report)

    def _refusal(self, refused: ImportRefused) -> str:
        count = len(refused.problems)
        lines = [
            ngettext(
                "%(count)s invalid row; nothing was imported:",
                "%(count)s invalid rows; nothing was imported:",
                count,
            )
            % {"count": intcomma(count)}
        ]
        lines += [f"  {problem}" for problem in refused.problems[:SHOWN_PROBLEMS]]
        if count > SHOWN_PROBLEMS:
            lines.append(_("  … and %(more)s more.") % {"more": intcomma(count - SHOWN_PROBLEMS)})
        lines.append(_("Fix the file, or import the valid rows alone with --skip-invalid."))
        return "\n".join(lines)

    def _write_read(self, report: ImportReport, *, accounts: bool) -> None:
        values = {
            "file": report.file,
            "rows": intcomma(report.rows_read),
            "distinct": intcomma(report.distinct),
            "count": intcomma(report.repeated),
        }
        # Whole sentences per case, so that translators never assemble fragments.
        if accounts:
            line = (
                ngettext(
                    "%(file)s: %(rows)s rows read, %(distinct)s account",
                    "%(file)s: %(rows)s rows read, %(distinct)s accounts",
                    report.distinct,
                )
                % values
            )
            repeated = ngettext(
                "%(count)s row repeated an account already read (the last one is kept)",
                "%(count)s rows repeated an account already read (the last one is kept)",
                report.repeated,
            )
        else:
            line = (
                ngettext(
                    "%(file)s: %(rows)s rows read, %(distinct)s repository",
                    "%(file)s: %(rows)s rows read, %(distinct)s repositories",
                    report.distinct,
                )
                % values
            )
            repeated = ngettext(
                "%(count)s row repeated a repository already read (the last one is kept)",
                "%(count)s rows repeated a repository already read (the last one is kept)",
                report.repeated,
            )
        if report.repeated:
            line += ": " + repeated % values
        self.stdout.write(line + ".")
        if report.skipped:
            self.stdout.write(
                ngettext(
                    "Skipped %(count)s invalid row:",
                    "Skipped %(count)s invalid rows:",
                    len(report.skipped),
                )
                % {"count": intcomma(len(report.skipped))}
            )
            for problem in report.skipped:
                self.stdout.write(f"  {problem}")

    def _write_accounts(self, report: ImportReport) -> None:
        self._write_read(report, accounts=True)
        self._write_owners(report)

    def _write_owners(self, report: ImportReport) -> None:
        self.stdout.write(
            _(
                "Forges: %(forges)s new. Accounts: %(accounts_new)s new, %(accounts_updated)s "
                "updated. Organisations: %(organisations_new)s new, %(organisations_updated)s "
                "updated."
            )
            % {
                "forges": intcomma(report.forges_new),
                "accounts_new": intcomma(report.accounts_new),
                "accounts_updated": intcomma(report.accounts_updated),
                "organisations_new": intcomma(report.organisations_new),
                "organisations_updated": intcomma(report.organisations_updated),
            }
        )

    def _write_repositories(self, report: ImportReport) -> None:
        self._write_read(report, accounts=False)
        counts = report.repositories
        self.stdout.write(
            _("Repositories: %(new)s new, %(updated)s updated, %(unchanged)s unchanged.")
            % {
                "new": intcomma(counts.new),
                "updated": intcomma(counts.updated),
                "unchanged": intcomma(counts.unchanged),
            }
        )
        self._write_owners(report)
        for name, count in sorted(report.unknown_licences.items()):
            self.stdout.write(
                ngettext(
                    "Unknown licence %(name)r (%(count)s row): stored as NOASSERTION.",
                    "Unknown licence %(name)r (%(count)s rows): stored as NOASSERTION.",
                    count,
                )
                % {"name": name, "count": intcomma(count)}
            )
