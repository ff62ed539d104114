"""``communs search reindex``: rebuild the search index from the stored rows;
``communs search segment``: build a new segment of the word index now."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from communs.search.indexing import rebuild_index
from communs.search.wordindex import build_segment


class Command(BaseCommand):
    help = gettext_lazy(
        "Maintain the search index: `communs search reindex` rebuilds it, "
        "`communs search segment` builds a new segment of its word index."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.description = str(self.help)
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        actions.add_parser(
            "reindex",
            help=_("index every repository and organisation again, in one transaction"),
        )
        actions.add_parser(
            "segment",
            help=_("build a new segment of the word index from what is indexed (harvests do it)"),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        if options["action"] == "segment":
            built = build_segment()
            self.stdout.write(
                _("Word index: %(documents)s repositories, %(words)s words, in %(seconds).1f s.")
                % {
                    "documents": f"{built.documents:,}",
                    "words": f"{built.words:,}",
                    "seconds": built.seconds,
                }
            )
            return
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
