"""Applying code.gouv.fr open-data files: forges, accounts, organisations and repositories.

:mod:`communs.repositories.opendata` reads and checks a file; this module stores what
it read, in one transaction, so that a refused file leaves the database as it was:

- a Forge per host (its kind from the file's ``platform``, its URLs the defaults of
  :mod:`communs.forges.kinds`);
- an Account per owner, and for each account this import creates an Organisation of its
  own (keyed by the account path, see :meth:`Directory.unique_key`), unless the account
  is a personal namespace holding a repository that the file listed under another
  account of the forge: then it joins that account's organisation;
- the repositories, through the shared :func:`~communs.repositories.storage.upsert_repositories`.

Account and organisation details from an organisations file only fill blanks: an open
snapshot must not overwrite what a sources file or a harvest said since. The one
exception is an organisation's name still equal to its account path (a placeholder
made by a repositories import), which the organisations file replaces with the real
name. Nothing personal is stored: the file's e-mail addresses are never read.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import models, transaction
from django.utils.text import slugify

from communs.forges.kinds import default_api_url, default_web_url
from communs.forges.records import RepositoryRecord
from communs.opendata.publish import refresh_open_data
from communs.repositories.models import Repository
from communs.repositories.opendata import (
    AccountListing,
    ListedAccount,
    Problem,
    RepositoryListing,
    read_organisations,
    read_repositories,
)
from communs.repositories.storage import UpsertCounts, upsert_repositories
from communs.sources.models import Account, Forge, Organisation

KEY_LENGTH = 100


class ImportRefused(Exception):
    """The file has invalid rows and ``skip_invalid`` was not given: nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(problem) for problem in problems))
        self.problems = problems


@dataclass
class ImportReport:
    """What one import read and changed; the command turns it into sentences."""

    file: str
    rows_read: int = 0
    # Repositories (or accounts) the file holds once duplicates are merged.
    distinct: int = 0
    repeated: int = 0
    repositories: UpsertCounts = field(default_factory=UpsertCounts)
    forges_new: int = 0
    accounts_new: int = 0
    accounts_updated: int = 0
    organisations_new: int = 0
    organisations_updated: int = 0
    skipped: list[Problem] = field(default_factory=list)
    unknown_licences: Counter[str] = field(default_factory=Counter)


def import_repositories(
    path: Path,
    *,
    organisations: Path | None = None,
    skip_invalid: bool = False,
) -> tuple[ImportReport, ImportReport | None]:
    """Import a repositories file, and first an organisations file when given.

    Raises :class:`~communs.repositories.opendata.OpenDataError` when a file cannot be
    read and :class:`ImportRefused` when rows are invalid without ``skip_invalid``;
    either way nothing is written.
    """
    listing = read_repositories(path, name=str(path))
    accounts = read_organisations(organisations, name=str(organisations)) if organisations else None
    problems = [*listing.problems, *_long_repository_values(listing)]
    if accounts is not None:
        problems += [*accounts.problems, *_long_account_values(accounts)]
    if problems and not skip_invalid:
        raise ImportRefused(problems)
    with transaction.atomic():
        directory = Directory()
        account_report = None
        if accounts is not None:
            account_report = _apply_accounts(accounts, directory, problems)
        report = _apply_repositories(listing, directory, problems)
    # The open-data files follow the database, once (and only if) the import is committed.
    transaction.on_commit(refresh_open_data)
    return report, account_report


def import_organisations(path: Path, *, skip_invalid: bool = False) -> ImportReport:
    """Import an organisations file alone (accounts and their organisations)."""
    accounts = read_organisations(path, name=str(path))
    problems = [*accounts.problems, *_long_account_values(accounts)]
    if problems and not skip_invalid:
        raise ImportRefused(problems)
    with transaction.atomic():
        report = _apply_accounts(accounts, Directory(), problems)
    transaction.on_commit(refresh_open_data)
    return report


