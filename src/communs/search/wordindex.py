"""The word index: posting-list segments that words searches read, on both backends.

FTS5 and PostgreSQL's ``tsvector`` find a word's documents quickly, but a search also
needs every match's facet values (for the counts) and its relevance score (for the
best page), and both engines compute those one match at a time: at a million
repositories a broad word (113,895 matches) cost 250 to 1,200 ms. A segment holds
each word's documents as a posting list in the database (``SegmentWord``: ordinals and
impacts, as numpy arrays, see ``postings``) and each document's facet code, owner,
last push and score (``WordSegment``): a search reads one row per word and does the
rest in C; a search without words reads the arrays alone (:func:`find_all`).

Freshness: whoever indexes a repository (``indexing.index_repositories``) also writes
it to ``StaleDocument``, in the same transaction: its words and code as they are now,
or that it is gone. A search masks those documents in the segment and matches them
from there instead, so it sees every committed change at once. A new segment is built
(:func:`build_segment`) after a harvest once :data:`REBUILD_AT` documents changed, or
when the segment is older than a day (``refresh_segment``, also on a schedule), by
``communs search reindex`` and by ``communs search segment``; with more than
:data:`MAX_STALE` changes pending, searches read FTS5 or the tsvector as before until
it is rebuilt.

A build writes its header first (ids follow the order builds began), then reads the
changed documents' marks, then the documents: a document changed while the build runs
keeps its newer mark, so the build forgets only the versions it read. A search reads
the changed documents in one statement, then the segment: each document comes from
one or the other, whatever commits in between (docs/search.md).
"""

from __future__ import annotations

import logging
import math
import secrets
import time
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper
from django.utils import timezone

from communs.search import postings
from communs.search.documents import REPOSITORY, Document
from communs.search.models import (
    CODED_VALUES,
    FacetCode,
    SegmentWord,
    StaleDocument,
    WordSegment,
    read_facet_codes,
)
from communs.search.postings import PostingList

log = logging.getLogger(__name__)

# Searches read the segment while at most this many documents changed since it was built.
MAX_STALE = 2_000
# Postings a search reads at most (8 bytes each); past it, the statements answer (a
# prefix of one letter). A broad word at a million repositories holds about 250,000.
MAX_POSTINGS = 4_000_000
# Words a search reads at most (a list each).
MAX_WORDS = 5_000
# After a harvest, a new segment is built once this many documents changed...
REBUILD_AT = 250
# ... or once the segment is older than this and anything changed (word frequencies drift).
SEGMENT_MAX_AGE = timedelta(days=1)
# Documents read per query while building, and posting lists written per transaction.
BUILD_BATCH = 2_000
WRITE_BATCH = 5_000
# A segment left unfinished (its build died) is removed after this long.
ABANDONED_AFTER = timedelta(hours=6)

BOOSTS = tuple(field.boost for field in REPOSITORY.fields)

_SEGMENT = WordSegment._meta.db_table
_WORD = SegmentWord._meta.db_table
_STALE = StaleDocument._meta.db_table
_CODE = FacetCode._meta.db_table


# -- writing: what indexing calls ---------------------------------------------------------


# In the arrays: no push known, no score known.
NO_PUSH = np.iinfo(np.int64).min
NO_SCORE = np.iinfo(np.int32).min


def owner_key(account: int | None, forge: int) -> int:
    """A repository's owner as one number: its account, or its forge when it has none."""
    return int(account) if account is not None else -1 - int(forge)


def epoch(moment: datetime | None) -> int | None:
    """Whole seconds since 1970, rounded down (as the segment's build reads them)."""
    return None if moment is None else math.floor(moment.timestamp())


@dataclass(frozen=True)
class Values:
    """What a search reads of a changed document besides its words and code."""

    owner: int
    pushed: int | None  # seconds since 1970
    score: int | None


