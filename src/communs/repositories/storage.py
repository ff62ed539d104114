"""Storing repository records: the one upsert that imports, the demo and harvests share.

A record is matched to a stored row by the forge's own id first, then (for rows that
came from open data without ids) by its path, case-insensitively. A matched row whose
path changed was renamed or transferred: the old path goes to ``previous_names`` and
the account is re-resolved. Rows are written in batches, so a million records cost a
few thousand queries rather than a million.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice

from django.db.models.functions import Lower
from django.utils import timezone

from communs.forges.records import RepositoryRecord
from communs.repositories.models import Repository
from communs.sources.models import Account, Forge

BATCH_SIZE = 500


@dataclass
class UpsertCounts:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    renamed: int = 0
    # Paths seen in this run, lowercased: a harvest compares them with what is stored
    # to find repositories that are no longer listed.
    seen_ids: set[int] = field(default_factory=set)

    def add(self, other: UpsertCounts) -> None:
        self.new += other.new
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.renamed += other.renamed
        self.seen_ids |= other.seen_ids

    @property
    def total(self) -> int:
        return self.new + self.updated + self.unchanged


class AccountResolver:
    """Finds the account a repository path belongs to: the longest listed owner prefix.

    ``group/sub/project`` belongs to the account ``group/sub`` when it is listed, else to
    ``group``: a GitLab group is harvested with all its sub-groups.
    """

    def __init__(self, forge: Forge) -> None:
        self._by_path = {
            path.lower(): pk
            for pk, path in Account.objects.filter(forge=forge).values_list("pk", "path")
        }

    def resolve(self, full_path: str) -> int | None:
        parts = full_path.lower().split("/")[:-1]
        while parts:
            pk = self._by_path.get("/".join(parts))
            if pk is not None:
                return pk
            parts.pop()
        return None


def _batches(records: Iterable[RepositoryRecord], size: int) -> Iterator[list[RepositoryRecord]]:
    iterator = iter(records)
    while batch := list(islice(iterator, size)):
        yield batch


def upsert_repositories(
    forge: Forge,
    records: Iterable[RepositoryRecord],
    *,
    harvested: bool = False,
    batch_size: int = BATCH_SIZE,
) -> UpsertCounts:
    """Insert or update ``records`` of ``forge``; returns what changed.

    ``harvested`` marks the rows as just seen on the forge (``last_harvested_at``, and
    a row marked gone comes back). The caller owns the transaction.
    """
    counts = UpsertCounts()
    resolver = AccountResolver(forge)
    now = timezone.now()
    for batch in _batches(_last_wins(records), batch_size):
        counts.add(_upsert_batch(forge, batch, resolver, now, harvested))
    return counts


def _last_wins(records: Iterable[RepositoryRecord]) -> Iterator[RepositoryRecord]:
    """Drop earlier duplicates inside one batch window, so a batch holds each repository once."""
    # Duplicates across batches are harmless: the second one matches the stored row.
    pending: dict[str, RepositoryRecord] = {}
    for record in records:
        key = record.native_id or f"path:{record.full_path.lower()}"
        pending.pop(key, None)
        pending[key] = record
        if len(pending) >= BATCH_SIZE:
            yield from pending.values()
            pending.clear()
    yield from pending.values()


def _upsert_batch(
    forge: Forge,
    batch: list[RepositoryRecord],
    resolver: AccountResolver,
    now,
    harvested: bool,
) -> UpsertCounts:
    counts = UpsertCounts()
    ids = [r.native_id for r in batch if r.native_id]
    paths = [r.full_path.lower() for r in batch]
    by_id: dict[str, Repository] = {}
    by_path: dict[str, Repository] = {}
    if ids:
        by_id = {
            row.native_id: row for row in Repository.objects.filter(forge=forge, native_id__in=ids)
        }
    for row in (
        Repository.objects.filter(forge=forge)
        .annotate(path_lower=Lower("full_path"))
        .filter(path_lower__in=paths)
    ):
        # Prefer a row that is not gone when two share a path (an old one was deleted
        # and a new one took its name).
        if row.path_lower not in by_path or by_path[row.path_lower].gone_since:
            by_path[row.path_lower] = row

    to_create: list[Repository] = []
    to_update: dict[int, Repository] = {}
    changed_fields: set[str] = set()
    for record in batch:
        row = by_id.get(record.native_id) if record.native_id else None
        if row is None:
            candidate = by_path.get(record.full_path.lower())
            # Adopt a row found by path only if it has no id or the same id; a record
            # without an id (open data) can only be matched by path, so it takes the row
            # there whatever its id, rather than adding a twin of a harvested row.
            if candidate is not None and (
                record.native_id is None or candidate.native_id in (None, record.native_id)
            ):
                row = candidate
        values = record.stored_fields()
        values["account_id"] = resolver.resolve(record.full_path)
        if harvested:
            values["last_harvested_at"] = now
            values["gone_since"] = None
        if row is None:
            to_create.append(
                Repository(
                    forge=forge, native_id=record.native_id, full_path=record.full_path, **values
                )
            )
            counts.new += 1
            continue
        dirty: set[str] = set()
        if record.native_id and row.native_id != record.native_id:
            row.native_id = record.native_id
            dirty.add("native_id")
        if row.full_path != record.full_path:
            if row.full_path.lower() != record.full_path.lower():
                row.previous_names = [*row.previous_names, row.full_path]
                dirty.add("previous_names")
                counts.renamed += 1
            row.full_path = record.full_path
            dirty.add("full_path")
        for name, value in values.items():
            if name == "last_harvested_at":
                continue
            if getattr(row, name) != value:
                setattr(row, name, value)
                dirty.add(name)
        if harvested:
            row.last_harvested_at = now
        if dirty:
            counts.updated += 1
            changed_fields |= dirty
        else:
            counts.unchanged += 1
        if dirty or harvested:
            to_update[row.pk] = row
        counts.seen_ids.add(row.pk)

    if to_create:
        created = Repository.objects.bulk_create(to_create, batch_size=len(to_create))
        counts.seen_ids.update(r.pk for r in created if r.pk is not None)
    if to_update:
        fields = changed_fields | ({"last_harvested_at"} if harvested else set())
        Repository.objects.bulk_update(list(to_update.values()), sorted(fields))
    return counts