class Directory:
    """The forges, accounts and organisation keys of the database, loaded once per import.

    Accounts are matched without case, as the unique constraint on accounts does.
    """

    def __init__(self) -> None:
        self.forges = {forge.host: forge for forge in Forge.objects.all()}
        self._accounts: dict[int, dict[str, Account]] = {}
        self.keys = set(Organisation.objects.values_list("key", flat=True))
        self.forges_new = 0

    def forge(self, host: str, kind: str) -> Forge:
        forge = self.forges.get(host)
        if forge is None:
            url = default_web_url(host)
            forge = Forge.objects.create(
                host=host, kind=kind, url=url, api_url=default_api_url(kind, url)
            )
            self.forges[host] = forge
            self.forges_new += 1
        return forge

    def accounts(self, forge: Forge) -> dict[str, Account]:
        if forge.pk not in self._accounts:
            rows = Account.objects.filter(forge=forge).select_related("organisation")
            self._accounts[forge.pk] = {account.path.lower(): account for account in rows}
        return self._accounts[forge.pk]

    def account(self, forge: Forge, path: str) -> tuple[Account, bool]:
        """The account at ``path``, created (without organisation) when missing."""
        known = self.accounts(forge)
        account = known.get(path.lower())
        if account is not None:
            return account, False
        account = Account.objects.create(forge=forge, path=path)
        known[path.lower()] = account
        return account, True

    def new_organisation(self, name: str, account: Account, **details: str) -> Organisation:
        organisation = Organisation.objects.create(
            key=self.unique_key(account), name=name, **details
        )
        account.organisation = organisation
        account.save(update_fields=["organisation", "updated_at"])
        return organisation

    def unique_key(self, account: Account) -> str:
        """A slug of the account path, with the forge's host when another organisation has it.

        The path rather than the display name: it is short, changes less, and is known
        whichever file is imported first. ``etalab`` on GitHub and ``etalab`` on Framagit
        become ``etalab`` and ``etalab-framagit-org``.
        """
        base = _slug(account.path) or "organisation"
        with_host = _slug(f"{base}-{account.forge.host}")
        numbered = (f"{with_host[: KEY_LENGTH - 6]}-{n}" for n in itertools.count(2))
        key = next(
            key for key in itertools.chain([base, with_host], numbered) if key not in self.keys
        )
        self.keys.add(key)
        return key


def _slug(text: str) -> str:
    slug = slugify(text.replace("/", "-").replace(".", "-"))
    if len(slug) > KEY_LENGTH:
        # Cut at a word boundary so that keys stay readable.
        slug = slug[:KEY_LENGTH].rsplit("-", 1)[0]
    return slug.strip("-")


def _apply_accounts(
    listing: AccountListing, directory: Directory, problems: list[Problem]
) -> ImportReport:
    report = _report(listing.file, listing.rows_read, len(listing.by_identity), listing.repeated)
    report.skipped = [p for p in problems if p.file == listing.file]
    skipped_rows = {p.row for p in report.skipped}
    forges_before = directory.forges_new
    for listed in listing.accounts:
        if listed.row in skipped_rows:
            continue
        forge = directory.forge(listed.host, listed.kind)
        account, created = directory.account(forge, listed.path)
        changed = _fill_blanks(
            account,
            display_name=listed.display_name,
            description=listed.description,
            website=listed.website,
            avatar_url=listed.avatar_url,
        )
        if changed:
            account.save(update_fields=[*changed, "updated_at"])
        report.accounts_new += created
        report.accounts_updated += bool(changed) and not created
        organisation = account.organisation
        if organisation is None:
            directory.new_organisation(
                listed.display_name or account.path,
                account,
                description=listed.description,
                website=listed.website,
                avatar_url=listed.avatar_url,
            )
            report.organisations_new += 1
        elif _is_placeholder(organisation, account):
            changed = _fill_blanks(
                organisation,
                description=listed.description,
                website=listed.website,
                avatar_url=listed.avatar_url,
            )
            if listed.display_name and organisation.name != listed.display_name:
                organisation.name = listed.display_name
                changed.append("name")
            if changed:
                organisation.save(update_fields=[*changed, "updated_at"])
                report.organisations_updated += 1
    report.forges_new = directory.forges_new - forges_before
    return report


