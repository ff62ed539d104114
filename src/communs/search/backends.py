"""Where the words live and how they are matched: SQLite FTS5, or PostgreSQL tsvector.

Both backends answer the same three questions for any :class:`DocumentKind`:

- store these documents' words (:meth:`Backend.write`), forget some or all of them;
- a :class:`TextMatch` for some terms: the SQL joined to the entry table (alias ``s``)
  that keeps the matching rows, and a relevance score (higher is better);
- on PostgreSQL only, near words for terms that match nothing (typos), through
  trigram similarity over the vocabulary in ``search_word``;
- on SQLite only, the matches counted per facet code (:meth:`Backend.coded_counts`):
  a repository's FTS5 rowid is ``id << FACET_CODE_BITS | code``, the code naming its
  language, licence, forge, flags and whether it is gone (``models.FacetCode``), so
  those counts read the words' index alone, never an entry per match.

Match strings are built from :class:`~communs.search.text.Terms`, never from user text.
SQL identifiers here come from the kinds, never from input.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import connection
from django.db.backends.utils import CursorWrapper

from communs.search.documents import Document, DocumentKind
from communs.search.models import FACET_CODE_BITS, FACET_CODE_MASK, FacetCode
from communs.search.text import Terms, fts5_match, tsquery

# Near words offered per misspelt term, and how similar they must be (0 to 1).
NEAR_WORDS = 3
NEAR_SIMILARITY = 0.35
# PostgreSQL: the longest a search's statement may run, in milliseconds.
STATEMENT_TIMEOUT_MS = 10_000


@dataclass(frozen=True, slots=True)
class TextMatch:
    """SQL to add to a query over ``<entry table> AS s`` to keep matching rows.

    ``leading`` goes before ``<entry table> AS s`` in ``FROM`` (a table to read first);
    ``where`` is a condition; ``score`` an expression, higher for better matches. Each
    has its own params, to be placed where its SQL text appears.
    """

    leading: str
    where: str
    where_params: list[object]
    score: str
    score_params: list[object] = field(default_factory=list)


class Backend:
    vendor = ""
    # Whether facet counts gather the matching rows once (see engine._facet_statement).
    materialise = False
    # How ORDER BY puts unknown values last in a descending sort.
    desc_nulls_last = "DESC"

    # Whether a search's statements run in a transaction of their own, so that
    # ``settings`` hold for them alone (SQLite would take its write lock for it).
    transactional = False

    def settings(self) -> list[str]:
        """Statements run first in a search's transaction (see ``transactional``)."""
        return []

    def write(self, cursor: CursorWrapper, kind: DocumentKind, documents: list[Document]) -> None:
        raise NotImplementedError

    def delete(self, cursor: CursorWrapper, kind: DocumentKind, ids: Sequence[int]) -> None:
        raise NotImplementedError

    def clear(self, cursor: CursorWrapper, kind: DocumentKind) -> None:
        raise NotImplementedError

    def optimise(self, cursor: CursorWrapper, kind: DocumentKind) -> None:
        """Compact the index after a full rebuild (optional)."""

    def match(
        self, kind: DocumentKind, terms: Terms, near: dict[str, list[str]] | None = None
    ) -> TextMatch:
        """The SQL keeping rows that match ``terms`` (or, per term, one of its ``near``
        words)."""
        raise NotImplementedError

    def near_terms(self, cursor: CursorWrapper, terms: Terms) -> dict[str, list[str]]:
        """Near words for the terms that match no word at all; none on this backend."""
        return {}

    def best_ids(
        self, cursor: CursorWrapper, kind: DocumentKind, match: TextMatch, limit: int
    ) -> list[int] | None:
        """The ids of the ``limit`` best matches, best first (ties: the highest id
        first), read from the words alone; None when this backend does not do that."""
        return None

    def one_match(self, kind: DocumentKind, pk: int) -> tuple[str, list[object]]:
        """A condition keeping only document ``pk`` among the words' rows, for a query that
        reads one row of a match (a cursor's key); empty when the join does it already."""
        return "", []

    def coded_counts(
        self, cursor: CursorWrapper, kind: DocumentKind, match: TextMatch
    ) -> tuple[str, list[object]] | None:
        """A subquery giving ``(language, license, forge_id, flags, gone, n)``: how many
        documents of a coded kind match per facet code, with what each code names, read
        from the words alone; None when this backend keeps no codes."""
        return None


# SQLite rowids are signed 64-bit: what is left for ids once the code has its bits.
MAX_CODED_ID = (1 << (63 - FACET_CODE_BITS)) - 1


def _rowid(kind: DocumentKind, document: Document) -> int:
    if not kind.coded:
        return document.id
    if not 0 < document.code <= FACET_CODE_MASK or not 0 < document.id <= MAX_CODED_ID:
        raise ValueError(f"cannot code document {document.id} with code {document.code}")
    return document.id << FACET_CODE_BITS | document.code


