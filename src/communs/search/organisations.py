"""Organisations by words: their names and descriptions, best matches first."""

from __future__ import annotations

from django.db import connection

from communs.search.backends import current_backend
from communs.search.documents import ORGANISATION
from communs.search.text import parse_terms


def search_organisation_ids(q: str, limit: int = 1000) -> list[int]:
    """Primary keys of the organisations whose indexed words match ``q``, best first.

    Empty words give an empty list (a caller lists everything its own way).
    """
    terms = parse_terms(q)
    if not terms:
        return []
    backend = current_backend()
    with connection.cursor() as cursor:
        match = backend.match(ORGANISATION, terms, backend.near_terms(cursor, terms))
        cursor.execute(
            f"SELECT s.id FROM {match.leading} {ORGANISATION.entry_table} AS s "  # noqa: S608
            f"WHERE {match.where} ORDER BY {match.score} DESC, s.id LIMIT %s",
            [*match.where_params, *match.score_params, limit],
        )
        return [int(row[0]) for row in cursor.fetchall()]