def mark_stale(
    cursor: CursorWrapper,
    documents: Sequence[Document],
    values: Sequence[Values],
    gone: Sequence[int],
) -> None:
    """Record these documents as they are now (``values`` in the same order), and
    ``gone`` ids as deleted, for searches to read until the next segment holds them
    (in the indexing transaction)."""
    marked = secrets.randbits(62)
    rows = []
    for document, value in zip(documents, values, strict=True):
        frequencies, length = postings.document_terms(document.texts, BOOSTS)
        words = postings.stale_words(frequencies)
        rows.append(
            (document.id, marked, False, document.code, value.owner, value.pushed, value.score)
            + (length, words)
        )
    rows += [(pk, marked, True, 0, 0, None, None, 0.0, "") for pk in gone]
    if not rows:
        return
    cursor.executemany(
        f"INSERT INTO {_STALE} (id, marked, deleted, code, owner, pushed, score, length, words) "  # noqa: S608
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (id) DO UPDATE SET "
        "marked = excluded.marked, deleted = excluded.deleted, code = excluded.code, "
        "owner = excluded.owner, pushed = excluded.pushed, score = excluded.score, "
        "length = excluded.length, words = excluded.words",
        rows,
    )


# -- building -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Built:
    segment: int
    documents: int
    words: int
    seconds: float


def _code_missing_combinations(cursor: CursorWrapper) -> None:
    """Entries indexed before codes were kept on this backend get theirs."""
    columns = ", ".join(CODED_VALUES)
    cursor.execute(
        f"INSERT INTO {_CODE} ({columns}) SELECT DISTINCT {columns} "  # noqa: S608
        "FROM search_repository WHERE TRUE ON CONFLICT DO NOTHING"
    )


def _entries(
    cursor: CursorWrapper, after: int, codes: dict[tuple, int]
) -> list[tuple[int, int, int, int, int]]:
    """The next entries after id ``after``: ``(id, code, owner, pushed, score)``.

    Read along the primary key, their codes found here: joined in SQL, PostgreSQL
    hashed the whole entry table for each batch (2.3 s a batch at a million)."""
    if connection.vendor == "postgresql":
        seconds = "CAST(FLOOR(EXTRACT(EPOCH FROM s.pushed_at)) AS BIGINT)"
    else:
        seconds = "CAST(strftime('%%s', s.pushed_at) AS INTEGER)"
    cursor.execute(
        f"SELECT s.id, {', '.join(f's.{c}' for c in CODED_VALUES)}, s.account_id, {seconds}, "  # noqa: S608
        "s.codegouv_score FROM search_repository AS s WHERE s.id > %s ORDER BY s.id LIMIT %s",
        [after, BUILD_BATCH],
    )
    rows = cursor.fetchall()
    found = []
    for pk, language, license, forge, flags, gone, account, pushed, score in rows:
        combination = (language, license, forge, flags, bool(gone))
        if combination not in codes:
            # Given (and committed with its entry) since the build began.
            codes.update(read_facet_codes(cursor))
        found.append(
            (
                int(pk),
                codes[combination],
                owner_key(account, forge),
                NO_PUSH if pushed is None else int(pushed),
                NO_SCORE if score is None else int(score),
            )
        )
    return found


