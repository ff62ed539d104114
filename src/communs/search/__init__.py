"""Search over repositories and organisations: one interface, two backends.

The public surface is listed in ``__all__`` and imported lazily (this package is an
installed app, loaded before its models may be imported):

- :func:`search_repositories` (``SearchQuery`` -> ``SearchResult``) for pages and API,
  with :func:`parse_params` to build the query from a query string;
- :func:`index_repositories`, :func:`reindex_repositories`, :func:`index_organisations`
  and :func:`rebuild_index` to keep the index in step (``communs search reindex``);
- :func:`search_organisation_ids` for the organisations' text search;
- :func:`is_free_licence`, the OSI/FSF test behind the "free licence" filter.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "SearchQuery": "communs.search.query",
    "SearchResult": "communs.search.query",
    "FacetValue": "communs.search.query",
    "parse_params": "communs.search.query",
    "InvalidCursor": "communs.search.cursor",
    "search_repositories": "communs.search.engine",
    "search_organisation_ids": "communs.search.organisations",
    "index_repositories": "communs.search.indexing",
    "reindex_repositories": "communs.search.indexing",
    "index_organisations": "communs.search.indexing",
    "rebuild_index": "communs.search.indexing",
    "is_free_licence": "communs.search.licences",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(_EXPORTS[name]), name)
