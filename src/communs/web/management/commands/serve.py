"""``communs serve``: a production WSGI server (gunicorn); WhiteNoise serves static files."""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from gunicorn.app.base import BaseApplication


class CommunsServer(BaseApplication):
    """Gunicorn embedded, so one command runs the site without a separate config file."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):  # noqa: ANN201 (a WSGI callable)
        from communs.wsgi import application

        return application


class Command(BaseCommand):
    help = "Serve the site with a production WSGI server (gunicorn), static files included."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
        parser.add_argument("--port", type=int, default=8000, help="port to listen on")
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("COMMUNS_WEB_WORKERS", "2")),
            help="worker processes (default 2, or COMMUNS_WEB_WORKERS)",
        )
        parser.add_argument("--threads", type=int, default=4, help="threads per worker")
        parser.add_argument(
            "--no-scheduler",
            action="store_true",
            help="without a broker, do not run the schedule (refreshes, sweeps, history, "
            "reminders) in a thread of this process (docs/scale-out.md)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        bind = f"[{options['host']}]" if ":" in options["host"] else options["host"]
        url = f"http://{bind}:{options['port']}/"
        self.stdout.write(f"Communs is served at {url} (Ctrl+C to stop)")
        self.stdout.flush()
        # Without a broker the schedule runs here, in a thread of the master process
        # (gunicorn's workers are forked from it but do not inherit threads); one process
        # of the machine runs it, under a file lock (communs.tasks.embedded).
        from django.conf import settings

        if not settings.BROKER_URL and not options["no_scheduler"]:
            from communs.tasks.embedded import EmbeddedScheduler

            EmbeddedScheduler().start()
        CommunsServer(
            {
                "bind": f"{bind}:{options['port']}",
                "workers": options["workers"],
                "threads": options["threads"],
                "worker_class": "gthread",
                "accesslog": "-",
                "errorlog": "-",
                "loglevel": "warning",
                "timeout": 60,
            }
        ).run()
