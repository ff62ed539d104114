"""``communs catalogue import-sill DIR``: a thin shell over ``communs.catalogue.importer``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from communs.catalogue import alerts, lifecycle
from communs.catalogue.importer import ImportReport, import_sill
from communs.catalogue.sill import SillError
from communs.opendata.publish import refresh_open_data


class Command(BaseCommand):
    help = gettext_lazy(
        "Manage the software catalogue: import the 2022 SILL files, remind referents, "
        "send the alerts of followed categories."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.description = str(self.help)
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        sill = actions.add_parser(
            "import-sill",
            help=_("import the 2022 SILL files"),
            description=_(
                "Read software.csv, sill-softwares.json, services.csv and, when present, "
                "sill-contents.json from DIR, and store the entries with their statuses, "
                "parents, similar software, categories and instances. Running it again "
                "on the same files changes nothing; nothing is written when a file has an "
                "error."
            ),
        )
        sill.add_argument("directory", type=Path, metavar="DIR")
        remind = actions.add_parser(
            "remind-referents",
            help=_("ask referents to confirm once a year; flag those who do not"),
            description=_(
                "E-mail each referent who last confirmed a year ago (or more) a link to "
                "confirm, and flag as lapsed those who have not confirmed within the set "
                "number of days after their reminder. Meant to run once a day."
            ),
        )
        lifecycle.add_remind_arguments(remind)
        send = actions.add_parser(
            "send-alerts",
            help=_("e-mail followers the news of the categories they follow"),
            description=_(
                "Send each follower one digest of the published entries added or updated "
                "in the categories they follow since their last one. Running it again sends "
                "nothing new; after an interruption, it sends only what was not sent."
            ),
        )
        alerts.add_send_arguments(send)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "remind-referents":
            lifecycle.run_remind(options, self.stdout)
        if options["action"] == "send-alerts":
            alerts.run_send(options, self.stdout)
        if options["action"] == "import-sill":
            try:
                report = import_sill(options["directory"])
            except SillError as error:
                raise CommandError(
                    _("%(error)s: nothing was imported") % {"error": error}
                ) from None
            self._write_report(report)
            if report.changed:
                # The open-data files include the catalogue: publish them again.
                refresh_open_data()

    def _write_report(self, report: ImportReport) -> None:
        for key, count in sorted(report.counts.items()):
            self.stdout.write(f"  {key:<32} {count:>6}")
        if report.ignored_json_entries:
            count = len(report.ignored_json_entries)
            self.stdout.write(
                ngettext(
                    "%(count)d entry of sill-softwares.json is not in software.csv "
                    "and was left out: %(ids)s",
                    "%(count)d entries of sill-softwares.json are not in software.csv "
                    "and were left out: %(ids)s",
                    count,
                )
                % {"count": count, "ids": ", ".join(map(str, report.ignored_json_entries))}
            )
        if report.unknown_references:
            self.stdout.write(
                _("References to software outside the catalogue, not linked: %(refs)s")
                % {"refs": "; ".join(report.unknown_references)}
            )
        if not report.changed:
            self.stdout.write(_("Nothing changed."))
