"""``communs history snapshot`` takes the day's snapshot; ``communs history prune
--keep-days N`` forgets what is older than N days."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from communs.history.snapshots import SnapshotRefused, prune, take_snapshot


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise CommandError(_("%(day)s is not a day (YYYY-MM-DD).") % {"day": text}) from error


class Command(BaseCommand):
    help = gettext_lazy(
        "Keep the index's history: `communs history snapshot` records today's figures, "
        "`communs history prune --keep-days N` forgets older ones."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.description = str(self.help)
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        snapshot = actions.add_parser(
            "snapshot",
            help=_("record the figures of the index and of each repository that moved"),
        )
        snapshot.add_argument(
            "--day", help=_("the day to record them under (YYYY-MM-DD; today by default)")
        )
        pruning = actions.add_parser("prune", help=_("forget snapshots older than N days"))
        pruning.add_argument("--keep-days", type=int, required=True, metavar="N")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "prune":
            if options["keep_days"] < 0:
                raise CommandError(_("--keep-days must be 0 or more."))
            pruned = prune(options["keep_days"])
            self.stdout.write(
                _("Forgot %(snapshots)s snapshots and %(points)s repository points.")
                % {"snapshots": pruned.snapshots, "points": pruned.points}
            )
            return
        day = _day(options["day"]) if options.get("day") else None
        try:
            taken = take_snapshot(day)
        except SnapshotRefused as error:
            raise CommandError(
                _("%(day)s is before the newest snapshot (%(newest)s): history is not rewritten.")
                % {"day": error.day.isoformat(), "newest": error.newest.isoformat()}
            ) from error
        if taken.replaced:
            message = _(
                "Replaced the snapshot of %(day)s: %(counts)s counts, "
                "%(points)s repository points in %(seconds).1f s."
            )
        else:
            message = _(
                "Took the snapshot of %(day)s: %(counts)s counts, "
                "%(points)s repository points in %(seconds).1f s."
            )
        self.stdout.write(
            message
            % {
                "day": taken.day.isoformat(),
                "counts": taken.counts,
                "points": f"{taken.points:,}",
                "seconds": taken.seconds,
            }
        )
