"""The kinds of documents the search indexes, and the words of each.

A kind names its entry table and its text fields, each with a weight: a word in a
repository's name counts more than one in its description. A backend stores and
matches the words of any kind the same way, so a third kind (catalogue software) plugs
in with: an entry model in this app, a :class:`DocumentKind` here, a function turning
ids into :class:`Document` objects, and in its migration the same per-vendor SQL as
``0001_initial`` (an FTS5 table ``<entry table>_fts`` with these fields as columns, in
order, on SQLite; a ``document`` tsvector column with a GIN index on PostgreSQL).
"""

from __future__ import annotations

from dataclasses import dataclass

from communs.search.text import document_words


@dataclass(frozen=True, slots=True)
class TextField:
    name: str
    # PostgreSQL's weight class, "A" (strongest) to "D"; SQLite's bm25 weights mirror it
    # in the migration.
    weight: str
    # How many times a word here counts in the word index's BM25F (``postings``): the
    # same weights as SQLite's bm25.
    boost: float = 1.0


@dataclass(frozen=True, slots=True)
class DocumentKind:
    name: str
    entry_table: str
    fields: tuple[TextField, ...]
    # Whether each document carries a facet code (models.FacetCode), which SQLite keeps
    # in the low bits of the words' rowid.
    coded: bool = False

    @property
    def fts_table(self) -> str:
        """The FTS5 table of this kind on SQLite."""
        return f"{self.entry_table}_fts"


@dataclass(frozen=True, slots=True)
class Document:
    """The words of one document, field by field, ready for an index."""

    id: int
    texts: tuple[str, ...]
    # Its facet code, for a coded kind (0 otherwise).
    code: int = 0

    @classmethod
    def of(cls, kind: DocumentKind, pk: int, values: dict[str, str], code: int = 0) -> Document:
        texts = tuple(document_words(values.get(f.name) or "") for f in kind.fields)
        return cls(pk, texts, code)


REPOSITORY = DocumentKind(
    "repository",
    "search_repository",
    (
        TextField("name", "A", 10.0),
        TextField("path", "B", 4.0),
        TextField("description", "C", 1.0),
        TextField("topics", "B", 3.0),
        TextField("language", "C", 2.0),
        TextField("organisation", "B", 2.0),
    ),
    coded=True,
)
ORGANISATION = DocumentKind(
    "organisation",
    "search_organisation",
    (TextField("name", "A"), TextField("description", "C")),
)
KINDS = {kind.name: kind for kind in (REPOSITORY, ORGANISATION)}
