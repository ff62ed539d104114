"""Storing sources files: forges, organisations and accounts, in one transaction.

``import_sources`` is the one entry point (the ``communs sources import`` command and
the demo generator call it). It reads the files with ``communs.sources.sourcefiles``,
refuses the whole import when a file has an error (unless ``skip_invalid``), then
brings the rows in line with the files:

- a row is written only when a value changes, so importing the same file twice
  writes nothing the second time;
- a forge or account that an earlier sources file listed and that this import does not
  list is marked ignored ("left the sources file"), never deleted; one that comes back
  is no longer ignored. Only a complete import does this: when a sources file could not
  be read at all, nothing is taken as gone;
- an organisation keeps the strongest name it was given (by hand, then the list of
  ministries, then a sources file, then its first account); files never clear an
  organisation's details, they only give them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from communs.sources import sourcefiles
from communs.sources.models import Account, Forge, Organisation
from communs.sources.sourcefiles import OrganisationEntry, Problem, Sources, SourcesFile

# Stored as written (not translated): they are data, compared from one import to the next.
LEFT_THE_FILE = "left the sources file"
IGNORED_IN_THE_FILE = "ignored in the sources file"

# How strong a name is: an import replaces a name only by one at least as strong.
_NAME_STRENGTH = {
    Organisation.NameOrigin.ACCOUNT: 0,
    Organisation.NameOrigin.SOURCES: 1,
    Organisation.NameOrigin.MINISTRIES: 2,
    Organisation.NameOrigin.MANUAL: 3,
}


class SourcesImportError(Exception):
    """The files have errors and ``skip_invalid`` was not given: nothing was written."""

    def __init__(self, problems: list[Problem], warnings: list[Problem] | None = None) -> None:
        super().__init__("\n".join(str(problem) for problem in problems))
        self.problems = problems
        self.warnings = warnings or []


@dataclass
class Counts:
    """What happened to the rows of one kind."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    # Marked ignored by this import because they left the sources file.
    ignored: int = 0

    @property
    def changed(self) -> int:
        return self.new + self.updated + self.ignored


@dataclass
class FileRead:
    path: Path
    format: str | None
    # Read because it sits beside a sources file, not because it was named.
    sibling: bool = False


@dataclass
class ImportReport:
    """What an import read, changed (or, in a dry run, would change) and left out."""

    files: list[FileRead] = field(default_factory=list)
    forges: Counts = field(default_factory=Counts)
    organisations: Counts = field(default_factory=Counts)
    accounts: Counts = field(default_factory=Counts)
    # Errors whose entries were left out (with ``skip_invalid``).
    skipped: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    dry_run: bool = False
    # Whether entries missing from the files were looked for (see the module docstring).
    checked_for_left: bool = False

    @property
    def changed(self) -> bool:
        return any(c.changed for c in (self.forges, self.organisations, self.accounts))

    def counts(self) -> dict[str, Counts]:
        return {
            "forges": self.forges,
            "organisations": self.organisations,
            "accounts": self.accounts,
        }


def import_sources(
    paths: list[Path],
    *,
    skip_invalid: bool = False,
    dry_run: bool = False,
    include_siblings: bool = True,
    fmt: str | None = None,
) -> ImportReport:
    """Import sources files (and, with ``include_siblings``, the lookup files beside them).

    Raises ``SourcesImportError`` when a file has an error, unless ``skip_invalid``:
    then the valid entries are imported and the others listed in ``report.skipped``.
    ``dry_run`` computes the same report and writes nothing. ``fmt`` forces the format
    of the named files (not of the siblings, known by their names).
    """
    report = ImportReport(dry_run=dry_run)
    files = _read_files(paths, fmt, include_siblings, report)
    known_kinds = dict(Forge.objects.values_list("host", "kind"))
    known_ministries = {
        (pso_id or key): name
        for key, pso_id, name in Organisation.objects.filter(
            level=Organisation.Level.MINISTRY
        ).values_list("key", "pso_id", "name")
    }
    sources = sourcefiles.combine(files, known_kinds=known_kinds, known_ministries=known_ministries)
    report.warnings = sources.warnings
    if sources.errors and not skip_invalid:
        raise SourcesImportError(sources.errors, sources.warnings)
    report.skipped = sources.errors
    with transaction.atomic():
        _Writer(sources, report, timezone.localdate()).write()
        if dry_run:
            transaction.set_rollback(True)
    return report


