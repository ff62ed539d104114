"""Keeping the search index in step with the repositories and organisations.

Nothing indexes behind anyone's back (no signals): whoever stores repositories calls
:func:`index_repositories` with what it stored, in the same transaction, so a search
never sees a half-imported batch. ``communs search reindex`` (:func:`rebuild_index`)
rebuilds everything, in batches, in one transaction: searches keep answering from the
old index until the new one is complete.

What each entry copies: see :class:`communs.search.models.RepositoryEntry`; the
code.gouv.fr score and the publiccode.yml verdict come from the stored analysis, which
``communs analyse`` re-indexes after storing it. A renamed
organisation changes the words of its repositories: index them again too
(``communs search reindex`` after a sources import does it all).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper
from django.db.models import QuerySet

from communs.figures import index_changed
from communs.repositories.models import Repository
from communs.scoring import hidden_by_default, provisional_codegouv_score
from communs.search.backends import current_backend
from communs.search.documents import ORGANISATION, REPOSITORY, Document
from communs.search.licences import is_free_licence
from communs.search.models import (
    CODED_VALUES,
    FacetCode,
    OrganisationEntry,
    RepositoryEntry,
    read_facet_codes,
)
from communs.search.wordindex import (
    Values,
    build_segment,
    epoch,
    forget_word_index,
    mark_stale,
    owner_key,
)
from communs.sources.models import Organisation

BATCH_SIZE = 2000

# Root files come with the harvest's enrichment; an older schema may lack them, and the
# filters on them then stay unknown (None) rather than failing.
_REPOSITORY_FIELDS = {f.name for f in Repository._meta.get_fields()}
HAS_ROOT_FILES = "root_files" in _REPOSITORY_FIELDS
HAS_ENRICHED_AT = "enriched_at" in _REPOSITORY_FIELDS

PUBLICCODE_NAMES = frozenset({"publiccode.yml", "publiccode.yaml"})

# What a repository's words are made of (``repository_document``).
DOCUMENT_VALUES = (
    "pk",
    "name",
    "full_path",
    "description",
    "topics",
    "language",
    "account__organisation__name",
    "forge__organisation__name",
)

# What its entry and its words are made of (``index_repositories``).
_VALUES = [
    *DOCUMENT_VALUES,
    "license",
    "forge_id",
    "account_id",
    "is_fork",
    "is_archived",
    "is_template",
    "gone_since",
    "stars",
    "forks",
    "watchers",
    "pushed_at",
    "created_at",
    *(["root_files"] if HAS_ROOT_FILES else []),
    *(["enriched_at"] if HAS_ENRICHED_AT else []),
    # The stored analysis (a left join: None for repositories never analysed).
    "analysis__codegouv_score",
    "analysis__has_publiccode",
    "analysis__has_contributing",
    "analysis__publiccode_valid",
]


@dataclass
class IndexCounts:
    repositories: int = 0
    organisations: int = 0


def root_file_flags(root_files: object, enriched: bool) -> tuple[bool | None, bool | None]:
    """``(has publiccode.yml, has a CONTRIBUTING file)`` from the names at the root.

    Unknown (None, None) until someone read the root: an empty list from a repository
    nobody enriched says nothing. Names are compared without case; directories (with a
    trailing slash) do not count.
    """
    names = [n for n in root_files if isinstance(n, str)] if isinstance(root_files, list) else []
    if not names and not enriched:
        return None, None
    files = [n.casefold() for n in names if not n.endswith("/")]
    publiccode = any(n in PUBLICCODE_NAMES for n in files)
    contributing = any(n.split(".", 1)[0] == "contributing" for n in files)
    return publiccode, contributing


# The entry table's columns, in the order of the tuples _repository_entry builds.
ENTRY_COLUMNS = (
    "id",
    "forge_id",
    "account_id",
    "language",
    "license",
    "free_license",
    "is_fork",
    "is_archived",
    "is_template",
    "gone",
    "has_publiccode",
    "has_contributing",
    "publiccode_valid",
    "codegouv_score",
    "flags",
    "stars",
    "forks",
    "pushed_at",
    "created_at",
    "name_key",
)


def _upsert_entries(cursor: CursorWrapper, entries: list[tuple]) -> None:
    """Insert or replace entries (tuples in ``ENTRY_COLUMNS`` order), one statement.

    Plain SQL rather than ``bulk_create(update_conflicts=True)``: the ORM spends more
    time preparing each value than the database spends storing it.
    """
    if not entries:
        return
    columns = ", ".join(ENTRY_COLUMNS)
    updates = ", ".join(f"{c} = excluded.{c}" for c in ENTRY_COLUMNS if c != "id")
    marks = ", ".join(["%s"] * len(ENTRY_COLUMNS))
    cursor.executemany(
        f"INSERT INTO {RepositoryEntry._meta.db_table} ({columns}) VALUES ({marks}) "  # noqa: S608
        f"ON CONFLICT (id) DO UPDATE SET {updates}",
        entries,
    )


# Where the word index's values are in an entry tuple.
_ACCOUNT, _FORGE, _SCORE = (
    ENTRY_COLUMNS.index(c) for c in ("account_id", "forge_id", "codegouv_score")
)
# Where each value of a facet code is in an entry tuple (see ENTRY_COLUMNS).
_CODED = tuple(ENTRY_COLUMNS.index(c) for c in CODED_VALUES)


class FacetCodes:
    """The facet codes (``models.FacetCode``) known so far in one indexing transaction;
    those missing are added as they are met. Never kept longer: codes added by a
    transaction that rolls back do not exist for anyone else."""

    def __init__(self, cursor: CursorWrapper) -> None:
        self.cursor = cursor
        self.known: dict[tuple, int] = {}
        self._read()

    def _read(self) -> None:
        self.known = read_facet_codes(self.cursor)

    def of(self, entries: list[tuple]) -> list[int]:
        """The code of each entry (tuples in ``ENTRY_COLUMNS`` order)."""
        # An entry's ``gone`` is a bool already, as ``_read`` makes the stored ones.
        combos = [tuple(entry[i] for i in _CODED) for entry in entries]
        missing = sorted(set(combos) - self.known.keys(), key=repr)
        if missing:
            # Another indexer may add the same ones meanwhile: the unique constraint
            # keeps one code per combination, which reading again finds.
            self.cursor.executemany(
                f"INSERT INTO {FacetCode._meta.db_table} "  # noqa: S608
                "(language, license, forge_id, flags, gone) VALUES (%s, %s, %s, %s, %s) "
                "ON CONFLICT DO NOTHING",
                missing,
            )
            self._read()
        return [self.known[combo] for combo in combos]


def _topics_text(topics: object) -> str:
    if not isinstance(topics, list):
        return ""
    return " ".join(str(topic) for topic in topics if isinstance(topic, str | int))


def _repository_entry(row: dict, adapt_datetime: Callable[[Any], Any]) -> tuple:
    """The entry of one repository, in ``ENTRY_COLUMNS`` order, ready for the database.

    ``flags`` holds the yes/no properties in the order of ``models.FLAG_BITS``.
    """
    publiccode, contributing = (None, None)
    if HAS_ROOT_FILES:
        publiccode, contributing = root_file_flags(row["root_files"], bool(row.get("enriched_at")))
    # The analysis read the whole tree: its word beats the forge's list of root files.
    if row["analysis__has_publiccode"] is not None:
        publiccode = row["analysis__has_publiccode"]
    if row["analysis__has_contributing"] is not None:
        contributing = row["analysis__has_contributing"]
    score = row["analysis__codegouv_score"]
    hidden = score is not None and score < 0
    if score is None:
        # Never analysed: the provisional score from the forge's metadata, so that the
        # default list's rule (negative scores hidden) and the sort by score hold for all.
        provisional = provisional_codegouv_score(row)
        score, hidden = int(provisional.total), hidden_by_default(provisional)
    free = is_free_licence(row["license"])
    properties = (
        row["is_fork"],
        row["is_archived"],
        row["is_template"],
        publiccode,
        contributing,
        free,
        hidden,
    )
    flags = sum(1 << index for index, value in enumerate(properties) if value is True)
    return (
        row["pk"],
        row["forge_id"],
        row["account_id"],
        row["language"],
        row["license"],
        free,
        row["is_fork"],
        row["is_archived"],
        row["is_template"],
        row["gone_since"] is not None,
        publiccode,
        contributing,
        row["analysis__publiccode_valid"],
        score,
        flags,
        row["stars"],
        row["forks"],
        adapt_datetime(row["pushed_at"]),
        adapt_datetime(row["created_at"]),
        row["name"].lower()[:255],
    )


def repository_document(row: dict, code: int = 0) -> Document:
    organisation = row["account__organisation__name"] or row["forge__organisation__name"] or ""
    return Document.of(
        REPOSITORY,
        row["pk"],
        {
            "name": row["name"],
            "path": row["full_path"],
            "description": row["description"],
            "topics": _topics_text(row["topics"]),
            "language": row["language"],
            "organisation": organisation,
        },
        code,
    )


def _ids(selection: QuerySet | Iterable[int] | None, model: type) -> Iterator[list[int]]:
    """Batches of primary keys: every row of ``model`` when ``selection`` is None."""
    if selection is None:
        last = 0
        while True:
            batch = list(
                model.objects.filter(pk__gt=last)
                .order_by("pk")
                .values_list("pk", flat=True)[:BATCH_SIZE]
            )
            if not batch:
                return
            yield batch
            last = batch[-1]
    if isinstance(selection, QuerySet):
        selection = selection.order_by().values_list("pk", flat=True)
    batch = []
    for pk in selection:
        batch.append(int(pk))
        if len(batch) == BATCH_SIZE:
            yield batch
            batch = []
    if batch:
        yield batch


def index_repositories(
    selection: QuerySet[Repository] | Iterable[int] | None = None, *, word_index: bool = True
) -> int:
    """Index these repositories (a queryset or primary keys; None: all of them).

    Ids of repositories that no longer exist leave the index. Runs in one transaction
    (inside the caller's, if any). Returns how many repositories were indexed.
    ``word_index=False``: not written as changed documents for the word index (a full
    rebuild, which drops the word index's segments and builds one afterwards).
    """
    backend = current_backend()
    done = 0
    with transaction.atomic(), connection.cursor() as cursor:
        # Every backend codes its entries: the word index's changed documents carry
        # their code (SQLite also keeps it in the FTS5 rowid).
        codes = FacetCodes(cursor)
        for batch in _ids(selection, Repository):
            rows = list(Repository.objects.filter(pk__in=batch).values(*_VALUES))
            missing = sorted(set(batch) - {row["pk"] for row in rows})
            if missing:
                RepositoryEntry.objects.filter(pk__in=missing).delete()
                backend.delete(cursor, REPOSITORY, missing)
            adapt = connection.ops.adapt_datetimefield_value
            entries = [_repository_entry(row, adapt) for row in rows]
            _upsert_entries(cursor, entries)
            coded = codes.of(entries)
            documents = [
                repository_document(row, code) for row, code in zip(rows, coded, strict=True)
            ]
            backend.write(cursor, REPOSITORY, documents)
            if word_index:
                # Searches read these from here until the word index's next segment.
                values = [
                    Values(
                        owner_key(entry[_ACCOUNT], entry[_FORGE]),
                        epoch(row["pushed_at"]),
                        entry[_SCORE],
                    )
                    for row, entry in zip(rows, entries, strict=True)
                ]
                mark_stale(cursor, documents, values, missing)
            done += len(rows)
        # The search's cached counts follow the index stamp of the shared figures
        # cache: a new one once committed (a search in between would cache the old
        # counts again), seen by every process.
        transaction.on_commit(index_changed)
    return done


def reindex_repositories(ids: Iterable[int] | None = None) -> int:
    """:func:`index_repositories` by primary keys: what importers and harvests call."""
    return index_repositories(ids)


def index_organisations(selection: QuerySet[Organisation] | Iterable[int] | None = None) -> int:
    """Index these organisations' names and descriptions (None: all of them)."""
    backend = current_backend()
    done = 0
    with transaction.atomic(), connection.cursor() as cursor:
        for batch in _ids(selection, Organisation):
            rows = list(
                Organisation.objects.filter(pk__in=batch).values("pk", "name", "description")
            )
            missing = sorted(set(batch) - {row["pk"] for row in rows})
            if missing:
                OrganisationEntry.objects.filter(pk__in=missing).delete()
                backend.delete(cursor, ORGANISATION, missing)
            OrganisationEntry.objects.bulk_create(
                [OrganisationEntry(organisation_id=row["pk"]) for row in rows],
                ignore_conflicts=True,
            )
            backend.write(
                cursor, ORGANISATION, [Document.of(ORGANISATION, row["pk"], row) for row in rows]
            )
            done += len(rows)
    return done


def rebuild_index() -> IndexCounts:
    """Empty the index and index every repository and organisation again.

    One transaction: readers see the old index until the new one is whole. The word
    index's segments go in the same transaction (searches then read the statements),
    and a new one is built from what was committed (``wordindex.build_segment``): a
    million changed documents written and forgotten again would cost more.
    """
    backend = current_backend()
    with transaction.atomic():
        with connection.cursor() as cursor:
            for kind, model in ((REPOSITORY, RepositoryEntry), (ORGANISATION, OrganisationEntry)):
                model.objects.all().delete()
                backend.clear(cursor, kind)
            forget_word_index(cursor)
        counts = IndexCounts(
            repositories=index_repositories(word_index=False), organisations=index_organisations()
        )
        with connection.cursor() as cursor:
            for kind in (REPOSITORY, ORGANISATION):
                backend.optimise(cursor, kind)
    # Then the word index, from what was just committed.
    build_segment()
    return counts
