"""``communs newsletters import DIR`` and ``communs newsletters send ISSUE``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from communs.events.frontmatter import FrontMatterError
from communs.newsletters import sending
from communs.newsletters.importer import import_issues


class Command(BaseCommand):
    help = gettext_lazy("Manage the newsletter: import the gazettes, send an issue.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.description = str(self.help)
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        load = actions.add_parser(
            "import",
            help=_("import the BlueHats gazettes as newsletter issues"),
            description=_(
                "Read the Markdown files with a front matter in DIR (or DIR/gazettes) and "
                "store them as issues. Running it again changes nothing; nothing is "
                "written when a file has an error."
            ),
        )
        load.add_argument("directory", type=Path, metavar="DIR")
        send = actions.add_parser(
            "send",
            help=_("send an issue to the confirmed subscribers"),
            description=_(
                "Send ISSUE (its slug or number) to every confirmed subscriber, in "
                "batches. After an interruption, run it again: it sends only to those "
                "who have not received it."
            ),
        )
        send.add_argument("issue", metavar="ISSUE")
        send.add_argument(
            "--batch-size",
            type=int,
            default=sending.DEFAULT_BATCH,
            help=_("how many messages to send over one connection (default: 100)"),
        )
        send.add_argument(
            "--site-url",
            default=None,
            help=_("the site's address for links in the e-mails (default: COMMUNS_SITE_URL)"),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "send":
            issue = sending.find_issue(options["issue"])
            if issue is None:
                raise CommandError(
                    _("No issue has this slug or number: %(key)s") % {"key": options["issue"]}
                )
            report = sending.send_issue(
                issue, batch_size=options["batch_size"], site_url=options["site_url"]
            )
            self.stdout.write(
                _("Sent: %(sent)d; sent before: %(before)d; newly planned: %(planned)d")
                % {"sent": report.sent, "before": report.already_sent, "planned": report.planned}
            )
            return
        try:
            report = import_issues(options["directory"])
        except FrontMatterError as error:
            raise CommandError(_("%(error)s: nothing was imported") % {"error": error}) from None
        self.stdout.write(
            _("Issues: %(created)d created, %(updated)d updated, %(unchanged)d unchanged")
            % {"created": report.created, "updated": report.updated, "unchanged": report.unchanged}
        )