def _rowid_range(pk: int) -> tuple[int, int]:
    """The first and last rowid document ``pk`` of a coded kind can have, whatever its code."""
    low = pk << FACET_CODE_BITS
    return low, low | FACET_CODE_MASK


class SQLiteBackend(Backend):
    vendor = "sqlite"

    def write(self, cursor: CursorWrapper, kind: DocumentKind, documents: list[Document]) -> None:
        if not documents:
            return
        self.delete(cursor, kind, [document.id for document in documents])
        columns = ", ".join(f.name for f in kind.fields)
        marks = ", ".join(["%s"] * (len(kind.fields) + 1))
        cursor.executemany(
            f"INSERT INTO {kind.fts_table} (rowid, {columns}) VALUES ({marks})",  # noqa: S608
            [(_rowid(kind, document), *document.texts) for document in documents],
        )

    def delete(self, cursor: CursorWrapper, kind: DocumentKind, ids: Sequence[int]) -> None:
        if kind.coded:
            # Whatever its code, a document's rowid lies in its id's range: no need to
            # know which code it was written with (its entry may be gone already).
            cursor.executemany(
                f"DELETE FROM {kind.fts_table} WHERE rowid >= %s AND rowid <= %s",  # noqa: S608
                [_rowid_range(pk) for pk in ids],
            )
            return
        for start in range(0, len(ids), 500):
            chunk = list(ids[start : start + 500])
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(f"DELETE FROM {kind.fts_table} WHERE rowid IN ({marks})", chunk)  # noqa: S608

    def clear(self, cursor: CursorWrapper, kind: DocumentKind) -> None:
        cursor.execute(f"DELETE FROM {kind.fts_table}")  # noqa: S608

    def optimise(self, cursor: CursorWrapper, kind: DocumentKind) -> None:
        # Merges the index's segments into one: fewer b-trees to read on every query.
        cursor.execute(f"INSERT INTO {kind.fts_table} ({kind.fts_table}) VALUES ('optimize')")  # noqa: S608

    def match(
        self, kind: DocumentKind, terms: Terms, near: dict[str, list[str]] | None = None
    ) -> TextMatch:
        fts = kind.fts_table
        rowid = f"({fts}.rowid >> {FACET_CODE_BITS})" if kind.coded else f"{fts}.rowid"
        return TextMatch(
            # CROSS JOIN makes SQLite read the words first, whatever other filters
            # offer an index: matching the words row by row would cost far more.
            leading=f"{fts} CROSS JOIN",
            where=f"s.id = {rowid} AND {fts} MATCH %s",
            where_params=[fts5_match(terms)],
            # bm25 is lower for better matches (weights set by the migration).
            score=f"(-{fts}.rank)",
        )

    def best_ids(
        self, cursor: CursorWrapper, kind: DocumentKind, match: TextMatch, limit: int
    ) -> list[int] | None:
        # The same order as the score's (bm25 is lower for better matches), without
        # reading any entry: most of the cost of a relevance page over a broad match.
        # A coded rowid sorts as its id does (the id is in its high bits).
        fts = kind.fts_table
        shift = FACET_CODE_BITS if kind.coded else 0
        cursor.execute(
            f"SELECT rowid >> {shift} FROM {fts} WHERE {fts} MATCH %s "  # noqa: S608
            "ORDER BY rank ASC, rowid DESC LIMIT %s",
            [*match.where_params, limit],
        )
        return [int(row[0]) for row in cursor.fetchall()]

    def one_match(self, kind: DocumentKind, pk: int) -> tuple[str, list[object]]:
        if not kind.coded:
            return "", []  # ``rowid = s.id``: SQLite gives FTS5 the rowid itself
        # The join reads ``rowid >> bits``, which FTS5 cannot look up: its range it can.
        return f"{kind.fts_table}.rowid BETWEEN %s AND %s", list(_rowid_range(pk))

    def coded_counts(
        self, cursor: CursorWrapper, kind: DocumentKind, match: TextMatch
    ) -> tuple[str, list[object]] | None:
        if not kind.coded:
            return None
        fts = kind.fts_table
        # The codes of the matches, read from FTS5's doclists alone (no entry, no
        # content, no bm25), as one string counted here: SQLite's GROUP BY would sort
        # every match first, which cost 94-122 ms for 113,895 matches against 28 ms for
        # the string and 20 ms to count it (measured at 1M, load average 5).
        cursor.execute(
            f"SELECT group_concat(rowid & {FACET_CODE_MASK}) FROM {fts} WHERE {fts} MATCH %s",  # noqa: S608
            list(match.where_params),
        )
        codes = cursor.fetchone()[0]
        counted = Counter(codes.split(",")) if codes else {}
        # Then one row of the (small) code table per code met.
        return (
            "SELECT c.language, c.license, c.forge_id, c.flags, c.gone, g.value AS n "  # noqa: S608
            f"FROM json_each(%s) AS g JOIN {FacetCode._meta.db_table} AS c "
            "ON c.id = CAST(g.key AS INTEGER)",
            [json.dumps(counted)],
        )


