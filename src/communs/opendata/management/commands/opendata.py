"""``communs opendata publish``: write the open-data files and their descriptions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from communs.opendata.publish import SchemaMismatch, open_data_dir, publish_open_data


class Command(BaseCommand):
    help = gettext_lazy(
        "Publish the open data: `communs opendata publish` writes every dataset as CSV "
        "and JSON, with its Table Schema and datapackage.json."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.description = str(self.help)
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        publish = actions.add_parser(
            "publish",
            help=_("write the files, replacing the previous ones only once all are written"),
        )
        publish.add_argument(
            "--output-dir",
            type=Path,
            metavar="DIR",
            help=_("write into DIR instead of COMMUNS_OPEN_DATA_DIR"),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        directory: Path = options.get("output_dir") or open_data_dir()
        try:
            publication = publish_open_data(directory)
        except OSError as error:
            raise CommandError(
                _("%(path)s: %(problem)s\nThe previous files are unchanged.")
                % {"path": error.filename or directory, "problem": error.strerror or error}
            ) from None
        except (DatabaseError, SchemaMismatch) as error:
            raise CommandError(
                _("%(problem)s\nThe previous files are unchanged.") % {"problem": error}
            ) from None
        for item in publication.files:
            if item.rows is None:
                continue
            self.stdout.write(
                _("%(name)s: %(rows)s rows, %(size)s")
                % {
                    "name": item.name,
                    "rows": intcomma(item.rows),
                    "size": filesizeformat(item.bytes),
                }
            )
        self.stdout.write(_("Published into %(path)s.") % {"path": publication.directory})
