"""Exports of the index, as JSON or CSV, written while the rows are read.

The row builders (:func:`repository_to_dict`, :func:`organisation_to_dict`) are the one
public shape of a repository and an organisation: the export command writes them, and
the web pages and the API are meant to reuse them. The writers take any iterable of
rows and never hold more than one row, and the querysets are read with
``.iterator(chunk_size=...)``, so exporting a million repositories costs the memory of
one chunk. No personal data is exported: Communs stores no e-mail address of an
organisation or account, and addresses that a forge's description holds are hidden.

Values are checked as they are written: ``languages`` is always ``{name: bytes}`` and
``topics`` a list of strings, whatever a forge sent, so that every row fits the Table
Schemas of :mod:`communs.opendata.schemas` (the open-data files' descriptions).
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import TextIO

from django.db.models import Count, Q, QuerySet

from communs.repositories.models import Repository
from communs.sources.models import Account, Organisation
from communs.web.present import redact_emails

CHUNK_SIZE = 1000
# What replaces an e-mail address in exported text (files are read in any language).
HIDDEN_EMAIL = "[e-mail address hidden]"

REPOSITORY_FIELDS: tuple[str, ...] = (
    "forge",
    "owner",
    "name",
    "full_name",
    "url",
    "description",
    "homepage",
    "default_branch",
    "is_fork",
    "is_archived",
    "is_template",
    "license",
    "language",
    "languages",
    "topics",
    "stars",
    "forks",
    "watchers",
    "open_issues",
    "created_at",
    "updated_at",
    "pushed_at",
    "organisation",
    "account",
    "first_seen_at",
    "last_harvested_at",
    "gone_since",
)

ORGANISATION_FIELDS: tuple[str, ...] = (
    "key",
    "name",
    "pso_id",
    "level",
    "parent",
    "ministry",
    "website",
    "floss_policy_url",
    "ospo_url",
    "accounts",
    "repositories",
)


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC with a ``Z``, as the forges and code.gouv.fr's files write dates."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


# --- repositories ------------------------------------------------------------------------


def repositories_for_export(*, include_gone: bool = False) -> QuerySet[Repository]:
    """Every repository with what :func:`repository_to_dict` reads.

    Forges, accounts and organisations are prefetched rather than joined: read with
    ``.iterator(chunk_size=n)``, each chunk then costs one query per relation and one
    object per distinct forge or account, not four objects per repository.
    """
    rows = Repository.objects.prefetch_related(
        "forge__organisation", "account__organisation"
    ).order_by("forge__host", "full_path", "pk")
    if not include_gone:
        rows = rows.filter(gone_since__isnull=True)
    return rows


def repository_to_dict(repo: Repository) -> dict[str, object]:
    """A repository as JSON-ready values, keyed by :data:`REPOSITORY_FIELDS`.

    ``organisation`` is the key of the account's organisation, else of the forge's (a
    forge dedicated to one organisation), else None.
    """
    organisation = repo.account.organisation if repo.account else None
    if organisation is None:
        organisation = repo.forge.organisation
    return {
        "forge": repo.forge.host,
        "owner": repo.owner,
        "name": repo.name,
        "full_name": repo.full_path,
        "url": repo.url,
        "description": redact_emails(repo.description, HIDDEN_EMAIL),
        "homepage": repo.homepage,
        "default_branch": repo.default_branch,
        "is_fork": repo.is_fork,
        "is_archived": repo.is_archived,
        "is_template": repo.is_template,
        "license": repo.license,
        "language": repo.language,
        "languages": clean_languages(repo.languages),
        "topics": clean_topics(repo.topics),
        "stars": repo.stars,
        "forks": repo.forks,
        "watchers": repo.watchers,
        "open_issues": repo.open_issues,
        "created_at": iso(repo.created_at),
        "updated_at": iso(repo.updated_at),
        "pushed_at": iso(repo.pushed_at),
        "organisation": organisation.key if organisation else None,
        "account": repo.account.path if repo.account else None,
        "first_seen_at": iso(repo.first_seen_at),
        "last_harvested_at": iso(repo.last_harvested_at),
        "gone_since": iso(repo.gone_since),
    }


def clean_languages(value: object) -> dict[str, int]:
    """``{language: bytes}`` from what a forge sent: anything else is left out."""
    if not isinstance(value, dict):
        return {}
    return {
        str(name): int(size)
        for name, size in value.items()
        if isinstance(size, int | float) and not isinstance(size, bool) and math.isfinite(size)
    }


def clean_topics(value: object) -> list[str]:
    """The topics that are strings, from what a forge sent."""
    if not isinstance(value, list):
        return []
    return [topic for topic in value if isinstance(topic, str)]


def repository_rows(
    *, include_gone: bool = False, chunk_size: int = CHUNK_SIZE
) -> Iterator[dict[str, object]]:
    for repo in repositories_for_export(include_gone=include_gone).iterator(chunk_size=chunk_size):
        yield repository_to_dict(repo)


# --- organisations -----------------------------------------------------------------------


class Hierarchy:
    """Every organisation's key, level and parent, from one query, to name ministries.

    Organisations number in the thousands at most: a few values each.
    """

    def __init__(self) -> None:
        self._nodes = {
            pk: (key, level, parent_id)
            for pk, key, level, parent_id in Organisation.objects.values_list(
                "pk", "key", "level", "parent_id"
            )
        }

    def ministry_key(self, pk: int) -> str | None:
        """The key of the nearest ministry at or above ``pk``; cycles are cut."""
        seen: set[int] = set()
        node: int | None = pk
        while node is not None and node not in seen and node in self._nodes:
            seen.add(node)
            key, level, parent_id = self._nodes[node]
            if level == Organisation.Level.MINISTRY:
                return key
            node = parent_id
        return None


class OrganisationIndex:
    """What an organisation row needs beyond its own fields, for all of them at once.

    Its ministry (:class:`Hierarchy`), and its account and repository counts, from four
    queries whatever the number of organisations: a few small values per organisation,
    never the repositories themselves. A repository
    counts for the organisation of its account, or of its forge when its account has
    none, as in :func:`repository_to_dict`.
    """

    def __init__(self, *, include_gone: bool = False, only: int | None = None) -> None:
        self.hierarchy = Hierarchy()
        # ``only`` limits the counts to one organisation (a page shows one).
        self._accounts = _counts(Account.objects.all(), "organisation", only)
        repositories = Repository.objects.all()
        if not include_gone:
            repositories = repositories.filter(gone_since__isnull=True)
        self._repositories = _counts(repositories, "account__organisation", only)
        lent = _counts(
            repositories.filter(Q(account__isnull=True) | Q(account__organisation__isnull=True)),
            "forge__organisation",
            only,
        )
        for pk, count in lent.items():
            self._repositories[pk] = self._repositories.get(pk, 0) + count

    def ministry_key(self, pk: int) -> str | None:
        return self.hierarchy.ministry_key(pk)

    def accounts(self, pk: int) -> int:
        return self._accounts.get(pk, 0)

    def repositories(self, pk: int) -> int:
        return self._repositories.get(pk, 0)


def _counts(rows: QuerySet, by: str, only: int | None) -> dict[int, int]:
    """``{organisation pk: count}`` of ``rows`` grouped on the ``by`` lookup."""
    rows = rows.filter(**({by: only} if only is not None else {f"{by}__isnull": False}))
    grouped = rows.order_by().values(by)
    return dict(grouped.annotate(n=Count("pk")).values_list(by, "n"))


def organisations_for_export() -> QuerySet[Organisation]:
    return Organisation.objects.select_related("parent").order_by("key")


def organisation_to_dict(
    organisation: Organisation, index: OrganisationIndex | None = None
) -> dict[str, object]:
    """An organisation as JSON-ready values, keyed by :data:`ORGANISATION_FIELDS`.

    Without an ``index`` (one organisation on a page) the ministry and counts cost a
    few queries for this organisation alone; an export passes one index for all rows.
    Counts leave out repositories marked gone unless the index was built with them.
    """
    if index is None:
        index = OrganisationIndex(only=organisation.pk)
    return {
        "key": organisation.key,
        "name": organisation.name,
        "pso_id": organisation.pso_id,
        "level": organisation.level,
        "parent": organisation.parent.key if organisation.parent else None,
        "ministry": index.ministry_key(organisation.pk),
        "website": organisation.website,
        "floss_policy_url": organisation.floss_policy_url,
        "ospo_url": organisation.ospo_url,
        "accounts": index.accounts(organisation.pk),
        "repositories": index.repositories(organisation.pk),
    }


def organisation_rows(
    *, include_gone: bool = False, chunk_size: int = CHUNK_SIZE
) -> Iterator[dict[str, object]]:
    index = OrganisationIndex(include_gone=include_gone)
    for organisation in organisations_for_export().iterator(chunk_size=chunk_size):
        yield organisation_to_dict(organisation, index)


# --- writers -----------------------------------------------------------------------------


class JsonRowWriter:
    """Writes rows one at a time as one JSON list, a row per line; ``close()`` ends it."""

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self.count = 0
        out.write("[")

    def write(self, row: Mapping[str, object]) -> None:
        # The separator goes before each row after the first: no row is held back.
        self._out.write(",\n" if self.count else "\n")
        self._out.write(json.dumps(row, ensure_ascii=False))
        self.count += 1

    def close(self) -> None:
        self._out.write("\n]\n" if self.count else "]\n")


def write_json(rows: Iterable[Mapping[str, object]], out: TextIO) -> int:
    """Write ``rows`` as one JSON list, a row per line; returns how many were written."""
    writer = JsonRowWriter(out)
    for row in rows:
        writer.write(row)
    writer.close()
    return writer.count


def csv_value(value: object) -> str | int:
    """A value as a CSV cell: booleans ``true``/``false``, lists comma-joined, None empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(str(item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, int):
        return value
    return str(value)


class CsvRowWriter:
    """Writes a header row, then rows one at a time (cells as :func:`csv_value` spells them)."""

    def __init__(self, out: TextIO, fields: Iterable[str]) -> None:
        self._fields = tuple(fields)
        self._writer = csv.writer(out, lineterminator="\n")
        self._writer.writerow(self._fields)
        self.count = 0

    def write(self, row: Mapping[str, object]) -> None:
        self._writer.writerow([csv_value(row[name]) for name in self._fields])
        self.count += 1

    def close(self) -> None:
        pass


def write_csv(rows: Iterable[Mapping[str, object]], fields: Iterable[str], out: TextIO) -> int:
    """Write a header row, then ``rows``; returns how many rows were written."""
    writer = CsvRowWriter(out, fields)
    for row in rows:
        writer.write(row)
    return writer.count