def build_segment() -> Built:
    """Build a segment of every indexed repository and make it the one searches read."""
    # Imported here: indexing writes stale documents through this module.
    from communs.repositories.models import Repository
    from communs.search.indexing import DOCUMENT_VALUES, repository_document

    started = time.perf_counter()
    _forget_abandoned()
    with transaction.atomic(), connection.cursor() as cursor:
        _code_missing_combinations(cursor)
    # Its header first: segment ids follow the order builds began, so of two builds
    # at once the one that read the marks last is the one searches read, whichever
    # ends last (the other read nothing it lacks).
    segment = WordSegment.objects.create()
    with connection.cursor() as cursor:
        # The marks first: a document changed from now on keeps its newer mark.
        cursor.execute(f"SELECT id, marked FROM {_STALE}")  # noqa: S608
        seen = [(int(pk), int(marked)) for pk, marked in cursor.fetchall()]
        builder = postings.SegmentBuilder(BOOSTS)
        owners, pushed, scores = array("q"), array("q"), array("i")
        codes = read_facet_codes(cursor)
        last = 0
        while batch := _entries(cursor, last, codes):
            last = batch[-1][0]
            entry_of = {entry[0]: entry for entry in batch}
            rows = Repository.objects.filter(pk__in=list(entry_of)).values(*DOCUMENT_VALUES)
            for row in sorted(rows, key=lambda row: row["pk"]):
                pk, code, owner, push, score = entry_of[row["pk"]]
                document = repository_document(row, code)
                builder.add(pk, code, document.texts)
                owners.append(owner)
                pushed.append(push)
                scores.append(score)
    documents = len(builder)
    kept = WordSegment.objects.filter(pk=segment.pk).update(
        documents=documents,
        average_length=builder.average_length,
        ids=builder.ids.tobytes(),
        codes=builder.codes.tobytes(),
        owners=np.frombuffer(owners, np.int64).tobytes(),
        pushed=np.frombuffer(pushed, np.int64).tobytes(),
        scores=np.frombuffer(scores, np.int32).tobytes(),
    )
    if not kept:  # a full rebuild dropped it meanwhile, and builds its own
        return Built(segment.pk, 0, 0, time.perf_counter() - started)
    words = 0
    pending: list[tuple] = []

    def flush() -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {_WORD} (segment_id, word, documents, ordinals, impacts) "  # noqa: S608
                "VALUES (%s, %s, %s, %s, %s)",
                pending,
            )
        pending.clear()

    for word, documents, ordinals, impacts in builder.words():
        pending.append((segment.pk, word, documents, ordinals, impacts))
        words += 1
        if len(pending) == WRITE_BATCH:
            flush()
    if pending:
        flush()
    del builder
    with transaction.atomic(), connection.cursor() as cursor:
        if not WordSegment.objects.filter(pk=segment.pk).update(ready=True):
            # Dropped by a full rebuild while its words were written: they go too.
            _delete_segments(cursor, [segment.pk])
            return Built(segment.pk, 0, words, time.perf_counter() - started)
        _forget_seen(cursor, seen)
        # The previous segment stays for searches that began on it; older ones go.
        older = list(
            WordSegment.objects.filter(ready=True, pk__lt=segment.pk)
            .order_by("-pk")
            .values_list("pk", flat=True)[1:]
        )
        _delete_segments(cursor, older)
    return Built(segment.pk, documents, words, time.perf_counter() - started)


def _forget_seen(cursor: CursorWrapper, seen: list[tuple[int, int]]) -> None:
    """Forget the stale versions a build read (a newer mark stays)."""
    for start in range(0, len(seen), 10_000):
        chunk = seen[start : start + 10_000]
        if connection.vendor == "postgresql":
            cursor.execute(
                f"DELETE FROM {_STALE} AS d USING unnest(%s::bigint[], %s::bigint[]) "  # noqa: S608
                "AS t(id, marked) WHERE d.id = t.id AND d.marked = t.marked",
                [[pk for pk, _ in chunk], [marked for _, marked in chunk]],
            )
        else:
            cursor.executemany(
                f"DELETE FROM {_STALE} WHERE id = %s AND marked = %s",  # noqa: S608
                chunk,
            )


def _delete_segments(cursor: CursorWrapper, ids: list[int]) -> None:
    for pk in ids:
        cursor.execute(f"DELETE FROM {_WORD} WHERE segment_id = %s", [pk])  # noqa: S608
        cursor.execute(f"DELETE FROM {_SEGMENT} WHERE id = %s", [pk])  # noqa: S608


def forget_word_index(cursor: CursorWrapper) -> None:
    """Drop every segment and changed document (a full rebuild of the index follows)."""
    cursor.execute(f"SELECT id FROM {_SEGMENT}")  # noqa: S608
    _delete_segments(cursor, [int(row[0]) for row in cursor.fetchall()])
    cursor.execute(f"DELETE FROM {_STALE}")  # noqa: S608


