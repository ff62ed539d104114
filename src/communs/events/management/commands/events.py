"""``communs events import DIR`` and ``communs events remind``: thin shells."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from communs.events import reminders
from communs.events.frontmatter import FrontMatterError
from communs.events.importer import import_events


class Command(BaseCommand):
    help = gettext_lazy("Manage the events: import the BlueHats files, send reminders.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.description = str(self.help)
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        load = actions.add_parser(
            "import",
            help=_("import the webinars and meetings of the BlueHats site"),
            description=_(
                "Read the Markdown files with a front matter in DIR/webinaires and "
                "DIR/rencontres (or in DIR itself) and store them as events, with their "
                "video links. Running it again on the same files changes nothing; nothing "
                "is written when a file has an error."
            ),
        )
        load.add_argument("directory", type=Path, metavar="DIR")
        remind = actions.add_parser(
            "remind",
            help=_("e-mail the people registered for tomorrow's events"),
            description=_(
                "Send one reminder to each person with a seat at an event that starts "
                "tomorrow (or later today). Never twice to the same person for an event."
            ),
        )
        remind.add_argument(
            "--site-url",
            default=None,
            help=_("the site's address for links in the e-mails (default: COMMUNS_SITE_URL)"),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "remind":
            reminders.run_remind(options, self.stdout)
            return
        try:
            report = import_events(options["directory"])
        except FrontMatterError as error:
            raise CommandError(_("%(error)s: nothing was imported") % {"error": error}) from None
        self.stdout.write(
            _("Events: %(created)d created, %(updated)d updated, %(unchanged)d unchanged")
            % {"created": report.created, "updated": report.updated, "unchanged": report.unchanged}
        )
