"""``communs search reindex``: rebuild the search index from the stored rows."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from communs.search.indexing import rebuild_index


class Command(BaseCommand):
    help = gettext_lazy("Maintain the search index: `communs search reindex` rebuilds it.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.description = str(self.help)
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        actions.add_parser(
            "reindex",
            help=_("index every repository and organisation again, in one transaction"),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        counts = rebuild_index()
        self.stdout.write(
            _(
                "Indexed %(repositories)s repositories and %(organisations)s organisations "
                "in %(seconds).1f s."
            )
            % {
                "repositories": f"{counts.repositories:,}",
                "organisations": f"{counts.organisations:,}",
                "seconds": time.perf_counter() - started,
            }
        )