def _forget_abandoned() -> None:
    """Segments whose build died, and words whose segment is gone (a full rebuild
    dropped it while its build wrote them)."""
    cutoff = timezone.now() - ABANDONED_AFTER
    abandoned = list(
        WordSegment.objects.filter(ready=False, created_at__lt=cutoff).values_list("pk", flat=True)
    )
    with transaction.atomic(), connection.cursor() as cursor:
        _delete_segments(cursor, abandoned)
        cursor.execute(
            f"DELETE FROM {_WORD} WHERE segment_id NOT IN (SELECT id FROM {_SEGMENT})"  # noqa: S608
        )


def building() -> bool:
    """Whether a build is under way (begun, not finished, not abandoned)."""
    cutoff = timezone.now() - ABANDONED_AFTER
    return WordSegment.objects.filter(ready=False, created_at__gte=cutoff).exists()


def stale_count() -> int:
    return StaleDocument.objects.count()


def refresh_segment(force: bool = False) -> Built | None:
    """Build a new segment when it pays (see the module's docstring); None otherwise."""
    newest = WordSegment.objects.filter(ready=True).order_by("-pk").first()
    changed = StaleDocument.objects.exists()
    if not force and building():
        return None  # another process builds one now
    if not force and newest is not None:
        if not changed:
            return None
        old = newest.created_at < timezone.now() - SEGMENT_MAX_AGE
        if not old and stale_count() < REBUILD_AT:
            return None
    built = build_segment()
    log.info(
        "word index: segment %s built, %s documents, %s words, %.1f s",
        built.segment,
        built.documents,
        built.words,
        built.seconds,
    )
    return built


# -- reading ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Arrays:
    """Per document (by ordinal, or one per match): see ``WordSegment``."""

    ids: np.ndarray  # int64
    codes: np.ndarray  # int64
    owners: np.ndarray  # int64
    pushed: np.ndarray  # int64
    scores: np.ndarray  # int32 (code.gouv.fr scores, not relevance)
    # The distinct owners (sorted), and each document's place among them: owners are
    # counted and filtered through these (``bincount``), not sorted per search.
    owner_keys: np.ndarray | None = None
    owner_index: np.ndarray | None = None


_ARRAY_NAMES = ("ids", "codes", "owners", "pushed", "scores")
_TYPES = (np.int64, np.uint32, np.int64, np.int64, np.int32)


@dataclass(frozen=True)
class Segment:
    id: int
    documents: int
    average_length: float
    arrays: Arrays


# A segment never changes once ready: its arrays are read once per process (44 bytes a
# document), the two newest kept.
_ARRAYS: dict[tuple[int, str], Arrays] = {}


def current_segment(cursor: CursorWrapper) -> Segment | None:
    cursor.execute(
        f"SELECT id, documents, average_length, created_at FROM {_SEGMENT} "  # noqa: S608
        "WHERE ready ORDER BY id DESC LIMIT 1"
    )
    row = cursor.fetchone()
    if row is None:
        return None
    pk, documents, average = int(row[0]), int(row[1]), float(row[2])
    # With its creation time: an id a rolled-back build had used may come again.
    known = (pk, str(row[3]))
    arrays = _ARRAYS.get(known)
    if arrays is None:
        cursor.execute(
            f"SELECT {', '.join(_ARRAY_NAMES)} FROM {_SEGMENT} WHERE id = %s",  # noqa: S608
            [pk],
        )
        blobs = cursor.fetchone()
        columns = [
            np.frombuffer(bytes(blob), kind).astype(np.int64 if kind == np.uint32 else kind)
            for blob, kind in zip(blobs, _TYPES, strict=True)
        ]
        keys, index = np.unique(columns[2], return_inverse=True)
        arrays = Arrays(*columns, owner_keys=keys, owner_index=index.astype(np.int64))
        for old in sorted(_ARRAYS)[:-1]:
            _ARRAYS.pop(old, None)
        _ARRAYS[known] = arrays
    return Segment(pk, documents, average, arrays)


