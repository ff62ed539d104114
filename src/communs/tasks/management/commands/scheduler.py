"""``communs scheduler``: Celery beat with the schedule of Communs (docs/scale-out.md).

Run one, anywhere (two would queue every entry twice; the tasks are idempotent, so that
costs requests, not correctness)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from communs.tasks.schedule import beat_schedule, schedule_from_settings


class Command(BaseCommand):
    help = gettext_lazy(
        "Queue the scheduled tasks (refreshes, sweeps, history, reminders) on time."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.description = str(self.help)
        parser.add_argument("--show", action="store_true", help=_("print the schedule and exit"))
        parser.add_argument("--loglevel", "-l", default="info", help=_("log level (default: info)"))

    def handle(self, *args: Any, **options: Any) -> None:
        entries = schedule_from_settings(settings)
        if options["show"]:
            for entry in entries:
                when = (
                    _("every %(minutes)d min") % {"minutes": entry.every.total_seconds() // 60}
                    if entry.every is not None
                    else _("daily at %(hour)02d:00") % {"hour": entry.hour}
                )
                self.stdout.write(f"{entry.name}\t{entry.task}\t{when}")
            return
        if not settings.BROKER_URL:
            raise CommandError(
                _(
                    "No broker: set COMMUNS_BROKER_URL. Without one, `communs serve` runs "
                    "the schedule in-process."
                )
            )
        from communs.tasks.app import app

        app.conf.beat_schedule = beat_schedule(entries)
        app.Beat(loglevel=options["loglevel"]).run()