def _read_files(
    paths: Iterable[Path], fmt: str | None, include_siblings: bool, report: ImportReport
) -> list[SourcesFile]:
    files: list[SourcesFile] = []
    seen: set[Path] = set()

    def read(path: Path, fmt: str | None, sibling: bool) -> SourcesFile:
        seen.add(path.resolve())
        sources_file = sourcefiles.read_file(path, fmt)
        files.append(sources_file)
        report.files.append(FileRead(path, sources_file.format, sibling))
        return sources_file

    paths = list(paths)
    for path in paths:
        if path.resolve() in seen:
            continue
        named = read(path, fmt or sourcefiles.format_of_sibling(path), sibling=False)
        if not (include_siblings and named.lists_sources):
            continue
        for name in sourcefiles.SIBLINGS:
            beside = path.parent / name
            # A lookup file named on the command line is read there, not as a sibling.
            named_later = any(p.resolve() == beside.resolve() for p in paths)
            if beside.is_file() and beside.resolve() not in seen and not named_later:
                read(beside, sourcefiles.format_of_sibling(beside), sibling=True)
    return files


class _Tracked:
    """Rows of one model, with what the import did to each."""

    def __init__(self, fields: tuple[str, ...], counts: Counts) -> None:
        self.fields = fields
        self.counts = counts
        self.before: dict[int, tuple[object, ...]] = {}
        self.created: set[int] = set()

    def snapshot(self, row: object) -> tuple[object, ...]:
        return tuple(getattr(row, name) for name in self.fields)

    def load(self, row: object) -> None:
        self.before.setdefault(id(row), self.snapshot(row))

    def create(self, row: Forge | Organisation | Account) -> None:
        row.save()
        self.created.add(id(row))
        self.before[id(row)] = self.snapshot(row)
        self.counts.new += 1

    def finish(self, row: Forge | Organisation | Account) -> None:
        """Save the row if the import changed it, and count it (once per row)."""
        changed = self.snapshot(row) != self.before[id(row)]
        if changed:
            row.save(update_fields=[*self.fields, "updated_at"])
        if id(row) in self.created:
            return
        if changed:
            self.counts.updated += 1
        else:
            self.counts.unchanged += 1