@dataclass(frozen=True)
class Term:
    """One word of a query as the word index matches it: any of ``exact`` whole, or any
    word starting with ``prefix``."""

    exact: tuple[str, ...]
    prefix: str = ""


class Matches:
    """Every document matching a query, in no order: its relevance, and its values
    (``ids``, ``codes``, ``owners``, ``pushed``, ``scores``, as in :class:`Arrays`),
    each read from the segment's arrays when first asked for (a search counting only
    coded facets never reads the owners)."""

    def __init__(
        self, segment: Arrays, ordinals: np.ndarray, changed: Arrays | None, relevance: np.ndarray
    ) -> None:
        self._segment = segment
        self._ordinals = ordinals
        self._changed = changed
        self.relevance = relevance
        self._columns: dict[str, np.ndarray] = {}

    def __len__(self) -> int:
        return len(self.relevance)

    def _column(self, name: str) -> np.ndarray:
        found = self._columns.get(name)
        if found is None:
            found = getattr(self._segment, name)[self._ordinals]
            if self._changed is not None:
                found = np.concatenate([found, getattr(self._changed, name)])
            self._columns[name] = found
        return found

    ids = property(lambda self: self._column("ids"))
    codes = property(lambda self: self._column("codes"))
    owners = property(lambda self: self._column("owners"))
    pushed = property(lambda self: self._column("pushed"))
    scores = property(lambda self: self._column("scores"))

    @property
    def owner_keys(self) -> np.ndarray:
        """The distinct owners, those of the changed documents the segment lacks last."""
        self._owner_groups()
        return self._columns["owner_keys"]

    @property
    def owner_index(self) -> np.ndarray:
        """Each match's place in :attr:`owner_keys`."""
        self._owner_groups()
        return self._columns["owner_index"]

    def _owner_groups(self) -> None:
        if "owner_index" in self._columns:
            return
        keys, index = self._segment.owner_keys, self._segment.owner_index
        assert keys is not None and index is not None
        found = index[self._ordinals]
        if self._changed is not None and len(self._changed.owners):
            where = {int(key): i for i, key in enumerate(keys)}
            owners = [int(o) for o in self._changed.owners]
            for owner in owners:
                where.setdefault(owner, len(where))  # an owner the segment lacks: last
            keys = np.array(list(where), np.int64)
            found = np.concatenate([found, np.array([where[o] for o in owners], np.int64)])
        self._columns["owner_keys"], self._columns["owner_index"] = keys, found


def _like(term: Term) -> list[str]:
    return [f"% {word}:%" for word in term.exact] + ([f"% {term.prefix}%"] if term.prefix else [])


def find(terms: Sequence[Term]) -> Matches | None:
    """The documents matching every term, from the segment and the documents changed
    since; None when there is no segment or too many changes pending (the caller then
    asks FTS5 or the tsvector)."""
    if not terms or not settings.SEARCH_WORD_INDEX:
        return None
    with connection.cursor() as cursor:
        changed = _changed(cursor, terms)
        if changed is None:
            return None
        segment = current_segment(cursor)
        if segment is None:
            return None
        found = _posting_lists(cursor, segment, terms)
        if found is None:
            return None
        lists, frequency = found
    ordinals, relevance = postings.intersect(lists)
    ordinals, relevance = _unchanged(segment, ordinals, changed, relevance)
    candidates = [row for row in changed if row[6] is not None]
    matched, scores = _score_changed(candidates, terms, segment, frequency)
    relevance = np.concatenate([relevance, np.array(scores, dtype=np.float64)])
    return Matches(segment.arrays, ordinals, _changed_arrays(matched), relevance)


