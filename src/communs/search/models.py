"""The search index's own tables: one entry per indexed document.

An entry copies what filters, facet counts and sorts read, so that a search touches
one narrow table rather than the wide ``Repository`` rows and their joins. The words
live beside it, where each backend keeps them (see ``communs.search.backends``): an
FTS5 table ``search_<kind>_fts`` on SQLite, a ``document`` tsvector column added to
the entry table on PostgreSQL. Neither appears in the model, since neither exists on
the other backend; migrations create them.

Entries follow the repositories only when someone indexes them
(``communs.search.indexing``): imports, demo and harvest call it after they store.
"""

from __future__ import annotations

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorWrapper
from django.utils.translation import gettext_lazy as _

from communs.repositories.models import Repository
from communs.sources.models import Organisation

# Bit of each yes/no property in RepositoryEntry.flags, in this order. ``hidden``: the
# stored code.gouv.fr score is negative, which the default list leaves out (as
# code.gouv.fr's public list does); a bit, so that the covering indexes answer it.
FLAG_BITS = ("fork", "archived", "template", "publiccode", "contributing", "free", "hidden")


# The columns the facet counts group by, and the others filters read.
_VALUES = ["language", "license", "forge_id"]
_OWNERS = ["account_id", "forge_id"]
_FLAGS = ["flags", "pushed_at", "gone"]


class RowIdOneToOneField(models.OneToOneField):
    """A one-to-one primary key that SQLite stores as the table's rowid.

    Django types such a key ``bigint``, which SQLite keeps beside the rowid under a
    second index, so every lookup walks two b-trees; ``integer`` makes the key the rowid
    itself. Searches look entries up by id once per matching row: this halves that cost.
    """

    def db_type(self, connection: BaseDatabaseWrapper) -> str | None:
        if connection.vendor == "sqlite":
            return "integer"
        return super().db_type(connection)


class RepositoryEntry(models.Model):
    """A repository as the search sees it.

    Owners are kept as ids (account, forge), not as organisations: the hierarchy is
    read when searching, so moving an account or a sub-organisation needs no reindex.
    """

    repository = RowIdOneToOneField(
        Repository,
        primary_key=True,
        db_column="id",
        on_delete=models.CASCADE,
        related_name="search_entry",
    )
    forge_id = models.BigIntegerField()
    account_id = models.BigIntegerField(null=True)
    language = models.CharField(max_length=100, blank=True)
    license = models.CharField(max_length=200, blank=True)
    free_license = models.BooleanField(default=False)
    is_fork = models.BooleanField(null=True)
    is_archived = models.BooleanField(default=False)
    is_template = models.BooleanField(default=False)
    gone = models.BooleanField(default=False)
    # None while nobody has read the repository's root files (the stored analysis's
    # files when there is one, else the root files a harvest listed).
    has_publiccode = models.BooleanField(null=True)
    has_contributing = models.BooleanField(null=True)
    # From the stored analysis (``communs.analysis.models.RepositoryAnalysis``): whether
    # its publiccode.yml is valid, and the code.gouv.fr score; None before any analysis.
    publiccode_valid = models.BooleanField(null=True)
    codegouv_score = models.IntegerField(null=True)
    # The yes/no properties above as bits (see FLAG_BITS), so that facet counts group
    # by one indexed column rather than compute each property on every row.
    flags = models.PositiveSmallIntegerField(default=0)
    stars = models.PositiveIntegerField(default=0)
    forks = models.PositiveIntegerField(default=0)
    pushed_at = models.DateTimeField(null=True)
    created_at = models.DateTimeField(null=True)
    # The name in lower case, for the name sort.
    name_key = models.CharField(max_length=255)

    class Meta:
        db_table = "search_repository"
        verbose_name = _("repository search entry")
        verbose_name_plural = _("repository search entries")
        # Sort indexes on (pushed_at, id) and (created_at, id) are made by the migration:
        # they need NULLS LAST on PostgreSQL, which SQLite's index syntax lacks.
        indexes = [
            models.Index(fields=["-stars", "-repository"], name="search_repo_stars"),
            models.Index(fields=["-forks", "-repository"], name="search_repo_forks"),
            models.Index(fields=["name_key", "repository"], name="search_repo_name"),
            models.Index(fields=["-codegouv_score", "-repository"], name="search_repo_score"),
            # Counts without words read one of these per GROUP BY, in order, without
            # sorting: each holds every column a filter reads, so it answers alone.
            models.Index(fields=[*_VALUES, "account_id", *_FLAGS], name="search_repo_values"),
            models.Index(
                fields=[*_OWNERS, "language", "license", *_FLAGS], name="search_repo_owners"
            ),
            models.Index(fields=[*_FLAGS, *_VALUES, "account_id"], name="search_repo_flags"),
        ]

    def __str__(self) -> str:
        return f"search entry of repository {self.pk}"


# SQLite: the low bits of a repository's FTS5 rowid hold its facet code, the high bits
# its id (``rowid = id << FACET_CODE_BITS | code``), so that counts grouped by facet
# values read the words' index alone (see communs.search.backends.SQLiteBackend).
FACET_CODE_BITS = 24
FACET_CODE_MASK = (1 << FACET_CODE_BITS) - 1


# What a facet code names, in this order: its columns, and the key of read_facet_codes.
CODED_VALUES = ("language", "license", "forge_id", "flags", "gone")


