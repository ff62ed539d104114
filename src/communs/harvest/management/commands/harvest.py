"""``communs harvest [--forge HOST …] [--owner PATH …]``: a thin shell over the engine.

Exit status: 0 when every forge succeeded (or was being harvested by another process),
3 when some failed (the others are stored; the failed ones are named, with why), 130
when stopped by a signal (the runs resume at the next harvest).

Without a broker (the default) everything runs in this process; with
``COMMUNS_BROKER_URL`` each forge is a task for the workers (`communs worker`), and the
command waits for them, unless ``--no-wait`` (docs/scale-out.md).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from communs.analysis.pipeline import summary
from communs.harvest.engine import HarvestResult, stop_signals_handled_by
from communs.harvest.progress import Progress, SummaryRow, summary_table
from communs.harvest.store import PlanError, build_plans
from communs.harvest.tokens import TokenError
from communs.tasks import jobs
from communs.tasks.shared import embedded

FAILED = 3
INTERRUPTED = 130


class Command(BaseCommand):
    help = gettext_lazy(
        "Harvest the repositories of every forge (or of the forges and owners named)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.description = str(self.help)
        parser.add_argument(
            "--forge",
            action="append",
            default=[],
            metavar="HOST",
            help=_("harvest this forge only (its host key, as in the sources file); repeatable"),
        )
        parser.add_argument(
            "--owner",
            action="append",
            metavar="PATH",
            help=_("harvest this account only (an owner path such as etalab); repeatable"),
        )
        parser.add_argument(
            "--no-progress", action="store_true", help=_("do not show the live progress line")
        )
        parser.add_argument(
            "--analyse",
            action="store_true",
            help=_("then analyse the repositories whose content changed (as `communs analyse`)"),
        )
        parser.add_argument(
            "--no-wait",
            action="store_true",
            help=_(
                "with a broker: queue one task per forge and return; the workers publish "
                "what changed when they end"
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            plans, notes = build_plans(options["forge"], options["owner"])
        except PlanError as error:
            raise CommandError(str(error)) from error
        for note in notes:
            self.stdout.write(note)
        if not plans:
            self.stdout.write(_("Nothing to harvest."))
            return
        try:
            tokens = jobs.tokens_for(plans)
        except TokenError as error:
            raise CommandError(str(error)) from error
        if not embedded():
            self.dispatch(plans, tokens, options)
            return
        progress = None
        if not options["no_progress"]:
            progress = Progress(Raw(self.stdout), tty=self.stdout.isatty(), labels=_labels())
        # A stop asked after the listing (indexing, open data, figures) ends the command
        # as one asked during it does: exit 130, and the next harvest finishes the work
        # (the index queue and the runs are saved). The listing installs its own handlers
        # inside this, which cancel it cleanly instead.
        with _stopped_by_signals():
            self.harvest_and_follow(plans, tokens, progress, options)

    def harvest_and_follow(
        self,
        plans: list,
        tokens: dict[str, list[str]],
        progress: Progress | None,
        options: dict[str, Any],
    ) -> None:
        # The same task functions a worker runs (communs.tasks.jobs), all forges at once.
        result = jobs.harvest_plans(plans, tokens=tokens, progress=progress, install_signals=True)
        self.follow(result, plans, tokens, options)

    def follow(
        self,
        result: HarvestResult,
        plans: list,
        tokens: dict[str, list[str]],
        options: dict[str, Any],
    ) -> None:
        # Index, catalogue links, analysis (only new repositories and those whose push
        # moved), open data and figures: once, after every forge.
        analyse = options["analyse"] and not result.interrupted
        analysed = jobs.after_harvest(
            jobs.changed(result),
            analyse_hosts=[plan.host for plan in plans] if analyse else None,
            tokens=tokens,
        )
        if analysed is not None:
            self.stdout.write(
                summary(analysed)
                if not isinstance(analysed, dict)
                else _("Analyses queued: %(count)d") % {"count": analysed.get("queued", 0)}
            )
        self.report(result)

    def dispatch(self, plans: list, tokens: dict[str, list[str]], options: dict[str, Any]) -> None:
        """With a broker: a task per forge on its kind's queue; wait, then follow once."""
        from communs.tasks.dispatch import enqueue_harvests, wait_for

        queued = enqueue_harvests(plans, follow=options["no_wait"])
        if options["no_wait"]:
            for host, task in queued:
                self.stdout.write(
                    _("%(host)s queued (task %(id)s)") % {"host": host, "id": task.id}
                )
            return
        with _stopped_by_signals():
            result = wait_for(queued)
        self.follow(result, plans, tokens, options)

    def report(self, result: HarvestResult) -> None:
        rows = [
            SummaryRow(
                host=outcome.host,
                status=_status(outcome.status),
                owners=f"{outcome.owners_done}/{outcome.owners}",
                counts=outcome.counts,
                seconds=outcome.seconds,
            )
            for outcome in result.outcomes
        ]
        self.stdout.write(summary_table(rows, _headers()))
        for outcome in result.outcomes:
            if outcome.status == "busy":
                self.stdout.write(
                    _("%(host)s skipped: %(why)s")
                    % {
                        "host": outcome.host,
                        "why": outcome.message,
                    }
                )
        if result.interrupted:
            raise CommandError(
                _("Interrupted: the next harvest resumes where this one stopped."),
                returncode=INTERRUPTED,
            )
        if result.failed:
            lines = [
                _("%(failed)d of %(total)d forges failed:")
                % {"failed": len(result.failed), "total": len(result.outcomes)}
            ]
            for outcome in result.failed:
                lines.append(f"{outcome.host}: {outcome.message}".replace("\n", "\n    "))
            raise CommandError("\n".join(lines), returncode=FAILED)