def _apply_repositories(
    listing: RepositoryListing, directory: Directory, problems: list[Problem]
) -> ImportReport:
    report = _report(listing.file, listing.rows_read, len(listing.by_identity), listing.repeated)
    report.skipped = [p for p in problems if p.file == listing.file]
    report.unknown_licences = listing.unknown_licences
    skipped_rows = {p.row for p in report.skipped}
    forges_before = directory.forges_new
    by_forge: dict[int, list[RepositoryRecord]] = defaultdict(list)
    # Accounts created here, with the organisation names that listed their repositories.
    orphans: dict[int, tuple[Account, set[str]]] = {}
    for listed in listing.repositories:
        if listed.row in skipped_rows:
            continue
        forge = directory.forge(listed.host, listed.kind)
        account, created = directory.account(forge, listed.owner)
        report.accounts_new += created
        if account.organisation_id is None and (created or account.pk in orphans):
            orphans.setdefault(account.pk, (account, set()))[1].update(listed.listed_under)
        by_forge[forge.pk].append(listed.record)
    report.organisations_new += _adopt_orphans(orphans.values(), directory)
    forges = {forge.pk: forge for forge in directory.forges.values()}
    for forge_pk, records in by_forge.items():
        report.repositories.add(upsert_repositories(forges[forge_pk], records))
    report.forges_new = directory.forges_new - forges_before
    return report


def _adopt_orphans(orphans: Iterable[tuple[Account, set[str]]], directory: Directory) -> int:
    """Give each new account an organisation; returns how many organisations were created.

    A personal namespace (``fnicol`` holding a repository listed under ``altair``) joins
    the organisation of the account that listed it; any other account gets its own,
    named after its path until an organisations file names it.
    """
    ordered = sorted(orphans, key=lambda item: (item[0].forge.host, item[0].path.lower()))
    # Listed accounts first, so that a namespace finds its lister's organisation whatever
    # the alphabetical order of their names.
    listed: list[tuple[Account, set[str]]] = []
    others: list[tuple[Account, set[str]]] = []
    for item in ordered:
        (listed if item[0].path.lower() in _lowered(item[1]) else others).append(item)
    created = 0
    for account, _names in listed:
        directory.new_organisation(account.path, account)
        created += 1
    for account, listed_under in others:
        known = directory.accounts(account.forge)
        listers = [known.get(name) for name in sorted(_lowered(listed_under))]
        lister = next((a for a in listers if a is not None and a.organisation_id), None)
        if lister is not None:
            account.organisation = lister.organisation
            account.save(update_fields=["organisation", "updated_at"])
        else:
            directory.new_organisation(account.path, account)
            created += 1
    return created


def _lowered(names: Iterable[str]) -> set[str]:
    return {name.lower() for name in names}


def _is_placeholder(organisation: Organisation, account: Account) -> bool:
    return organisation.name == account.path and not organisation.pso_id


def _fill_blanks(instance: models.Model, **values: str) -> list[str]:
    """Set the blank fields of ``instance`` that ``values`` has; returns their names."""
    changed = []
    for name, value in values.items():
        if value and not getattr(instance, name):
            setattr(instance, name, value)
            changed.append(name)
    return changed


def _report(file: str, rows_read: int, distinct: int, repeated: int) -> ImportReport:
    return ImportReport(file=file, rows_read=rows_read, distinct=distinct, repeated=repeated)


def _too_long(model: type[models.Model], values: dict[str, str]) -> list[str]:
    """The fields whose value the database would refuse (PostgreSQL checks lengths)."""
    errors = []
    for name, value in values.items():
        limit = model._meta.get_field(name).max_length
        if limit is not None and len(value) > limit:
            errors.append(f"{name}: {len(value)} characters, at most {limit}")
    return errors


def _long_repository_values(listing: RepositoryListing) -> list[Problem]:
    problems = []
    for listed in listing.repositories:
        record = listed.record
        errors = _too_long(
            Repository,
            {
                "full_path": record.full_path,
                "name": record.name,
                "url": record.url,
                "default_branch": record.default_branch,
                "homepage": record.homepage,
                "language": record.language,
            },
        )
        errors += _too_long(Account, {"path": listed.owner})
        if errors:
            problems.append(Problem(listing.file, listed.line, listed.row, "; ".join(errors)))
    return problems


def _long_account_values(listing: AccountListing) -> list[Problem]:
    problems = []
    for listed in listing.accounts:
        errors = _too_long(Account, _account_values(listed))
        if errors:
            problems.append(Problem(listing.file, listed.line, listed.row, "; ".join(errors)))
    return problems


def _account_values(listed: ListedAccount) -> dict[str, str]:
    return {
        "path": listed.path,
        "display_name": listed.display_name,
        "website": listed.website,
        "avatar_url": listed.avatar_url,
    }
