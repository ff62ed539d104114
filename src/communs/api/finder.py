"""The repository list of the API: filters, sort, facet counts and a cursor, in one call.

:func:`find_repositories` is the one seam between the API and the search behind it,
``communs.search.search_repositories`` (the search the pages use, over its index):
:class:`RepositorySearch` is what the endpoint validated, :class:`RepositoryResults`
what it answers from. Parameter names are those the pages and the search share
(``communs.search.query``), so a page's query string works on the API too.

Facet counts follow the search's rule: each facet applies every active filter but its
own, so a count says how many results choosing that value would give.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from django.db.models import prefetch_related_objects

from communs.repositories.models import Repository
from communs.search import InvalidCursor, SearchQuery, search_repositories
from communs.search.query import FACETS, MAX_DAYS, MAX_SCORE, START
from communs.search.text import parse_terms

RepositorySort = Literal["relevance", "pushed", "score", "stars", "forks", "created", "name"]
Presence = Literal["only", "exclude"]

__all__ = [
    "FACETS",
    "MAX_DAYS",
    "MAX_SCORE",
    "BadParameter",
    "Facet",
    "Presence",
    "RepositoryResults",
    "RepositorySearch",
    "RepositorySort",
    "find_repositories",
]


class BadParameter(ValueError):
    """A parameter that cannot be used; ``name`` says which, the message says why."""

    def __init__(self, name: str, problem: str) -> None:
        super().__init__(problem)
        self.name = name
        self.problem = problem


@dataclass(frozen=True, slots=True)
class RepositorySearch:
    """What a client asked of the repository list, validated by the endpoint.

    Empty texts mean "no filter"; ``sort`` None means relevance when there are words,
    the last push otherwise. ``cursor`` None asks for the first page.
    """

    q: str = ""
    license: str = ""
    language: str = ""
    forge: str = ""
    organisation: str = ""
    ministry: str = ""
    fork: Presence | None = None
    archived: Presence | None = None
    template: Presence | None = None
    publiccode: Presence | None = None
    contributing: Presence | None = None
    free: bool = False
    pushed_within: int | None = None
    gone: bool = False
    score: int | None = None
    hidden: bool = False
    sort: RepositorySort | None = None
    cursor: str | None = None
    limit: int = 50
    facets: bool = True


@dataclass(frozen=True, slots=True)
class Facet:
    value: str
    label: str
    count: int


@dataclass(frozen=True, slots=True)
class RepositoryResults:
    """A page of repositories (forge, account and organisation loaded), how many match
    in all, the order used, the next page's cursor (None on the last page), and the
    facets by name (empty when not asked for)."""

    repositories: list[Repository]
    count: int
    sort: str
    next_cursor: str | None
    facets: dict[str, list[Facet]]


def find_repositories(search: RepositorySearch) -> RepositoryResults:
    """The page of repositories ``search`` asks for; raises :class:`BadParameter`."""
    query = SearchQuery(
        # Text without a word ("***", "'") searches nothing: sent as such, it would ask
        # for relevance with no words to rank by.
        q=search.q if parse_terms(search.q) else "",
        license=search.license,
        language=search.language,
        forge=search.forge,
        organisation=search.organisation,
        ministry=search.ministry,
        fork=search.fork or "",
        archived=search.archived or "",
        template=search.template or "",
        publiccode=search.publiccode or "",
        contributing=search.contributing or "",
        free=search.free,
        pushed_within=search.pushed_within,
        include_gone=search.gone,
        min_score=search.score,
        include_hidden=search.hidden,
        sort=search.sort or "",
        per_page=search.limit,
        # START asks for the first page with a cursor to the next one.
        cursor=search.cursor or START,
        # Counting costs a statement: none when the client does not want them.
        facets=FACETS if search.facets else (),
    )
    try:
        found = search_repositories(query)
    except InvalidCursor as error:
        raise BadParameter("cursor", str(error)) from error
    # A repository without an account's organisation belongs to its forge's: one query
    # for the page rather than one per row.
    prefetch_related_objects(found.items, "forge__organisation")
    return RepositoryResults(
        repositories=list(found.items),
        count=found.total,
        sort=found.sort,
        next_cursor=found.next_cursor,
        facets={
            name: [Facet(value.value, str(value.label), value.count) for value in values]
            for name, values in found.facets.items()
        },
    )
