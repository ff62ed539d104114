"""What a search asks and what it answers, and how a query string becomes a question.

Pure Python, no Django: pages and the API both turn their parameters into a
:class:`SearchQuery` with :func:`parse_params`, and receive a :class:`SearchResult`.

Parameters (the names the pages and the API share):

``q``             words; all must match, the last as a prefix (see ``text.py``)
``license``       an SPDX expression as stored, or ``unknown`` (no licence identified)
``language``      the main language, as the forge names it
``forge``         a forge host
``organisation``  an organisation key; its sub-organisations are included
``ministry``      a ministry key (the same, for the top of the hierarchy)
``fork`` ``archived`` ``template`` ``publiccode`` ``contributing``
                  ``only`` or ``exclude`` (``publiccode``/``contributing``: the file is
                  at the repository's root; ``exclude`` keeps repositories whose root
                  files are not known yet)
``free``          ``1``: licences approved by the OSI or the FSF only
``pushed_within`` days: pushed within the last N days (1 to 36,500)
``gone``          ``1``: include repositories their forge no longer lists
``score``         a minimum code.gouv.fr score (from the stored analysis; repositories
                  never analysed have none and are left out by this filter)
``hidden``        ``1``: include repositories whose code.gouv.fr score is negative,
                  which the default list hides as code.gouv.fr does (a negative
                  ``score`` minimum includes them too)
``sort``          one of :data:`SORTS`; relevance is the default when there are words
``page``          a page number (pages); ``cursor`` an opaque cursor (API)

Unknown values never fail a search. A value outside a fixed set (``fork=maybe``,
``sort=size``, ``pushed_within=soon``, a bad ``page``) is ignored and its parameter
named in :attr:`SearchQuery.ignored`, so an API can warn. An open value (a licence, a
language, a forge, an organisation nobody has) filters literally and finds nothing,
which is the truthful answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from communs.search.text import MAX_QUERY_CHARS, clean_text, parse_terms

PER_PAGE = 50
MAX_PER_PAGE = 100
# The largest page number worth parsing; further pages are the last page anyway.
MAX_PAGE = 10**9
MAX_DAYS = 36_500
# Bounds of the score filter: the code.gouv.fr score stays within a few thousand.
MAX_SCORE = 1_000_000
# The licence filter's value for repositories whose licence nobody identified.
UNKNOWN_LICENSE = "unknown"

SORTS = ("relevance", "pushed", "score", "stars", "forks", "created", "name")
DEFAULT_SORT = "pushed"
# Filters with a fixed set of values.
TRISTATE = ("only", "exclude")
FLAG_FILTERS = ("fork", "archived", "template", "publiccode", "contributing")
# Every facet a search can count; ``pushed_within`` counts these day ranges.
FACETS = (
    "license",
    "language",
    "forge",
    "organisation",
    "ministry",
    *FLAG_FILTERS,
    "free",
    "pushed_within",
)
PUSHED_WITHIN_CHOICES = (30, 90, 365)
# The parameters that choose repositories and their order (paging ones left out): what a
# saved search (an Atom feed) keeps of a list page's query string.
SELECTION_PARAMS = ("q", *FACETS, "gone", "hidden", "score", "sort")


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """One search over repositories. Empty strings mean "no filter"."""

    q: str = ""
    license: str = ""
    language: str = ""
    forge: str = ""
    organisation: str = ""
    ministry: str = ""
    fork: str = ""
    archived: str = ""
    template: str = ""
    publiccode: str = ""
    contributing: str = ""
    free: bool = False
    pushed_within: int | None = None
    include_gone: bool = False
    # A minimum code.gouv.fr score; None: no minimum.
    min_score: int | None = None
    # Whether repositories with a negative code.gouv.fr score are shown.
    include_hidden: bool = False
    # "" picks the default: relevance with words, the last push without.
    sort: str = ""
    page: int = 1
    per_page: int = PER_PAGE
    # An opaque cursor from a previous SearchResult.next_cursor: overrides ``page``.
    cursor: str = ""
    facets: tuple[str, ...] = FACETS
    ignored: tuple[str, ...] = field(default=(), compare=False)

    @property
    def has_words(self) -> bool:
        """True when ``q`` holds a word to search (``"*"`` or ``"--"`` do not)."""
        return bool(parse_terms(self.q))

    @property
    def effective_sort(self) -> str:
        if self.sort == "relevance" and not self.has_words:
            return DEFAULT_SORT  # no words, nothing to be relevant to
        if self.sort in SORTS:
            return self.sort
        return "relevance" if self.has_words else DEFAULT_SORT

    @property
    def filters(self) -> dict[str, Any]:
        """The active filters by facet name (what facet counts leave out one at a time)."""
        active: dict[str, Any] = {
            name: getattr(self, name)
            for name in ("license", "language", "forge", "organisation", "ministry", *FLAG_FILTERS)
            if getattr(self, name)
        }
        if self.free:
            active["free"] = True
        if self.pushed_within:
            active["pushed_within"] = self.pushed_within
        if self.min_score is not None:
            active["score"] = self.min_score
        return active

    @property
    def shows_hidden(self) -> bool:
        """Whether repositories with a negative code.gouv.fr score are part of the answer."""
        return self.include_hidden or (self.min_score is not None and self.min_score < 0)

    @property
    def is_filtered(self) -> bool:
        """True when the answer is narrower than every present repository."""
        return bool(self.has_words or self.filters)


class FacetValue(NamedTuple):
    """One value a filter offers: what to send, what to show, how many it would find."""

    value: str
    label: str
    count: int


@dataclass(slots=True)
class SearchResult:
    """The page of repositories, how many match in all, and the facet counts.

    ``facets`` maps a facet name to its values, most frequent first (the chosen value is
    always among them, with 0 if nothing has it). ``next_cursor`` is set when a cursor
    was asked for (or given) and more rows follow.
    """

    items: list[Any]
    total: int
    facets: dict[str, list[FacetValue]]
    next_cursor: str | None
    page: int
    pages: int
    per_page: int
    sort: str


def _text(params: Mapping[str, Any], name: str, limit: int = 200) -> str:
    return clean_text(params.get(name), limit)


def _int(value: str, low: int, high: int) -> int | None:
    """``value`` as an integer in ``[low, high]``, clamped, or None when it is no number."""
    text = value.strip()
    if not text or len(text) > 30 or not text.lstrip("-").isdigit() or not text.isascii():
        return None
    return min(max(int(text), low), high)


def parse_params(
    params: Mapping[str, Any], *, facets: tuple[str, ...] = FACETS, cursor_paging: bool = False
) -> SearchQuery:
    """A :class:`SearchQuery` from query-string parameters; never raises.

    ``cursor_paging`` asks for a cursor in the result (the API); the pages use numbers.
    """
    ignored: list[str] = []
    values: dict[str, Any] = {"q": _text(params, "q", MAX_QUERY_CHARS), "facets": facets}
    for name in ("license", "language", "forge", "organisation", "ministry"):
        values[name] = _text(params, name)
    for name in FLAG_FILTERS:
        value = _text(params, name)
        if value in TRISTATE:
            values[name] = value
        elif value:
            ignored.append(name)
    values["free"] = _text(params, "free") == "1"
    values["include_gone"] = _text(params, "gone") == "1"
    values["include_hidden"] = _text(params, "hidden") == "1"
    score = _text(params, "score")
    if score:
        values["min_score"] = _int(score, -MAX_SCORE, MAX_SCORE)
        if values["min_score"] is None:
            ignored.append("score")
    days = _text(params, "pushed_within")
    if days:
        values["pushed_within"] = _int(days, 1, MAX_DAYS)
        if values["pushed_within"] is None:
            ignored.append("pushed_within")
    sort = _text(params, "sort")
    if sort in SORTS:
        values["sort"] = sort
    elif sort:
        ignored.append("sort")
    page = _text(params, "page")
    if page:
        number = _int(page, 1, MAX_PAGE)
        if number is None:
            ignored.append("page")
        else:
            values["page"] = number
    per_page = _text(params, "per_page")
    if per_page:
        number = _int(per_page, 1, MAX_PER_PAGE)
        if number is None:
            ignored.append("per_page")
        else:
            values["per_page"] = number
    cursor = _text(params, "cursor", 1000)
    if cursor:
        values["cursor"] = cursor
    elif cursor_paging:
        values["cursor"] = START
    return SearchQuery(**values, ignored=tuple(ignored))


# The cursor that means "the first page, and give me a cursor for the next".
START = "start"