class PostgreSQLBackend(Backend):
    vendor = "postgresql"
    materialise = True
    desc_nulls_last = "DESC NULLS LAST"
    transactional = True

    def settings(self) -> list[str]:
        return [
            # Counting every facet over a million rows (the list without words) passes
            # the planner's JIT threshold: compiling then cost 156 ms (measured), more
            # than it saved.
            "SET LOCAL jit = off",
            # Grouping and sorting a broad match stay in memory rather than spill.
            "SET LOCAL work_mem = '32MB'",
            # A safety net: a search that runs this long fails rather than hold a
            # connection and a core that other visitors are waiting for.
            f"SET LOCAL statement_timeout = {STATEMENT_TIMEOUT_MS}",
        ]

    def write(self, cursor: CursorWrapper, kind: DocumentKind, documents: list[Document]) -> None:
        if not documents:
            return
        vector = " || ".join(
            f"setweight(to_tsvector('simple', unaccent(t.f{index})), '{f.weight}')"
            for index, f in enumerate(kind.fields)
        )
        names = ", ".join(f"f{index}" for index in range(len(kind.fields)))
        arrays = ", ".join(["%s::text[]"] * len(kind.fields))
        cursor.execute(
            f"UPDATE {kind.entry_table} AS e SET document = {vector} "  # noqa: S608
            f"FROM unnest(%s::bigint[], {arrays}) AS t(id, {names}) WHERE e.id = t.id",
            [
                [document.id for document in documents],
                *(
                    [document.texts[index] for document in documents]
                    for index in range(len(kind.fields))
                ),
            ],
        )
        # The vocabulary that near matches are looked for in; words never leave it
        # (a word no document has any more is a harmless candidate).
        cursor.execute(
            "INSERT INTO search_word (word) "  # noqa: S608
            f"SELECT DISTINCT w FROM {kind.entry_table}, unnest(tsvector_to_array(document)) w "
            "WHERE id = ANY(%s) ON CONFLICT DO NOTHING",
            [[document.id for document in documents]],
        )

    def delete(self, cursor: CursorWrapper, kind: DocumentKind, ids: Sequence[int]) -> None:
        # The words are a column of the entry: they go with it.
        return

    def clear(self, cursor: CursorWrapper, kind: DocumentKind) -> None:
        cursor.execute("TRUNCATE search_word")

    def optimise(self, cursor: CursorWrapper, kind: DocumentKind) -> None:
        # Fresh statistics, so the planner knows how selective a text match is.
        cursor.execute(f"ANALYZE {kind.entry_table}")

    def match(
        self, kind: DocumentKind, terms: Terms, near: dict[str, list[str]] | None = None
    ) -> TextMatch:
        query = "to_tsquery('simple', unaccent(%s))"
        text = tsquery(terms, near)
        return TextMatch(
            leading="",
            where=f"s.document @@ {query}",
            where_params=[text],
            # ts_rank is a real; a cursor's key comes back as a double, which a real
            # never equals: compared as doubles, rows tied on a score are not skipped.
            score=f"CAST(ts_rank(s.document, {query}) AS DOUBLE PRECISION)",
            score_params=[text],
        )

    def near_terms(self, cursor: CursorWrapper, terms: Terms) -> dict[str, list[str]]:
        """For each term no indexed word equals (or, for the last, starts with), the
        words most similar to it by trigrams."""
        # Shorter words have too few trigrams to be corrected sensibly.
        exact = [word for word in terms.exact if len(word) >= 3]
        unknown: list[str] = []
        if exact:
            cursor.execute(
                "SELECT t.word FROM unnest(%s::text[]) AS t(word) "
                "WHERE NOT EXISTS (SELECT 1 FROM search_word w WHERE w.word = t.word)",
                [exact],
            )
            unknown = [row[0] for row in cursor.fetchall()]
        if len(terms.prefix) >= 3:
            escaped = terms.prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            cursor.execute(
                "SELECT EXISTS (SELECT 1 FROM search_word WHERE word LIKE %s)", [escaped + "%"]
            )
            if not cursor.fetchone()[0]:
                unknown.append(terms.prefix)
        if not unknown:
            return {}
        cursor.execute(
            "SELECT t.word, n.word FROM unnest(%s::text[]) AS t(word) CROSS JOIN LATERAL ("
            "  SELECT w.word FROM search_word w WHERE similarity(w.word, t.word) >= %s"
            "  AND w.word %% t.word ORDER BY similarity(w.word, t.word) DESC, w.word LIMIT %s"
            ") AS n",
            [unknown, NEAR_SIMILARITY, NEAR_WORDS],
        )
        near: dict[str, list[str]] = {}
        for word, candidate in cursor.fetchall():
            near.setdefault(word, []).append(candidate)
        return near


def current_backend() -> Backend:
    """The backend of the default database."""
    if connection.vendor == "postgresql":
        return PostgreSQLBackend()
    if connection.vendor == "sqlite":
        return SQLiteBackend()
    raise NotImplementedError(f"no search backend for {connection.vendor}")