class _Writer:
    """Brings the rows in line with ``sources``; runs inside the import's transaction."""

    def __init__(self, sources: Sources, report: ImportReport, today: date) -> None:
        self.sources = sources
        self.report = report
        self.today = today
        self.organisations: dict[str, Organisation] = {}
        self.forges: dict[str, Forge] = {}

    def write(self) -> None:
        self._write_organisations()
        self._write_forges()
        self._write_accounts()
        if self.sources.complete:
            self.report.checked_for_left = True
            self._ignore_forges_that_left()
            self._ignore_accounts_that_left()

    # Organisations ---------------------------------------------------------------------

    def _write_organisations(self) -> None:
        entries = self.sources.organisations
        tracked = _Tracked(
            (
                "name",
                "name_origin",
                "pso_id",
                "level",
                "floss_policy_url",
                "ospo_url",
                "parent_id",
            ),
            self.report.organisations,
        )
        pso_ids = [e.pso_id for e in entries.values() if e.pso_id]
        by_pso = {o.pso_id: o for o in Organisation.objects.filter(pso_id__in=pso_ids)}
        by_key = {o.key: o for o in Organisation.objects.filter(key__in=list(entries))}
        # Rows first, so that parents created by this import have a key to point to.
        for key, entry in entries.items():
            row = (by_pso.get(entry.pso_id) if entry.pso_id else None) or by_key.get(key)
            if row is None:
                row = self._new_organisation(entry)
                tracked.create(row)
            else:
                tracked.load(row)
                self._update_organisation(row, entry)
            self.organisations[key] = row
        for key, entry in entries.items():
            row = self.organisations[key]
            if entry.parent is not None:
                row.parent_id = self.organisations[entry.parent].pk
            tracked.finish(row)

    def _new_organisation(self, entry: OrganisationEntry) -> Organisation:
        key = entry.key
        # A key is unique; another row may have taken this one (an edit by hand).
        suffix = 2
        while Organisation.objects.filter(key=key).exists():
            key = f"{entry.key[: sourcefiles.MAX_KEY - 6]}-{suffix}"
            suffix += 1
        return Organisation(
            key=key,
            pso_id=entry.pso_id,
            name=entry.name or entry.pso_id or entry.key,
            name_origin=entry.name_origin,
            level=Organisation.Level.MINISTRY
            if entry.is_ministry
            else Organisation.Level.ORGANISATION,
            floss_policy_url=entry.floss_policy_url,
            ospo_url=entry.ospo_url,
        )

    def _update_organisation(self, row: Organisation, entry: OrganisationEntry) -> None:
        # An entry without a name origin (a ministry the database knows) names nothing.
        strength = _NAME_STRENGTH.get(entry.name_origin, -1) if entry.name_origin else -1
        if entry.name and strength >= _NAME_STRENGTH.get(row.name_origin, 3):
            row.name, row.name_origin = entry.name, entry.name_origin
        if entry.pso_id and not row.pso_id:
            row.pso_id = entry.pso_id
        if entry.is_ministry:
            row.level = Organisation.Level.MINISTRY
        if entry.floss_policy_url:
            row.floss_policy_url = entry.floss_policy_url
        if entry.ospo_url:
            row.ospo_url = entry.ospo_url

    # Forges ----------------------------------------------------------------------------

    def _write_forges(self) -> None:
        tracked = _Tracked(
            (
                "kind",
                "url",
                "api_url",
                "scope",
                "organisation_id",
                "ignored_since",
                "ignored_reason",
                "source_file",
            ),
            self.report.forges,
        )
        entries = self.sources.forges
        rows = {f.host: f for f in Forge.objects.filter(host__in=list(entries))}
        for host, entry in entries.items():
            row = rows.get(host)
            if row is None:
                row = Forge(host=host)
            else:
                tracked.load(row)
            row.kind = entry.kind
            row.url = entry.url
            row.api_url = entry.api_url
            row.scope = entry.scope
            # Files give organisations and never take them away (the 2021 list names none).
            if entry.organisation is not None:
                row.organisation_id = self.organisations[entry.organisation].pk
            row.ignored_since = entry.ignored_since
            row.ignored_reason = IGNORED_IN_THE_FILE if entry.ignored_since else ""
            row.source_file = entry.file.name[:255]
            if row.pk is None:
                tracked.create(row)
            else:
                tracked.finish(row)
            self.forges[host] = row

    def _ignore_forges_that_left(self) -> None:
        listed = set(self.sources.forges) | self.sources.kept_forges
        left = [
            forge
            for forge in Forge.objects.exclude(source_file="").filter(ignored_since__isnull=True)
            if forge.host not in listed
        ]
        for forge in left:
            forge.ignored_since = self.today
            forge.ignored_reason = LEFT_THE_FILE
            forge.save(update_fields=["ignored_since", "ignored_reason", "updated_at"])
        self.report.forges.ignored += len(left)

    # Accounts --------------------------------------------------------------------------

    def _write_accounts(self) -> None:
        tracked = _Tracked(
            ("path", "organisation_id", "ignored_since", "ignored_reason", "source_file"),
            self.report.accounts,
        )
        existing = {
            (account.forge_id, account.path.lower()): account
            for account in Account.objects.filter(
                forge__in=[f for f in self.forges.values() if f.pk is not None]
            )
        }
        for host, entry in self.sources.forges.items():
            forge = self.forges[host]
            for owner in entry.owners:
                row = existing.get((forge.pk, owner.path.lower()))
                if row is None:
                    row = Account(forge=forge)
                else:
                    tracked.load(row)
                row.path = owner.path
                if owner.organisation is not None:
                    row.organisation_id = self.organisations[owner.organisation].pk
                row.ignored_since = owner.ignored_since
                row.ignored_reason = IGNORED_IN_THE_FILE if owner.ignored_since else ""
                row.source_file = owner.file.name[:255]
                if row.pk is None:
                    tracked.create(row)
                else:
                    tracked.finish(row)

    def _ignore_accounts_that_left(self) -> None:
        listed = {
            (host, owner.path.lower())
            for host, entry in self.sources.forges.items()
            for owner in entry.owners
        }
        listed |= self.sources.kept_owners
        left = [
            account
            for account in Account.objects.exclude(source_file="")
            .filter(ignored_since__isnull=True)
            .select_related("forge")
            if (account.forge.host, account.path.lower()) not in listed
        ]
        for account in left:
            account.ignored_since = self.today
            account.ignored_reason = LEFT_THE_FILE
            account.save(update_fields=["ignored_since", "ignored_reason", "updated_at"])
        self.report.accounts.ignored += len(left)
