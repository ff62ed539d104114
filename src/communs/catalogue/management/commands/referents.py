"""``communs referents remind``: the yearly confirmation e-mails and the lapse flags.

A thin shell over ``communs.catalogue.lifecycle``; ``communs catalogue`` may mount the
same subcommand as ``remind-referents`` with ``add_remind_arguments`` and ``run_remind``.
Meant to run once a day (cron or a systemd timer): each referent is reminded once a
year and flagged once, however often it runs.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from communs.catalogue.lifecycle import add_remind_arguments, run_remind


class Command(BaseCommand):
    help = gettext_lazy("Ask referents to confirm once a year; flag those who do not answer.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.description = str(self.help)
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        remind = actions.add_parser(
            "remind",
            help=_("send the reminders due and flag lapsed referents"),
            description=_(
                "E-mail each referent who last confirmed a year ago (or more) a link to "
                "confirm, and flag as lapsed those who have not confirmed within the set "
                "number of days after their reminder."
            ),
        )
        add_remind_arguments(remind)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "remind":
            run_remind(options, self.stdout)