class Raw:
    """The command's output without the newline Django adds to each write: the progress
    line on a terminal is rewritten in place with a carriage return."""

    def __init__(self, out: OutputWrapper) -> None:
        self.out = out

    def write(self, text: str) -> None:
        self.out.write(text, ending="")

    def flush(self) -> None:
        self.out.flush()


def _status(status: str) -> str:
    labels = {
        "running": pgettext("harvest status", "running"),
        "succeeded": pgettext("harvest status", "succeeded"),
        "failed": pgettext("harvest status", "failed"),
        "interrupted": pgettext("harvest status", "interrupted"),
        "busy": pgettext("harvest status", "busy"),
    }
    return labels.get(status, status)


# Words of the progress line and the summary have a context of their own, so that a word
# translated elsewhere with another meaning ("updated" as a date) is not reused here.
def _labels() -> dict[str, str]:
    return {
        "forges": pgettext("harvest progress", "forges"),
        "owners": pgettext("harvest progress", "owners"),
        "repositories": pgettext("harvest progress", "repositories"),
        "requests": pgettext("harvest progress", "requests"),
        "errors": pgettext("harvest progress", "errors"),
    }


def _headers() -> dict[str, str]:
    return {
        "forge": pgettext("harvest summary", "forge"),
        "status": pgettext("harvest summary", "status"),
        "owners": pgettext("harvest summary", "owners"),
        "new": pgettext("harvest summary", "new"),
        "updated": pgettext("harvest summary", "updated"),
        "unchanged": pgettext("harvest summary", "unchanged"),
        "gone": pgettext("harvest summary", "gone"),
        "requests": pgettext("harvest summary", "requests"),
        "not_modified": "304",
        "retries": pgettext("harvest summary", "retries"),
        "errors": pgettext("harvest summary", "errors"),
        "time": pgettext("harvest summary", "time"),
    }


class _Stopped(Exception):
    """SIGINT or SIGTERM arrived outside the listing."""


@contextmanager
def _stopped_by_signals() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(number: int, frame: object) -> None:
        raise _Stopped(number)

    try:
        with stop_signals_handled_by(stop):
            yield
    except _Stopped as stopped:
        raise CommandError(
            _("Interrupted: the next harvest resumes where this one stopped."),
            returncode=INTERRUPTED,
        ) from stopped