def find_all() -> Matches | None:
    """Every document (a search without words: its counts), from the segment and the
    changed documents; None as for :func:`find`."""
    if not settings.SEARCH_WORD_INDEX:
        return None
    with connection.cursor() as cursor:
        changed = _changed(cursor, ())
        if changed is None:
            return None
        segment = current_segment(cursor)
        if segment is None:
            return None
    ordinals = np.arange(segment.documents, dtype=np.int64)
    ordinals, relevance = _unchanged(segment, ordinals, changed, np.zeros(len(ordinals)))
    kept = [row for row in changed if row[6] is not None]
    relevance = np.concatenate([relevance, np.zeros(len(kept))])
    return Matches(segment.arrays, ordinals, _changed_arrays(kept), relevance)


def _changed(cursor: CursorWrapper, terms: Sequence[Term]) -> list[tuple] | None:
    """Every changed document in one statement: ``(id, code, owner, pushed, score,
    length, words)``, the words only of those not deleted whose text holds every term
    (None for the others); None past :data:`MAX_STALE`.

    Read before the segment, in one statement: whatever indexing or a build commits in
    between, each document is masked and read from these rows, or found in the
    segment, never both or neither."""
    conditions, params = ["NOT deleted"], []
    for term in terms:
        likes = _like(term)
        conditions.append("(" + " OR ".join(["words LIKE %s"] * len(likes)) + ")")
        params += likes
    cursor.execute(
        f"SELECT id, code, owner, pushed, score, length, "  # noqa: S608
        f"CASE WHEN {' AND '.join(conditions)} THEN words END FROM {_STALE} LIMIT %s",
        [*params, MAX_STALE + 1],
    )
    rows = cursor.fetchall()
    return None if len(rows) > MAX_STALE else rows


