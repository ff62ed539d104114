"""Storing repository records: the one upsert that imports, the demo and harvests share.

A record is matched to a stored row by the forge's own id first, then (for rows that
came from open data without ids) by its path, case-insensitively. A matched row whose
path changed was renamed or transferred: the old path goes to ``previous_names`` and
the account is re-resolved. Rows are written in batches, so a million records cost a
few thousand queries rather than a million.

Two rules serve what comes next:

- a harvest sets ``content_changed_at`` when it first sees a repository (new, or
  imported from open data) and when its ``pushed_at`` or ``updated_at`` moves, so that
  analysis only looks again at what changed; imports, second-hand, leave it alone;
- ``keep_when_blank`` names fields whose blank value in a record means "not said" (a
  forge listing that carries fewer fields than a single fetch) rather than "emptied": a
  blank there never replaces what is stored. One exception: a record that says it is
  not a fork (``is_fork`` False) empties ``fork_parent_url`` whatever ``keep_when_blank``
  says, since a repository detached from its parent has none.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice

from django.db import connection
from django.db.models import Model
from django.db.models.functions import Lower
from django.utils import timezone

from communs.forges.records import RepositoryRecord
from communs.repositories.models import Repository
from communs.sources.models import Account, Forge

BATCH_SIZE = 500
# The dates whose moving means the repository's content may have changed.
CONTENT_DATES = ("pushed_at", "updated_at")


def _blank(spec: dataclasses.Field) -> object:
    if spec.default_factory is not dataclasses.MISSING:
        return spec.default_factory()
    return spec.default


# Each record field's blank value: what a record holds when its source said nothing.
BLANKS: dict[str, object] = {
    spec.name: _blank(spec)
    for spec in dataclasses.fields(RepositoryRecord)
    if spec.default is not dataclasses.MISSING or spec.default_factory is not dataclasses.MISSING
}


@dataclass
class UpsertCounts:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    renamed: int = 0
    # Rows a harvest saw first or whose pushed_at / updated_at moved: content_changed_at set.
    content_changed: int = 0
    # Primary keys of the rows written or matched in this call.
    seen_ids: set[int] = field(default_factory=set)
    # Primary keys of the rows created or changed in this call (what an index must redo).
    changed_ids: set[int] = field(default_factory=set)

    def add(self, other: UpsertCounts) -> None:
        self.new += other.new
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.renamed += other.renamed
        self.content_changed += other.content_changed
        self.seen_ids |= other.seen_ids
        self.changed_ids |= other.changed_ids

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
    keep_when_blank: Collection[str] = (),
    resolver: AccountResolver | None = None,
) -> UpsertCounts:
    """Insert or update ``records`` of ``forge``; returns what changed.

    ``harvested`` marks the rows as just seen on the forge (``last_harvested_at``, and
    a row marked gone comes back). For the fields named in ``keep_when_blank``, a record
    holding the field's blank value (None, "", 0, False, empty list or dict) leaves the
    stored value alone. ``resolver`` may be passed to reuse one across calls (a harvest
    commits page after page). The caller owns the transaction.
    """
    counts = UpsertCounts()
    resolver = resolver or AccountResolver(forge)
    keep = frozenset(keep_when_blank)
    unknown = keep - BLANKS.keys()
    if unknown:
        raise ValueError(f"not record fields: {sorted(unknown)}")
    now = timezone.now()
    for batch in _batches(_last_wins(records), batch_size):
        counts.add(_upsert_batch(forge, batch, resolver, now, harvested, keep))
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
    keep: frozenset[str],
) -> UpsertCounts:
    counts = UpsertCounts()
    ids = [r.native_id for r in batch if r.native_id]
    by_id: dict[str, Repository] = {}
    by_path: dict[str, Repository] = {}
    if ids:
        by_id = {
            row.native_id: row for row in Repository.objects.filter(forge=forge, native_id__in=ids)
        }
    # Only records not found by id are looked up by path (a harvest refresh finds all by id).
    paths = [r.full_path.lower() for r in batch if not r.native_id or r.native_id not in by_id]
    for row in (
        Repository.objects.filter(forge=forge)
        .annotate(path_lower=Lower("full_path"))
        .filter(path_lower__in=paths)
        if paths
        else ()
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
                    forge=forge,
                    native_id=record.native_id,
                    full_path=record.full_path,
                    content_changed_at=now if harvested else None,
                    **values,
                )
            )
            counts.new += 1
            counts.content_changed += harvested
            continue
        for name in keep:
            if values[name] == BLANKS[name] and not (
                name == "fork_parent_url" and record.is_fork is False
            ):
                del values[name]
        before = {name: getattr(row, name) for name in CONTENT_DATES}
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
        # A date that moved forward or back means new content; a date the source does not
        # give (None) says nothing, and one newly given to a row that had none (open data
        # completed by a harvest) does not either.
        if harvested and (
            row.content_changed_at is None
            or any(
                name in dirty and before[name] is not None and getattr(row, name) is not None
                for name in CONTENT_DATES
            )
        ):
            row.content_changed_at = now
            dirty.add("content_changed_at")
            counts.content_changed += 1
        if harvested:
            row.last_harvested_at = now
        if dirty:
            counts.updated += 1
            changed_fields |= dirty
            counts.changed_ids.add(row.pk)
        else:
            counts.unchanged += 1
        if dirty or harvested:
            to_update[row.pk] = row
        counts.seen_ids.add(row.pk)

    if to_create:
        created = Repository.objects.bulk_create(to_create, batch_size=len(to_create))
        counts.seen_ids.update(r.pk for r in created if r.pk is not None)
        counts.changed_ids.update(r.pk for r in created if r.pk is not None)
    if to_update:
        fields = changed_fields | ({"last_harvested_at"} if harvested else set())
        write_fields(list(to_update.values()), sorted(fields))
    return counts


def write_fields(rows: Sequence[Model], names: Sequence[str]) -> None:
    """Write the fields ``names`` of ``rows`` (all of one model): one prepared UPDATE by
    primary key, executed for every row at once.

    What ``bulk_update`` does, minus its cost: Django's builds one ``CASE WHEN pk = …``
    expression per field over every row, which costs far more Python than the database
    spends on the plain statement (most of a harvest's database time when it was used).
    The values are prepared by each field, as ``save()`` prepares them.
    """
    if not rows:
        return
    meta = rows[0]._meta
    fields = [meta.get_field(name) for name in names]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    # Only the model's own table and column names, quoted, go into the text: no input.
    table, key = quote(meta.db_table), quote(meta.pk.column)
    sql = f"UPDATE {table} SET {assignments} WHERE {key} = %s"  # noqa: S608
    params = [
        [field.get_db_prep_save(getattr(row, field.attname), connection) for field in fields]
        + [row.pk]
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