def read_facet_codes(cursor: CursorWrapper) -> dict[tuple, int]:
    """Every facet code by what it names (``CODED_VALUES``; a few thousand)."""
    cursor.execute(f"SELECT id, {', '.join(CODED_VALUES)} FROM search_facet_code")  # noqa: S608
    return {(*values[:-1], bool(values[-1])): int(pk) for pk, *values in cursor.fetchall()}


class FacetCode(models.Model):
    """One combination of the values a words search counts and hides by, as a number.

    The word index counts its matches per code on both backends (``wordindex``); on
    SQLite each repository's words also carry the code of its entry's combination in
    their FTS5 rowid, so the statements count "how many matches per language, licence
    and forge" over the matching rowids, without reading one entry per match. A code,
    once given, keeps its meaning for good: codes are added,
    never changed or removed (one unused is harmless), so no reader can misread one.
    """

    language = models.CharField(max_length=100, blank=True)
    license = models.CharField(max_length=200, blank=True)
    forge_id = models.BigIntegerField()
    # RepositoryEntry.flags and .gone, as the entry holds them.
    flags = models.PositiveSmallIntegerField()
    gone = models.BooleanField()

    class Meta:
        db_table = "search_facet_code"
        verbose_name = _("facet code")
        verbose_name_plural = _("facet codes")
        constraints = [
            models.UniqueConstraint(fields=list(CODED_VALUES), name="search_facet_code_unique")
        ]

    def __str__(self) -> str:
        return f"facet code {self.pk}"


class OrganisationEntry(models.Model):
    """An organisation as the search sees it: only its words, kept beside it."""

    organisation = RowIdOneToOneField(
        Organisation,
        primary_key=True,
        db_column="id",
        on_delete=models.CASCADE,
        related_name="search_entry",
    )

    class Meta:
        db_table = "search_organisation"
        verbose_name = _("organisation search entry")
        verbose_name_plural = _("organisation search entries")

    def __str__(self) -> str:
        return f"search entry of organisation {self.pk}"


class WordSegment(models.Model):
    """A snapshot of every repository's words as posting lists (``communs.search.postings``):
    what a words search reads on both backends when it can (see ``wordindex``).

    The other fields are arrays over the documents' ordinals, as each entry was when the
    segment was built: its id (int64, ascending), facet code (uint32, ``FacetCode``),
    owner (int64: the account's id, or ``-1 - forge id`` for a repository without an
    account), last push (int64 seconds since 1970, the smallest int64 when unknown) and
    code.gouv.fr score (int32, the smallest int32 when unknown). Only the newest ready
    segment is read; the one before it is kept until the next is built, for searches
    that began on it.
    """

    created_at = models.DateTimeField(auto_now_add=True)
    documents = models.PositiveIntegerField(default=0)
    average_length = models.FloatField(default=0.0)
    ids = models.BinaryField(default=b"")
    codes = models.BinaryField(default=b"")
    owners = models.BinaryField(default=b"")
    pushed = models.BinaryField(default=b"")
    scores = models.BinaryField(default=b"")
    ready = models.BooleanField(default=False)

    class Meta:
        db_table = "search_word_segment"
        verbose_name = _("word index segment")
        verbose_name_plural = _("word index segments")

    def __str__(self) -> str:
        return f"word index segment {self.pk}"


class SegmentWord(models.Model):
    """One word's posting list in a segment: the ordinals of the documents holding it
    (uint32, ascending) and the word's impact in each (float32)."""

    # Deleted with its segment in one statement (``wordindex``), never through the ORM,
    # which would read every word first.
    segment = models.ForeignKey(
        WordSegment, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False
    )
    # Compared byte by byte ("C" collation on PostgreSQL, set by the migration), so a
    # prefix's words are one range of the unique index.
    word = models.TextField()
    documents = models.PositiveIntegerField()
    ordinals = models.BinaryField()
    impacts = models.BinaryField()

    class Meta:
        db_table = "search_segment_word"
        verbose_name = _("word index posting list")
        verbose_name_plural = _("word index posting lists")
        constraints = [
            models.UniqueConstraint(fields=["segment", "word"], name="search_segment_word_unique")
        ]

    def __str__(self) -> str:
        return f"{self.word} in segment {self.segment_id}"


class StaleDocument(models.Model):
    """A repository indexed since the segment was built: searches read it from here
    rather than from the segment (its words, its code), until the next segment holds it.

    ``marked`` changes with every write, so a segment build forgets only the versions
    it read. ``words``: `` word:frequency `` pairs (``postings.stale_words``).
    """

    id = models.BigIntegerField(primary_key=True)
    marked = models.BigIntegerField()
    deleted = models.BooleanField(default=False)
    code = models.BigIntegerField(default=0)
    # As in WordSegment's arrays: the owner, the last push (seconds), the score.
    owner = models.BigIntegerField(default=0)
    pushed = models.BigIntegerField(null=True)
    score = models.IntegerField(null=True)
    length = models.FloatField(default=0.0)
    words = models.TextField(default="")

    class Meta:
        db_table = "search_stale_document"
        verbose_name = _("document changed since the word index")
        verbose_name_plural = _("documents changed since the word index")

    def __str__(self) -> str:
        return f"stale document {self.pk}"
