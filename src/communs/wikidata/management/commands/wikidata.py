"""``communs wikidata refresh [--older-than DAYS] [QID…]``: read Wikidata again."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from communs.wikidata.client import WikidataClient, WikidataError
from communs.wikidata.refresh import refresh


def _days(value: str) -> int:
    days = int(value)
    if days < 0 or days > 36_500:
        raise ValueError(value)
    return days


class Command(BaseCommand):
    help = gettext_lazy(
        "Read catalogue entries' Wikidata items again: `communs wikidata refresh` caches "
        "their facts and fills the entries' empty fields."
    )
    # Tests hand in a client that reaches their local server (call_command only).
    stealth_options = ("client",)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.description = str(self.help)
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        refresh_parser = actions.add_parser(
            "refresh",
            help=_("read the items again and fill empty catalogue fields"),
            description=_(
                "Read Wikidata items again (those of every catalogue entry with a Wikidata "
                "id, or the ids given), cache their facts, and fill the entries' empty "
                "fields. A field somebody wrote is never overwritten."
            ),
        )
        refresh_parser.add_argument(
            "qids", nargs="*", metavar="QID", help=_("Wikidata item ids such as Q215051")
        )
        refresh_parser.add_argument(
            "--older-than",
            type=_days,
            metavar="DAYS",
            help=_("only the items last read more than DAYS days ago"),
        )
        refresh_parser.add_argument(
            "--api-url",
            default="",
            help=_("the API of another Wikibase (default: Wikidata's)"),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        client = options.get("client")
        if client is None and options.get("api_url"):
            client = WikidataClient(api_url=options["api_url"])
        older = options.get("older_than")
        try:
            summary = refresh(
                options.get("qids") or None,
                older_than=timedelta(days=older) if older is not None else None,
                client=client,
            )
        except WikidataError as error:
            raise CommandError(str(error)) from None
        finally:
            if client is not None and client is not options.get("client"):
                client.close()
        for qid, reason in summary.failed.items():
            self.stderr.write(f"{qid}: {reason}")
        filled = sum(len(fields) for fields in summary.filled.values())
        self.stdout.write(
            _(
                "Items read: %(read)s; skipped (read recently): %(skipped)s; failed: "
                "%(failed)s. Empty fields filled: %(fields)s, in catalogue entries: %(software)s."
            )
            % {
                "read": len(summary.read),
                "skipped": len(summary.skipped),
                "failed": len(summary.failed),
                "fields": filled,
                "software": len(summary.filled),
            }
        )
        if summary.failed:
            count = len(summary.failed)
            raise CommandError(
                ngettext(
                    "%(count)s item could not be read.", "%(count)s items could not be read.", count
                )
                % {"count": count}
            )