def _unchanged(
    segment: Segment, ordinals: np.ndarray, changed: list[tuple], relevance: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The segment's ``ordinals`` (and their relevance) less the changed documents."""
    if not changed:
        return ordinals, relevance
    stale = np.array([row[0] for row in changed], dtype=np.int64)
    kept = ~np.isin(segment.arrays.ids[ordinals], stale)
    return ordinals[kept], relevance[kept]


def _changed_arrays(rows: list[tuple]) -> Arrays | None:
    """The values of these changed documents (rows as :func:`_changed` gives them)."""
    if not rows:
        return None
    return Arrays(
        np.array([row[0] for row in rows], np.int64),
        np.array([row[1] for row in rows], np.int64),
        np.array([row[2] for row in rows], np.int64),
        np.array([NO_PUSH if row[3] is None else row[3] for row in rows], np.int64),
        np.array([NO_SCORE if row[4] is None else row[4] for row in rows], np.int32),
    )


def _posting_lists(
    cursor: CursorWrapper, segment: Segment, terms: Sequence[Term]
) -> tuple[list[PostingList], dict[str, int]] | None:
    """Each term's posting list (its words' lists merged), and how many documents of
    the segment hold each word read; None past :data:`MAX_POSTINGS` (a prefix of one
    letter can name thousands of words)."""
    exact = sorted({word for term in terms for word in term.exact})
    conditions, params = [], [segment.id]
    if exact:
        conditions.append(f"word IN ({', '.join(['%s'] * len(exact))})")
        params += exact
    for prefix in sorted({term.prefix for term in terms if term.prefix}):
        # Byte order (the column's collation): every word starting with the prefix.
        conditions.append("(word >= %s AND word < %s)")
        params += [prefix, prefix + "\U0010ffff"]
    where = f"WHERE segment_id = %s AND ({' OR '.join(conditions)})"
    # Their sizes first (the lists themselves are not read for this): the work is bounded.
    cursor.execute(f"SELECT COUNT(*), SUM(documents) FROM {_WORD} {where}", params)  # noqa: S608
    words, total = cursor.fetchone()
    if int(words or 0) > MAX_WORDS or int(total or 0) > MAX_POSTINGS:
        return None
    sql = f"SELECT word, documents, ordinals, impacts FROM {_WORD} {where}"  # noqa: S608
    if connection.vendor == "postgresql":
        # Binary results: the lists come as their bytes, not as hex text twice their
        # size to decode ("reproducible code paper": 2.7 MB of lists, 17 ms as text).
        # (A plain psycopg cursor: Django's binds on the client, which cannot.)
        import psycopg

        with psycopg.Cursor(connection.connection) as raw:
            raw.execute(sql, params, binary=True)
            rows = raw.fetchall()
    else:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    found: dict[str, PostingList] = {}
    frequency: dict[str, int] = {}
    for word, documents, ordinals, impacts in rows:
        found[word] = PostingList.from_bytes(ordinals, impacts)
        frequency[word] = int(documents)
    lists = []
    for term in terms:
        words = [found[word] for word in term.exact if word in found]
        if term.prefix:
            words += [one for word, one in found.items() if word.startswith(term.prefix)]
        lists.append(postings.union(words, segment.documents))
    return lists, frequency


def _score_changed(
    rows: list[tuple], terms: Sequence[Term], segment: Segment, frequency: dict[str, int]
) -> tuple[list[tuple], list[float]]:
    """The changed documents (rows as :func:`_changed` gives them) that match every
    term, and their relevance as the segment would score them."""
    matched, scores = [], []
    for row in rows:
        words, length = postings.read_stale_words(row[6]), float(row[5])
        score = 0.0
        for term in terms:
            options = [word for word in term.exact if word in words]
            if term.prefix:
                options += [word for word in words if word.startswith(term.prefix)]
            if not options:
                break
            weights = postings.idf(segment.documents, [frequency.get(w, 0) for w in options])
            each = postings.impacts(
                np.array([words[w] for w in options]),
                np.full(len(options), length),
                segment.average_length,
                weights,
            )
            score += float(each.max())
        else:
            matched.append(row)
            scores.append(score)
    return matched, scores


@dataclass(frozen=True)
class CodeTable:
    """What every facet code names, as arrays indexed by code (``FacetCode``)."""

    size: int
    language: np.ndarray  # index into ``languages``
    languages: list[str]
    license: np.ndarray  # index into ``licenses``
    licenses: list[str]
    forge: np.ndarray  # forge id
    flags: np.ndarray  # RepositoryEntry.flags
    gone: np.ndarray  # bool
    known: np.ndarray  # bool: whether the code was read


# Codes never change meaning once given (models.FacetCode): read again only when a
# search meets a code this process has not read (codes are not committed in id order).
_CODES: list[CodeTable] = []


def code_table(codes: np.ndarray) -> CodeTable:
    """Every code, read again when one of ``codes`` is not known here."""
    at_least = int(codes.max()) + 1 if len(codes) else 0
    if _CODES and _CODES[0].size >= at_least and _CODES[0].known[codes].all():
        return _CODES[0]
    with connection.cursor() as cursor:
        rows = [(pk, *values) for values, pk in read_facet_codes(cursor).items()]
    size = max([int(row[0]) for row in rows] + [at_least - 1, 0]) + 1
    languages = sorted({row[1] or "" for row in rows} | {""})
    licenses = sorted({row[2] or "" for row in rows} | {""})
    where_language = {value: index for index, value in enumerate(languages)}
    where_license = {value: index for index, value in enumerate(licenses)}
    table = CodeTable(
        size=size,
        language=np.zeros(size, np.int64),
        languages=languages,
        license=np.zeros(size, np.int64),
        licenses=licenses,
        forge=np.zeros(size, np.int64),
        flags=np.zeros(size, np.int64),
        # A code not (yet) read is never counted.
        gone=np.ones(size, bool),
        known=np.zeros(size, bool),
    )
    for pk, language, license, forge, flags, gone in rows:
        table.language[pk] = where_language[language or ""]
        table.license[pk] = where_license[license or ""]
        table.forge[pk] = forge
        table.flags[pk] = flags
        table.gone[pk] = bool(gone)
        table.known[pk] = True
    _CODES[:] = [table]
    return table
