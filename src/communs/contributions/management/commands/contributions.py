"""``communs contributions collect [--software SLUG]``: a thin shell over ``collect``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from communs.contributions import git
from communs.contributions.collect import collect


class Command(BaseCommand):
    help = gettext_lazy(
        "Count the commits of public-sector people in the repositories of catalogue software."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.description = str(self.help)
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        run = actions.add_parser(
            "collect",
            help=_("fetch each repository's history and count its commits"),
            description=_(
                "Fetch the commit history of each published catalogue entry's repository "
                "with git and count the commits per year, domain, person and organisation. "
                "A repository whose last commit has not changed is skipped; running it "
                "again gives the same counts."
            ),
        )
        run.add_argument("--software", metavar="SLUG", help=_("only this catalogue entry"))
        run.add_argument(
            "--timeout", type=float, default=git.TIMEOUT_SECONDS,
            help=_("seconds allowed for each repository"),
        )  # fmt: skip
        run.add_argument(
            "--max-bytes", type=int, default=git.MAX_BYTES,
            help=_("bytes a history may take on disk"),
        )  # fmt: skip

    def handle(self, *args: Any, **options: Any) -> None:
        def progress(url: str, what: str) -> None:
            self.stdout.write(f"  {url}: {what}")

        result = collect(
            options["software"],
            timeout=options["timeout"],
            max_bytes=options["max_bytes"],
            progress=progress,
        )
        self.stdout.write(
            _("%(counted)d counted, %(unchanged)d unchanged, %(failed)d failed")
            % {"counted": result.counted, "unchanged": result.unchanged, "failed": result.failed}
        )
        if options["software"] and not (result.counted or result.unchanged or result.failed):
            raise CommandError(
                _("No published catalogue entry %(slug)s with a repository.")
                % {"slug": options["software"]}
            )
