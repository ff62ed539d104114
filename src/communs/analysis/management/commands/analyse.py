"""``communs analyse [--forge HOST …] [--repo URL …] [--all]``: analyse repositories' code.

A thin shell over :mod:`communs.analysis.pipeline`. By default it analyses the
repositories whose content moved since their last analysis (or that were never analysed,
or whose last attempt failed); ``--all`` analyses every one again; ``--repo`` names
repositories by URL, analysed whatever their dates.

Exit status: 0 when no repository failed (skipped ones say why in the summary and on
their page), 3 when some failed (the others are stored), 130 when stopped by a signal
(what was done is stored; the next run goes on).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from communs.analysis.pipeline import AnalyseResult, analyse_repositories, pending, summary
from communs.figures import refresh_figures
from communs.repositories.models import Repository
from communs.sources.models import Forge

FAILED = 3
INTERRUPTED = 130


def find_repository(url: str) -> Repository | None:
    """The repository at ``url``: its stored URL, or a forge's URL followed by its path."""
    wanted = url.strip().rstrip("/").removesuffix(".git")
    if not wanted or "\x00" in wanted:
        return None
    found = Repository.objects.filter(url__iexact=wanted).first()
    if found is not None:
        return found
    for forge in Forge.objects.all():
        base = forge.url.rstrip("/")
        if base and wanted.lower().startswith(base.lower() + "/"):
            path = wanted[len(base) + 1 :]
            found = Repository.objects.filter(forge=forge, full_path__iexact=path).first()
            if found is not None:
                return found
    return None


def select(forges: list[str], urls: list[str], everything: bool) -> QuerySet[Repository]:
    """The repositories a run analyses; :class:`CommandError` names what does not exist."""
    selection = Repository.objects.filter(gone_since__isnull=True)
    if forges:
        known = {host.lower(): host for host in Forge.objects.values_list("host", flat=True)}
        unknown = [host for host in forges if host.lower().strip("/") not in known]
        if unknown:
            raise CommandError(
                _("no forge %(hosts)s; known forges: %(known)s")
                % {"hosts": ", ".join(unknown), "known": ", ".join(sorted(known)) or "-"}
            )
        selection = selection.filter(forge__host__in=[known[h.lower().strip("/")] for h in forges])
    if urls:
        found, missing = [], []
        for url in urls:
            repo = find_repository(url)
            (found.append(repo.pk) if repo is not None else missing.append(url))
        if missing:
            raise CommandError(_("no repository at %(urls)s") % {"urls": ", ".join(missing)})
        # Named repositories are analysed whatever their dates: someone asked for them.
        return selection.filter(Q(pk__in=found))
    return selection if everything else pending(selection)


class Command(BaseCommand):
    help = gettext_lazy(
        "Analyse the code of the repositories whose content changed since their last "
        "analysis: files, licence, languages, dependencies; then score them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.description = str(self.help)
        parser.add_argument(
            "--forge",
            action="append",
            default=[],
            metavar="HOST",
            help=_("analyse this forge's repositories only (its host key); repeatable"),
        )
        parser.add_argument(
            "--repo",
            action="append",
            default=[],
            metavar="URL",
            help=_("analyse this repository, whatever its dates; repeatable"),
        )
        parser.add_argument(
            "--all",
            action="store_true",
            help=_("analyse every repository again, not only those whose content changed"),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        selection = select(options["forge"], options["repo"], options["all"])
        if not selection.exists():
            self.stdout.write(_("Nothing to analyse."))
            return
        from communs.harvest.tokens import ForgeAddress, TokenError, client_tokens

        try:
            tokens = client_tokens(
                [ForgeAddress(f.host, f.url, f.api_url) for f in Forge.objects.all()],
                settings.GITHUB_TOKENS,
                settings.FORGE_TOKENS,
            )
        except TokenError as error:
            raise CommandError(str(error)) from error
        contact = getattr(settings, "HARVEST_CONTACT", "")
        result = analyse_repositories(
            selection, tokens=tokens, install_signals=True, contact=contact
        )
        refresh_figures()  # the stats page counts what analyses found
        self.report(result)

    def report(self, result: AnalyseResult) -> None:
        self.stdout.write(summary(result))
        if result.interrupted:
            raise CommandError(
                _("Interrupted: the next run goes on with the repositories left."),
                returncode=INTERRUPTED,
            )
        if result.failed:
            lines = [
                ngettext(
                    "%(count)d repository could not be analysed:",
                    "%(count)d repositories could not be analysed:",
                    result.failed,
                )
                % {"count": result.failed}
            ]
            for forge in result.forges.values():
                lines += [f"{forge.host}/{line}" for line in forge.failures]
            raise CommandError("\n".join(lines), returncode=FAILED)
