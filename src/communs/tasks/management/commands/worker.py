"""``communs worker``: a Celery worker for the tasks of Communs (docs/scale-out.md)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from communs.tasks.app import QUEUES


class Command(BaseCommand):
    help = gettext_lazy(
        "Run a worker that takes harvest, analysis and other tasks from the broker."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.description = str(self.help)
        parser.add_argument(
            "--queues",
            "-Q",
            default=",".join(QUEUES),
            help=_("comma-separated queues to take tasks from (default: all: %(queues)s)")
            % {"queues": ",".join(QUEUES)},
        )
        parser.add_argument(
            "--concurrency",
            "-c",
            type=int,
            default=0,
            help=_("worker processes (default: one per CPU)"),
        )
        parser.add_argument(
            "--pool",
            default="prefork",
            choices=["prefork", "solo", "threads"],
            help=_("how tasks run: child processes (default), one at a time, or threads"),
        )
        parser.add_argument("--loglevel", "-l", default="info", help=_("log level (default: info)"))
        parser.add_argument("--hostname", "-n", default="", help=_("the worker's node name"))

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.BROKER_URL:
            raise CommandError(
                _(
                    "No broker: set COMMUNS_BROKER_URL (redis://…); without one, tasks run "
                    "in-process."
                )
            )
        unknown = set(options["queues"].split(",")) - set(QUEUES)
        if unknown:
            raise CommandError(
                _("Unknown queues: %(queues)s") % {"queues": ", ".join(sorted(unknown))}
            )
        from communs.tasks.app import app

        argv = ["worker", "--queues", options["queues"], "--pool", options["pool"]]
        argv += ["--loglevel", options["loglevel"]]
        if options["concurrency"]:
            argv += ["--concurrency", str(options["concurrency"])]
        if options["hostname"]:
            argv += ["--hostname", options["hostname"]]
        app.worker_main(argv)
