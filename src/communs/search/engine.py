"""``search_repositories``: words, filters, facet counts, sorts and pages, in two statements.

Everything is read from the index (``search_repository`` and the words beside it), not
from the wide repository rows, which are fetched only for the page shown.

**Facet counts** follow the usual faceted-search rule: a facet's counts apply every
active filter except its own, so each count says how many results choosing that value
would give. One statement computes them all (see :func:`_facet_statement`): a few
``GROUP BY`` passes over the matching rows, each applying the other facets' filters.
The yes/no facets (fork, archived, template, publiccode.yml, CONTRIBUTING, free
licence, pushed within N days) are grouped by a bit mask of their conditions, and
Python adds the groups up per facet, applying the other yes/no filters itself; the
total comes from the same groups. Organisations and ministries are counted per owner
(account, or forge for repositories without one) and summed up the current hierarchy
in Python, so moving an organisation needs no reindex.

**Sorts** end with the id, so the order is total: pages never overlap or skip a row.
Pages use numbers (OFFSET); the API uses an opaque cursor holding the last row's sort
key and id (keyset: as fast on the last page as on the first). A relevance score moves
when the index changes (word statistics shift): a relevance cursor is exact while the
index stays as it was; with the other sorts, a row that did not move is never repeated
or skipped.

Without words, facet counts read a large share of the index, so they are cached under
the generation of the site's whole-index figures (``communs.figures``) and its
index stamp, which indexing renews whenever it commits a change: no count made before
a change is read after it, in any process.

- Without words and filters (the list's first view, the API's): in the shared
  ``figures`` cache, one entry per language and visibility (gone, hidden), every facet
  counted at once; ``refresh_figures`` counts them after each harvest or import, so no
  visitor waits. They are counted again after ``UNFILTERED_MAX_AGE`` seconds, since the
  "pushed within N days" counts move with the clock. With one filter, that facet's
  counts are these.
- With filters: ``STATISTICS_TTL`` seconds in each process's own cache (the
  combinations are too many for the shared one).

Counts with words are never cached; a page is never cached.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from hashlib import sha256
from math import ceil
from typing import Any

import numpy as np
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import get_language, override, pgettext
from django.utils.translation import gettext as _

from communs.figures import cached_statistic, current_generation
from communs.repositories.models import Repository
from communs.search import postings, wordindex
from communs.search.backends import Backend, TextMatch, current_backend
from communs.search.cursor import (
    Cursor,
    InvalidCursor,
    WordScore,
    decode_cursor,
    encode_cursor,
)
from communs.search.documents import REPOSITORY
from communs.search.models import FLAG_BITS
from communs.search.query import (
    FACETS,
    FLAG_FILTERS,
    PUSHED_WITHIN_CHOICES,
    START,
    UNKNOWN_LICENSE,
    FacetValue,
    SearchQuery,
    SearchResult,
)
from communs.search.text import Terms, parse_terms
from communs.sources.models import Account, Forge, Organisation

# Longest list of values a facet returns: the most frequent first.
FACET_LIMIT = 150
STATISTICS_TTL = 300
# The unfiltered counts (shared, warmed after each harvest) are counted again past this
# age: "pushed within 30 days" counts drift by the hour, not only with the data.
UNFILTERED_MAX_AGE = 3600
# The hierarchy (organisations, accounts, forges) is re-read at most this often.
DIRECTORY_TTL = 60
DIRECTORY_KEY = "communs.search.directory"
OTHER_LICENSE = "NOASSERTION"

__all__ = ["InvalidCursor", "search_repositories"]


# -- SQL fragments ----------------------------------------------------------------------


@dataclass
class Sql:
    """A piece of SQL and its parameters, in the order their ``%s`` appear."""

    text: str = ""
    params: list[Any] = field(default_factory=list)


def _all(conditions: Sequence[Sql]) -> Sql:
    kept = [c for c in conditions if c.text]
    if not kept:
        return Sql("1 = 1")
    return Sql(" AND ".join(f"({c.text})" for c in kept), [p for c in kept for p in c.params])


@dataclass(frozen=True)
class Flag:
    """A yes/no property of a row, as SQL that is never NULL."""

    name: str
    sql: str
    params: tuple[Any, ...] = ()


# Each property read from its bit in ``flags``, which the covering indexes hold.
_PROPERTY_SQL = {name: f"(s.flags & {1 << index}) <> 0" for index, name in enumerate(FLAG_BITS)}


def _flags(now: datetime, query: SearchQuery) -> list[Flag]:
    # The stored properties first, in the order of their bits in RepositoryEntry.flags.
    flags = [Flag(name, _PROPERTY_SQL[name]) for name in FLAG_BITS]
    days = sorted({*PUSHED_WITHIN_CHOICES, *([query.pushed_within] if query.pushed_within else [])})
    for day in days:
        cutoff = connection.ops.adapt_datetimefield_value(now - timedelta(days=day))
        flags.append(
            Flag(f"pushed_{day}", "s.pushed_at IS NOT NULL AND s.pushed_at >= %s", (cutoff,))
        )
    return flags


def _flag_wanted(query: SearchQuery) -> dict[str, bool]:
    """The flag conditions the active yes/no filters ask for: ``{flag name: True/False}``."""
    wanted = {name: getattr(query, name) == "only" for name in FLAG_FILTERS if getattr(query, name)}
    if query.free:
        wanted["free"] = True
    if query.pushed_within:
        wanted[f"pushed_{query.pushed_within}"] = True
    return wanted


# Which facet each flag filter belongs to (for "every filter but the facet's own").
def _facet_of_flag(flag: str) -> str:
    return "pushed_within" if flag.startswith("pushed_") else flag


def _read_organisations() -> dict[str, Any]:
    organisations = list(
        Organisation.objects.values_list("pk", "parent_id", "key", "name", "level")
    )
    return {
        "parent": {pk: parent for pk, parent, *_ in organisations},
        "key": {pk: key for pk, _, key, *_ in organisations},
        "name": {pk: name for pk, _, _, name, _ in organisations},
        "ministry_ids": frozenset(
            pk for pk, *_, level in organisations if level == Organisation.Level.MINISTRY
        ),
    }


def _read_forges() -> dict[str, Any]:
    forges = list(Forge.objects.values_list("pk", "organisation_id", "host"))
    return {
        "forge_organisation": {pk: organisation for pk, organisation, _ in forges},
        "forge_host": {pk: host for pk, _, host in forges},
    }


def _read_accounts() -> dict[str, Any]:
    return {"account_organisation": dict(Account.objects.values_list("pk", "organisation_id"))}


# Each part of the hierarchy, what reads it, and the names it gives.
_DIRECTORY_PARTS = {
    "organisations": (_read_organisations, ("parent", "key", "name", "ministry_ids")),
    "forges": (_read_forges, ("forge_organisation", "forge_host")),
    "accounts": (_read_accounts, ("account_organisation",)),
}


class Directory:
    """The hierarchy: organisations, forges, accounts, each read in one small query when
    a search first needs it and cached briefly (a search counting languages, licences
    and forges reads the forges alone)."""

    parent: dict[int, int | None]
    key: dict[int, str]
    name: dict[int, str]
    ministry_ids: frozenset[int]
    account_organisation: dict[int, int | None]
    forge_organisation: dict[int, int | None]
    forge_host: dict[int, str]

    def __getattr__(self, attribute: str) -> Any:
        # Only for what is not read yet: a part's values become plain attributes.
        for part, (read, names) in _DIRECTORY_PARTS.items():
            if attribute in names:
                values = cache.get_or_set(f"{DIRECTORY_KEY}.{part}", read, DIRECTORY_TTL)
                self.__dict__.update(values)
                return values[attribute]
        raise AttributeError(attribute)

    def subtree(self, root: int) -> list[int]:
        children: dict[int, list[int]] = {}
        for pk, parent in self.parent.items():
            if parent is not None:
                children.setdefault(parent, []).append(pk)
        found, seen = [root], {root}
        for pk in found:  # grows while we walk it: breadth first, cycles cut
            for child in children.get(pk, ()):
                if child not in seen:
                    seen.add(child)
                    found.append(child)
        return found

    def lineage(self, pk: int) -> list[int]:
        """``pk`` and its ancestors up to the top; cycles are cut."""
        chain, seen = [], set()
        node: int | None = pk
        while node is not None and node not in seen and node in self.parent:
            chain.append(node)
            seen.add(node)
            node = self.parent[node]
        return chain


def directory() -> Directory:
    return Directory()


def forget_directory() -> None:
    """Read the hierarchy again at the next search (after storing data)."""
    cache.delete_many([f"{DIRECTORY_KEY}.{part}" for part in _DIRECTORY_PARTS])


# -- the search -------------------------------------------------------------------------


@dataclass
class _Plan:
    """A query turned into SQL pieces over ``search_repository AS s``."""

    query: SearchQuery
    backend: Backend
    match: TextMatch | None
    base: Sql  # words and the filters without a facet
    conditions: dict[str, Sql]  # facet name -> its filter (flags included)
    flags: list[Flag]
    wanted: dict[str, bool]
    directory: Directory
    # The query's words, and near words for those that match nothing (PostgreSQL).
    terms: Terms = field(default_factory=Terms)
    near: dict[str, list[str]] = field(default_factory=dict)
    # The moment "pushed within N days" counts from (to the minute).
    now: datetime = field(default_factory=timezone.now)

    @property
    def source(self) -> Sql:
        """What ``FROM`` reads: the entry table, after the words when there are any."""
        leading = self.match.leading if self.match else ""
        return Sql(f"{leading} {REPOSITORY.entry_table} AS s".strip())

    def others(self, facet: str) -> Sql:
        return _all([c for name, c in self.conditions.items() if name != facet])

    def everything(self) -> Sql:
        return _all(list(self.conditions.values()))


def _chosen_organisations(found: Directory, query: SearchQuery, name: str) -> list[int]:
    """The organisation (or ministry, for ``name == "ministry"``) a filter names, with
    its sub-organisations; none when no such one exists."""
    key = getattr(query, name)
    roots = [pk for pk, k in found.key.items() if k == key]
    if name == "ministry":
        roots = [pk for pk in roots if pk in found.ministry_ids]
    return found.subtree(roots[0]) if roots else []


def _owner_condition(organisation_ids: list[int]) -> Sql:
    """Repositories of these organisations' accounts, and of forges they run that belong
    to no account (the rule of the organisation pages)."""
    if not organisation_ids:
        return Sql("1 = 0")
    marks = ", ".join(["%s"] * len(organisation_ids))
    account = Account._meta.db_table
    forge = Forge._meta.db_table
    return Sql(
        f"s.account_id IN (SELECT id FROM {account} WHERE organisation_id IN ({marks})) "  # noqa: S608
        f"OR (s.account_id IS NULL AND s.forge_id IN "
        f"(SELECT id FROM {forge} WHERE organisation_id IN ({marks})))",
        [*organisation_ids, *organisation_ids],
    )


def _gone(query: SearchQuery) -> Sql:
    """What every list leaves out unless asked: repositories gone from their forge, and
    those whose code.gouv.fr score is negative (read from their flag bit, which the
    covering indexes hold)."""
    bit = 1 << FLAG_BITS.index("hidden")
    # "<> bit" rather than "= 0" (the same rows): PostgreSQL has no statistics on the
    # expression and guesses 0.5% of rows for "=", 99.5% for "<>". Most rows are shown,
    # and with "=" a sorted page (by stars, page 40) sorted every row instead of walking
    # the sort's index.
    hidden = "" if query.shows_hidden else f"(s.flags & {bit}) <> {bit}"
    gone = "" if query.include_gone else "s.gone IS NOT TRUE"
    return _all([Sql(gone), Sql(hidden)]) if gone or hidden else Sql("")


def _plan(query: SearchQuery, now: datetime) -> _Plan:
    backend = current_backend()
    found = directory()
    terms = parse_terms(query.q)
    match = None
    base: list[Sql] = []
    near: dict[str, list[str]] = {}
    if terms:
        with connection.cursor() as cursor:
            near = backend.near_terms(cursor, terms)
        match = backend.match(REPOSITORY, terms, near)
        base.append(Sql(match.where, list(match.where_params)))
    base.append(_gone(query))

    conditions: dict[str, Sql] = {}
    if query.license == UNKNOWN_LICENSE:
        conditions["license"] = Sql("s.license = ''")
    elif query.license:
        conditions["license"] = Sql("s.license = %s", [query.license])
    if query.language:
        conditions["language"] = Sql("s.language = %s", [query.language])
    if query.forge:
        ids = [pk for pk, host in found.forge_host.items() if host == query.forge]
        conditions["forge"] = Sql("s.forge_id = %s", ids) if ids else Sql("1 = 0")
    for name in ("organisation", "ministry"):
        if getattr(query, name):
            conditions[name] = _owner_condition(_chosen_organisations(found, query, name))
    if query.min_score is not None:
        conditions["score"] = Sql("s.codegouv_score >= %s", [query.min_score])
    flags = _flags(now, query)
    by_name = {flag.name: flag for flag in flags}
    wanted = _flag_wanted(query)
    for name, value in wanted.items():
        flag = by_name[name]
        text = flag.sql if value else f"NOT ({flag.sql})"
        conditions[_facet_of_flag(name)] = Sql(text, list(flag.params))
    return _Plan(query, backend, match, _all(base), conditions, flags, wanted, found, terms, near)


# The columns each grouped facet counts by.
_GROUPED: dict[str, tuple[str, ...]] = {
    "language": ("language",),
    "license": ("license",),
    "forge": ("forge_id",),
    "organisation": ("account_id", "forge_id"),
    "ministry": ("account_id", "forge_id"),
}
# Every statement row: (branch, language, license, forge_id, account_id, stored flags,
# count, then how many of those were pushed within each cutoff: up to MAX_CUTOFFS).
_ROW = ("language", "license", "forge_id", "account_id")
_CASTS = {"language": "TEXT", "license": "TEXT", "forge_id": "BIGINT", "account_id": "BIGINT"}
MAX_CUTOFFS = len(PUSHED_WITHIN_CHOICES) + 1


# The facets and filters that facet codes answer (models.FacetCode): the values a code
# names. The others (organisations, pushed within N days, the score) need the entries.
CODED_FACETS = frozenset({"language", "license", "forge", *FLAG_FILTERS, "free"})


def _coded_source(plan: _Plan, facets: Sequence[str], page: _PageSpec | None) -> Sql | None:
    """With words and only coded facets and filters, on a backend that keeps codes
    (SQLite): the matches counted per code and joined to what each code names, as rows
    of ``(language, license, forge_id, account_id, flags, gone, n)``, hidden and gone
    ones left out; None when the counts must read the entries."""
    if plan.match is None or page is not None:
        return None
    if not {*facets, *plan.conditions} <= CODED_FACETS:
        return None
    with connection.cursor() as cursor:
        counted = plan.backend.coded_counts(cursor, REPOSITORY, plan.match)
    if counted is None:
        return None
    text, params = counted
    hidden = _gone(plan.query)
    return Sql(
        "(SELECT s.language, s.license, s.forge_id, CAST(NULL AS BIGINT) AS account_id, "  # noqa: S608
        f"s.flags, s.gone, s.n FROM ({text}) AS s WHERE {hidden.text or '1 = 1'})",
        [*params, *hidden.params],
    )


def _facet_statement(
    plan: _Plan, facets: Sequence[str], page: _PageSpec | None = None
) -> tuple[Sql, dict[str, str]]:
    """One statement counting every facet, and which branch of it answers each facet.

    Branches, each one pass over the matching rows with its own ``GROUP BY``:

    - ``flags``: by the stored yes/no bits, with how many rows were pushed within each
      cutoff (nested ranges, so Python rebuilds every combination), for the yes/no
      facets and the total; it leaves the yes/no filters to Python, since its facets
      need each of them left out in turn;
    - ``values``: by language, licence and forge together, for those of them that
      have no filter of their own; ``owners``: by owner, for organisations and
      ministries (kept apart: crossed with the values they would multiply the groups);
    - one branch per grouped facet with a filter of its own, which needs the rows
      without that filter.

    Without words, each branch reads one covering index in order (see the model).
    With words and only coded facets and filters (``_coded_source``), the branches read
    the matches counted per facet code, a few thousand rows at most, and add them up.

    With ``page`` (words, on a backend that gathers the matching rows once), a last
    branch ``page`` gives the ids of that page, in order, from the same gathered rows:
    the words are matched, and the rows read, once for the counts and the page.
    """
    source = plan.source
    coded = _coded_source(plan, facets, page)
    # Over coded rows each row stands for ``n`` matches, and "pushed within" is not
    # known (no such facet or filter then asks for it).
    count = "SUM(s.n)" if coded else "COUNT(*)"
    flag_facets = _flag_facets(plan)
    sql_conditions = {n: c for n, c in plan.conditions.items() if n not in flag_facets}
    grouped = [name for name in facets if name in _GROUPED]
    own = [name for name in grouped if name in sql_conditions]
    values = [n for n in grouped if n not in own and n in ("language", "license", "forge")]
    owners = [n for n in grouped if n not in own and n in ("organisation", "ministry")]
    no_cutoffs = ", ".join(["CAST(NULL AS BIGINT)"] * MAX_CUTOFFS)

    def branch(label: str, names: list[str], skip: str = "") -> Sql:
        columns = [c for c in _ROW if any(c in _GROUPED[name] for name in names)]
        selected = [f"s.{c}" if c in columns else f"CAST(NULL AS {_CASTS[c]})" for c in _ROW]
        # Plain columns, not expressions, so that an index in that order serves it.
        group_by = f" GROUP BY {', '.join(f's.{c}' for c in columns)}" if columns else ""
        where = _all([c for n, c in plan.conditions.items() if n != skip])
        return Sql(
            f"SELECT '{label}', {', '.join(selected)}, CAST(NULL AS BIGINT), {count}, "  # noqa: S608
            f"{no_cutoffs} FROM m AS s WHERE {where.text}{group_by}",
            list(where.params),
        )

    branches: list[Sql] = []
    answered_by: dict[str, str] = {}
    if any(name in flag_facets for name in facets):
        cutoffs = [] if coded else [f for f in plan.flags if f.name.startswith("pushed_")]
        sums = [f"SUM(CASE WHEN {flag.sql} THEN 1 ELSE 0 END)" for flag in cutoffs]
        sums += ["CAST(NULL AS BIGINT)"] * (MAX_CUTOFFS - len(cutoffs))
        where = _all(list(sql_conditions.values()))
        branches.append(
            Sql(
                "SELECT 'flags', CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS BIGINT), "  # noqa: S608
                f"CAST(NULL AS BIGINT), CAST(s.flags AS BIGINT), {count}, {', '.join(sums)} "
                f"FROM m AS s WHERE {where.text} GROUP BY s.flags",
                [*(p for flag in cutoffs for p in flag.params), *where.params],
            )
        )
    if values:
        branches.append(branch("values", values))
        answered_by.update(dict.fromkeys(values, "values"))
    if owners:
        branches.append(branch("owners", owners))
        answered_by.update(dict.fromkeys(owners, "owners"))
    if not branches:
        # Only facets with a filter of their own (or none at all): count the total.
        branches.append(branch("count", []))
    for name in own:
        branches.append(branch(name, [name], skip=name))
        answered_by[name] = name
    # What the branches' conditions read (the yes/no properties through ``flags``): no
    # more, since PostgreSQL keeps every gathered row in memory.
    columns = (
        "s.language, s.license, s.forge_id, s.account_id, s.flags, s.pushed_at, s.codegouv_score"
    )
    selected = Sql(columns)
    if page is not None:
        # What every sort and cursor reads, the relevance score computed once per row.
        score = page.key_sql if page.sort.column is None else "CAST(NULL AS DOUBLE PRECISION)"
        params = page.key_params if page.sort.column is None else []
        selected = Sql(
            f"{columns}, s.id, s.stars, s.forks, s.name_key, s.created_at, {score} AS score",
            list(params),
        )
        branches.append(_page_branch(plan, page))
    union = " UNION ALL ".join(b.text for b in branches)
    if coded is not None:
        # A few thousand rows: gathered once, whatever the engine.
        materialised = "MATERIALIZED" if len(branches) > 1 else "NOT MATERIALIZED"
        statement = Sql(
            f"WITH m AS {materialised} (SELECT * FROM {coded.text} AS c) {union}",  # noqa: S608
            [*coded.params, *(p for b in branches for p in b.params)],
        )
        return statement, answered_by
    # Whether gathering the matching rows once pays depends on the engine: PostgreSQL
    # keeps them in memory, a gain once two branches read them; SQLite writes them to a
    # temporary b-tree, which costs more than matching the words again in each branch.
    once = plan.match and plan.backend.materialise and len(branches) > 1
    materialised = "MATERIALIZED" if once else "NOT MATERIALIZED"
    statement = Sql(
        f"WITH m AS {materialised} (SELECT {selected.text} FROM {source.text} "  # noqa: S608
        f"WHERE {plan.base.text}) {union}",
        [
            *selected.params,
            *source.params,
            *plan.base.params,
            *(p for b in branches for p in b.params),
        ],
    )
    return statement, answered_by


def _page_branch(plan: _Plan, page: _PageSpec) -> Sql:
    """The ids of one page over the gathered rows ``m``, numbered in the sort's order
    (the position goes in the count column; the id in the account column)."""
    key = "s.score" if page.sort.column is None else page.sort.column
    conditions = [plan.everything()]
    if page.cursor is not None:
        conditions.append(_after(page.sort, key, [], page.cursor))
    where = _all(conditions)
    nulls = ", ".join(["CAST(NULL AS BIGINT)"] * MAX_CUTOFFS)
    return Sql(
        "SELECT 'page', CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS BIGINT), p.id, "  # noqa: S608
        f"CAST(NULL AS BIGINT), ROW_NUMBER() OVER (), {nulls} FROM ("
        f"SELECT s.id FROM m AS s WHERE {where.text} ORDER BY {_order(plan, page.sort, key)} "
        "LIMIT %s OFFSET %s) AS p",
        [*where.params, page.limit, page.offset],
    )


def _flag_groups(plan: _Plan, rows: list[tuple]) -> list[tuple[int, int]]:
    """``(bits, count)`` groups from the flags branch: the stored bits, plus one bit per
    cutoff, set when the group was pushed within it (see ``_flags`` for the order).

    Cutoffs are nested (within 30 days is within 90), so the counts per cutoff split
    each stored group into "within the shortest", "within the next but not the
    shortest"... and "within none".
    """
    first = len(FLAG_BITS)
    cutoffs = sum(1 for flag in plan.flags if flag.name.startswith("pushed_"))
    groups: list[tuple[int, int]] = []
    for flags, n, *within in rows:
        counts = [int(w or 0) for w in within[:cutoffs]]
        previous, bits = 0, int(flags)
        for index, count in enumerate(counts):
            # Pushed within cutoff ``index`` and every longer one.
            pushed = sum(1 << (first + later) for later in range(index, cutoffs))
            if count - previous:
                groups.append((bits | pushed, count - previous))
            previous = count
        if n - previous:
            groups.append((bits, n - previous))
    return groups


@dataclass(frozen=True)
class _PageSpec:
    sort: _Sort
    key_sql: str
    key_params: list[Any]
    cursor: Cursor | None
    limit: int
    offset: int


def _flag_facets(plan: _Plan) -> set[str]:
    return {_facet_of_flag(flag.name) for flag in plan.flags}


@dataclass
class _Counts:
    total: int
    facets: dict[str, list[FacetValue]]
    # The page's ids when the counts' statement gave them too (see _facet_statement).
    ids: list[int] | None = None


def _unfiltered(plan: _Plan, facets: Sequence[str]) -> _Counts:
    """The counts with no words and no filter: a scan of the whole index, kept in the
    shared ``figures`` cache (every facet at once, in the active language)."""
    # A query with nothing chosen: the counts must not depend on the asker's filters.
    neutral = SearchQuery(
        include_gone=plan.query.include_gone, include_hidden=plan.query.shows_hidden
    )
    bare = replace(
        plan, query=neutral, match=None, conditions={}, wanted={}, base=_all([_gone(neutral)])
    )
    name = (
        f"search.unfiltered.{get_language() or 'none'}."
        f"{int(neutral.include_gone)}.{int(neutral.include_hidden)}"
    )
    # Every facet at once (one pass more than some ask for): one entry serves them all.
    counts = cached_statistic(
        name, lambda: _counted(bare, FACETS), max_age=UNFILTERED_MAX_AGE, follows_index=True
    )
    return _Counts(
        total=counts.total,
        facets={n: list(counts.facets[n]) for n in facets if n in counts.facets},
    )


def count_unfiltered(languages: Sequence[str]) -> None:
    """Count the list's unfiltered counts (the default view: no gone, no hidden) in each
    of ``languages``: what ``refresh_figures`` calls, so no visitor pays for them."""
    # The hierarchy as it is now, not as this process cached it before storing data.
    forget_directory()
    now = timezone.now().replace(second=0, microsecond=0)
    for language in languages:
        with override(language):
            plan = _plan(SearchQuery(), now)
            _unfiltered(plan, FACETS)


def _count(plan: _Plan, facets: Sequence[str], page: _PageSpec | None = None) -> _Counts:
    """The total and the facet counts; with ``page`` (words only, never cached), that
    page's ids from the same statement."""
    if page is not None:
        assert plan.match is not None
        return _count_rows(plan, facets, page)
    if not plan.match and not plan.conditions:
        return _unfiltered(plan, facets)
    if not plan.match:
        # Filters without words read a large share of the index: such counts are
        # statistics like the unfiltered ones, kept in this process (labels included,
        # hence the language) until the figures' generation moves.
        key = (
            "communs.search.counts."
            + sha256(
                repr(
                    (
                        current_generation(),
                        get_language(),
                        sorted(plan.query.filters.items()),
                        plan.query.include_gone,
                        plan.query.shows_hidden,
                        facets,
                    )
                ).encode()
            ).hexdigest()
        )
        return cache.get_or_set(key, lambda: _count_filtered(plan, facets), STATISTICS_TTL)
    return _count_filtered(plan, facets)


def _count_filtered(plan: _Plan, facets: Sequence[str]) -> _Counts:
    if not plan.match and len(plan.conditions) == 1 and not plan.wanted:
        # One filter, on a grouped facet: that facet's counts (every filter but its
        # own) are the unfiltered ones, already cached; the rest are counted.
        (name,) = plan.conditions
        if name in facets:
            values = _unfiltered(plan, (name,)).facets[name]
            chosen = getattr(plan.query, name)
            # A chosen value past the FACET_LIMIT most frequent is not among the cached
            # ones: its count is then read with the others.
            if any(v.value == chosen for v in values):
                counts = _counted(plan, [f for f in facets if f != name])
                counts.facets[name] = _ranked(list(values), chosen)
                return counts
    return _counted(plan, facets)


def _count_rows(plan: _Plan, facets: Sequence[str], page: _PageSpec | None = None) -> _Counts:
    """Run the facet statement and add its groups up."""
    statement, answered_by = _facet_statement(plan, facets, page)
    branches = {"flags"} if any(name in _flag_facets(plan) for name in facets) else set()
    with connection.cursor() as cursor:
        cursor.execute(statement.text, statement.params)
        rows = cursor.fetchall()
    index_of = {flag.name: index for index, flag in enumerate(plan.flags)}
    # Each wanted flag as (its facet, its bit, the value asked for).
    wanted = [(_facet_of_flag(n), 1 << index_of[n], v) for n, v in plan.wanted.items()]

    def holds(bits: int, skip_facet: str | None) -> bool:
        return all(bool(bits & bit) == value for f, bit, value in wanted if f != skip_facet)

    by_branch: dict[str, list[tuple]] = {}
    for row in rows:
        by_branch.setdefault(row[0], []).append(row[1:])
    # The flags branch gives the total under the yes/no filters; without it, every
    # other branch but a facet's own reads all the filters: any of them does.
    groups = _flag_groups(plan, [row[4:] for row in by_branch.get("flags", [])])
    if "flags" in branches:
        total = sum(n for bits, n in groups if holds(bits, None))
    else:
        label = next((b for b in ("values", "owners", "count") if b in by_branch), "")
        # A branch without GROUP BY answers one row even when nothing matches, and
        # SUM over no row is NULL.
        total = sum(row[5] or 0 for row in by_branch.get(label, []))
    result: dict[str, list[FacetValue]] = {}
    for name in facets:
        if name in FLAG_FILTERS or name == "free":
            bit = 1 << index_of[name]
            yes = sum(n for bits, n in groups if holds(bits, name) and bits & bit)
            no = sum(n for bits, n in groups if holds(bits, name) and not bits & bit)
            result[name] = _flag_values(name, yes, no)
        elif name == "pushed_within":
            days = [int(f.name.split("_")[1]) for f in plan.flags if f.name.startswith("pushed_")]
            result[name] = [
                FacetValue(
                    str(day),
                    _("Pushed in the last %(days)s days") % {"days": day},
                    sum(
                        n
                        for bits, n in groups
                        if holds(bits, name) and bits & 1 << index_of[f"pushed_{day}"]
                    ),
                )
                for day in days
            ]
        elif name in answered_by:
            counted: dict[tuple, int] = {}
            rows_of = by_branch.get(answered_by[name], [])
            for language, license, forge, account, _flags, n, *_within in rows_of:
                key = {
                    "language": (language,),
                    "license": (license,),
                    "forge": (forge,),
                }.get(name, (account, forge))
                counted[key] = counted.get(key, 0) + n
            result[name] = _grouped_facet(name, counted, plan)
    ids = None
    if page is not None:
        # (position, id): the position is in the count column, the id in the account's.
        ids = [int(row[3]) for row in sorted(by_branch.get("page", []), key=lambda row: row[5])]
    return _Counts(total=total, facets=result, ids=ids)


def _grouped_facet(name: str, counted: dict[tuple, int], plan: _Plan) -> list[FacetValue]:
    if name in ("license", "language"):
        return _value_facet(name, [(key[0], n) for key, n in counted.items()], plan.query)
    if name == "forge":
        hosts = plan.directory.forge_host
        # A forge added since the directory was cached is left out until it is read again
        # (within DIRECTORY_TTL), rather than failing the page.
        values = [
            FacetValue(hosts[key[0]], hosts[key[0]], n)
            for key, n in counted.items()
            if key[0] in hosts
        ]
        return _ranked(values, plan.query.forge)
    return _organisation_facet(name, counted, plan)


def _flag_values(name: str, yes: int, no: int) -> list[FacetValue]:
    labels = {
        "fork": (_("Forks only"), _("Without forks")),
        "archived": (_("Archived only"), _("Without archived")),
        "template": (_("Templates only"), _("Without templates")),
        "publiccode": (_("With publiccode.yml"), _("Without publiccode.yml")),
        "contributing": (_("With a contribution guide"), _("Without a contribution guide")),
    }
    if name == "free":
        return [FacetValue("1", _("Free licences only (OSI or FSF)"), yes)]
    only, exclude = labels[name]
    return [FacetValue("only", only, yes), FacetValue("exclude", exclude, no)]


def _ranked(values: list[FacetValue], chosen: str) -> list[FacetValue]:
    """Most frequent first, at most ``FACET_LIMIT``; the chosen value always offered."""
    values.sort(key=lambda v: (-v.count, v.label.casefold(), v.value))
    kept = [v for v in values if v.count][:FACET_LIMIT]
    if chosen and chosen not in {v.value for v in kept}:
        found = [v for v in values if v.value == chosen]
        kept.append(found[0] if found else FacetValue(chosen, chosen, 0))
    return kept


def license_label(value: str) -> str:
    if value in ("", UNKNOWN_LICENSE):
        return pgettext("licence", "Unknown")
    if value == OTHER_LICENSE:
        return _("Other (not identified)")
    return value


def _value_facet(name: str, rows: list[tuple[str, int]], query: SearchQuery) -> list[FacetValue]:
    values = []
    for text, n in rows:
        value = text or ""
        if name == "license":
            # Repositories without a licence are a choice of their own, under a reserved value.
            values.append(FacetValue(value or UNKNOWN_LICENSE, license_label(value), n))
        elif value:  # an unknown language is not offered as a choice
            values.append(FacetValue(value, value, n))
    return _ranked(values, getattr(query, name))


def _organisation_facet(name: str, counted: dict[tuple, int], plan: _Plan) -> list[FacetValue]:
    """Counts per organisation, sub-organisations included; ministries only for ``ministry``.

    ``counted`` is keyed by owner, ``(account id, forge id)``: the account's organisation
    owns the repository, or the forge's when there is no account.
    """
    found = plan.directory
    own: dict[int, int] = {}
    for (account, forge), n in counted.items():
        if account is not None:
            organisation = found.account_organisation.get(account)
        else:
            organisation = found.forge_organisation.get(forge or 0)
        if organisation is not None:
            own[organisation] = own.get(organisation, 0) + n
    total: dict[int, int] = {}
    for organisation, n in own.items():
        for node in found.lineage(organisation):
            total[node] = total.get(node, 0) + n
    values = [
        FacetValue(found.key[pk], found.name[pk], n)
        for pk, n in total.items()
        if name == "organisation" or pk in found.ministry_ids
    ]
    chosen = getattr(plan.query, name)
    ranked = _ranked(values, chosen)
    # A chosen key is shown with its name when the organisation exists.
    names = {found.key[pk]: found.name[pk] for pk in found.key}
    return [
        FacetValue(v.value, names.get(v.value, v.label), v.count) if v.count == 0 else v
        for v in ranked
    ]


# -- sorts and pages --------------------------------------------------------------------


@dataclass(frozen=True)
class _Sort:
    column: str | None  # None: the relevance score
    descending: bool
    nullable: bool = False


_SORTS = {
    "relevance": _Sort(None, True),
    "pushed": _Sort("s.pushed_at", True, nullable=True),
    "created": _Sort("s.created_at", True, nullable=True),
    # The code.gouv.fr score (provisional before an analysis); none yet sorts last.
    "score": _Sort("s.codegouv_score", True, nullable=True),
    "stars": _Sort("s.stars", True),
    "forks": _Sort("s.forks", True),
    "name": _Sort("s.name_key", False),
}


def _order(plan: _Plan, sort: _Sort, key_sql: str) -> str:
    if sort.descending:
        direction = plan.backend.desc_nulls_last if sort.nullable else "DESC"
        return f"{key_sql} {direction}, s.id DESC"
    return f"{key_sql} ASC, s.id ASC"


def _after(sort: _Sort, key_sql: str, key_params: list[Any], cursor: Cursor) -> Sql:
    """Rows strictly after the cursor's row in the sort's order."""
    if not sort.descending:
        return Sql(
            f"{key_sql} > %s OR ({key_sql} = %s AND s.id > %s)",
            [*key_params, cursor.key, *key_params, cursor.key, cursor.id],
        )
    if cursor.key is None:  # among the unknowns, which come last
        return Sql(f"{key_sql} IS NULL AND s.id < %s", [*key_params, cursor.id])
    text = f"{key_sql} < %s OR ({key_sql} = %s AND s.id < %s)"
    params = [*key_params, cursor.key, *key_params, cursor.key, cursor.id]
    if sort.nullable:
        text += f" OR {key_sql} IS NULL"
        params += key_params
    return Sql(text, params)


def _cursor_key(value: Any) -> Any:
    if isinstance(value, datetime):
        return value
    if isinstance(value, float | int | str) or value is None:
        return value
    return str(value)


def search_repositories(query: SearchQuery) -> SearchResult:
    """The repositories matching ``query``: one page, the total and the facet counts.

    Raises :class:`InvalidCursor` for a cursor this search did not make (the API
    answers 400); everything else in a query gives an answer. A page number past the
    end gives the last page. Two statements: the counts (cached when nothing is
    filtered), then the page (which the sort indexes serve when there are no words);
    one with words on PostgreSQL (see ``_facet_statement``), in a transaction of its
    own there (``Backend.settings``: no JIT, a statement timeout).
    """
    backend = current_backend()
    if not backend.transactional:
        return _search(query)
    with transaction.atomic():
        with connection.cursor() as cursor:
            for statement in backend.settings():
                cursor.execute(statement)
        return _search(query)


def _search(query: SearchQuery) -> SearchResult:
    # To the minute: "pushed within N days" need not be finer, and counts cached for
    # the same filters then read the same cutoffs.
    plan = _plan(query, timezone.now().replace(second=0, microsecond=0))
    sort_name = query.effective_sort
    sort = _SORTS[sort_name]
    cursor = None
    if query.cursor and query.cursor != START:
        cursor = decode_cursor(query.cursor, sort_name)
    if sort.column is None:
        assert plan.match is not None  # effective_sort gives relevance only with words
        key_sql, key_params = plan.match.score, list(plan.match.score_params)
    else:
        key_sql, key_params = sort.column, []
    per_page = query.per_page
    # One more row than shown tells a cursor whether another page follows.
    limit = per_page + 1 if query.cursor else per_page
    page = max(query.page, 1) if not query.cursor else 1
    spec = _PageSpec(sort, key_sql, key_params, cursor, limit, (page - 1) * per_page)
    facets = tuple(dict.fromkeys(f for f in query.facets if f))
    found = _from_word_index(plan, spec, facets, page, sort_name)
    if found is not None:
        return found
    if cursor is not None and isinstance(cursor.key, WordScore):
        # Its scores are the word index's, which cannot answer now (too many changes
        # pending, or turned off): the statements' scores are not comparable.
        raise InvalidCursor("made by the word index, which cannot answer now: start again")

    # With words, PostgreSQL gathers the matching rows once for the counts and the
    # page: reading them is most of a search's time (see _facet_statement).
    together = plan.match is not None and plan.backend.materialise
    counts = _count(plan, facets, spec if together else None)
    pages = max(1, ceil(counts.total / per_page))
    ids = counts.ids
    if page > pages:
        # Past the end (a shared link, a typed URL): show the last page.
        page = pages
        spec = _PageSpec(sort, key_sql, key_params, cursor, limit, (page - 1) * per_page)
        ids = None
    if ids is None:
        ids = _page_ids(plan, spec)

    next_cursor = None
    if query.cursor and len(ids) > per_page:
        ids = ids[:per_page]
        next_cursor = encode_cursor(Cursor(sort_name, _key_of(plan, spec, ids[-1]), ids[-1]))
    return _result(ids, counts.total, counts.facets, next_cursor, page, pages, per_page, sort_name)


def _result(
    ids: list[int],
    total: int,
    facets: dict[str, list[FacetValue]],
    next_cursor: str | None,
    page: int,
    pages: int,
    per_page: int,
    sort: str,
) -> SearchResult:
    """The answer, with the page's repositories read (the only wide rows a search reads)."""
    rows = Repository.objects.select_related("forge", "account__organisation").in_bulk(ids)
    return SearchResult(
        items=[rows[pk] for pk in ids if pk in rows],
        total=total,
        facets=facets,
        next_cursor=next_cursor,
        page=page,
        pages=pages,
        per_page=per_page,
        sort=sort,
    )


# -- the word index (see wordindex): words, coded facets and filters, relevance --------


def _word_terms(plan: _Plan) -> list[wordindex.Term]:
    """The query's words as the word index matches them: every word whole (or one of its
    near words), the last as a prefix, as the backend's own match does."""
    found = []
    for word in plan.terms.exact:
        found.append(wordindex.Term((word, *plan.near.get(word, ()))))
    prefix = plan.terms.prefix
    found.append(wordindex.Term(tuple(plan.near.get(prefix, ())), prefix))
    return found


def _match_masks(
    plan: _Plan, matches: wordindex.Matches, table: wordindex.CodeTable
) -> dict[str, np.ndarray]:
    """Per filter, which matches it keeps (one bool per match)."""
    query = plan.query
    masks: dict[str, np.ndarray] = {}
    for name in plan.conditions:
        if name == "language":
            kept = table.language == _index_of(table.languages, query.language)
        elif name == "license":
            value = "" if query.license == UNKNOWN_LICENSE else query.license
            kept = table.license == _index_of(table.licenses, value)
        elif name == "forge":
            ids = [pk for pk, host in plan.directory.forge_host.items() if host == query.forge]
            kept = np.isin(table.forge, ids)
        elif name in ("organisation", "ministry"):
            # Which distinct owners it keeps, then each match through its owner's place.
            allowed = np.isin(matches.owner_keys, _owner_keys(plan, name))
            masks[name] = allowed[matches.owner_index]
            continue
        elif name == "pushed_within":
            cutoff = plan.now - timedelta(days=query.pushed_within or 0)
            masks[name] = matches.pushed >= int(cutoff.timestamp())
            continue
        elif name == "score":
            masks[name] = matches.scores >= (query.min_score or 0)
            continue
        else:  # a yes/no property, from the code's flags
            bit = 1 << FLAG_BITS.index(name)
            kept = ((table.flags & bit) != 0) == plan.wanted[name]
        masks[name] = kept[matches.codes]
    return masks


def _owner_keys(plan: _Plan, name: str) -> list[int]:
    """The owners (``wordindex.owner_key``) of an organisation or ministry filter: its
    organisations' accounts, and their forges for repositories without an account."""
    found = plan.directory
    organisations = set(_chosen_organisations(found, plan.query, name))
    accounts = [a for a, o in found.account_organisation.items() if o in organisations]
    forges = [f for f, o in found.forge_organisation.items() if o in organisations]
    return accounts + [wordindex.owner_key(None, forge) for forge in forges]


def _index_of(values: list[str], value: str) -> int:
    try:
        return values.index(value)
    except ValueError:
        return -1  # no code names it: nothing kept


def _from_word_index(
    plan: _Plan, spec: _PageSpec, facets: Sequence[str], page: int, sort: str
) -> SearchResult | None:
    """A words search answered from the word index (``wordindex``): the total and every
    facet counted over its matches' arrays (``bincount`` over codes and owners), and for
    the relevance sort the page too (``argpartition``), with no row read per match.
    Other sorts take their page from the statements. None when there is no usable
    segment: the statements then answer it all.
    """
    if plan.match is None:
        return None
    relevance = spec.sort.column is None
    if relevance and spec.cursor is not None and not isinstance(spec.cursor.key, WordScore):
        return None  # a key the statements gave: they answer it
    found = wordindex.find(_word_terms(plan))
    if found is None:
        return None
    matches = found
    counted, chosen = _index_counts(plan, matches, facets)
    total = int(chosen.sum())
    per_page = plan.query.per_page
    pages = max(1, ceil(total / per_page))
    if not plan.query.cursor:
        # Past the end (a shared link, a typed URL): the last page, as the statements do.
        page = min(page, pages)
    spec = replace(spec, offset=0 if plan.query.cursor else (page - 1) * per_page)
    if not relevance:
        ids = _page_ids(plan, spec)
        next_cursor = None
        if plan.query.cursor and len(ids) > per_page:
            ids = ids[:per_page]
            key = _key_of(plan, spec, ids[-1])
            next_cursor = encode_cursor(Cursor(sort, key, ids[-1]))
        return _result(ids, total, counted, next_cursor, page, pages, per_page, sort)
    ids, scores = matches.ids[chosen], found.relevance[chosen]
    after = None
    if spec.cursor is not None:
        assert isinstance(spec.cursor.key, WordScore)
        after = (spec.cursor.key.value, spec.cursor.id)
    positions = postings.best(scores, ids, spec.offset + spec.limit, after)[spec.offset :]
    page_ids = [int(pk) for pk in ids[positions]]
    next_cursor = None
    if plan.query.cursor and len(page_ids) > per_page:
        page_ids = page_ids[:per_page]
        last = positions[per_page - 1]
        next_cursor = encode_cursor(Cursor(sort, WordScore(float(scores[last])), int(ids[last])))
    return _result(page_ids, total, counted, next_cursor, page, pages, per_page, sort)


def _index_counts(
    plan: _Plan, matches: wordindex.Matches, facets: Sequence[str]
) -> tuple[dict[str, list[FacetValue]], np.ndarray]:
    """Every facet's values over ``matches`` (each under every filter but its own), and
    which matches the list shows (every filter, gone and hidden ones left out)."""
    table = wordindex.code_table(matches.codes)
    visible = np.ones(table.size, bool)
    if not plan.query.include_gone:
        visible &= ~table.gone
    if not plan.query.shows_hidden:
        visible &= (table.flags & (1 << FLAG_BITS.index("hidden"))) == 0
    shown = visible[matches.codes]
    masks = _match_masks(plan, matches, table)

    def kept(skip: str | None) -> np.ndarray:
        keep = shown.copy()
        for name, mask in masks.items():
            if name != skip:
                keep &= mask
        return keep

    counted = {name: _index_facet(name, plan, matches, table, kept(name)) for name in facets}
    return counted, kept(None)


def _counted(plan: _Plan, facets: Sequence[str]) -> _Counts:
    """The counts of a search without words: over every document of the word index when
    it has a usable segment (arrays, a few milliseconds a million), else the statements."""
    if plan.match is None:
        everything = wordindex.find_all()
        if everything is not None:
            counted, chosen = _index_counts(plan, everything, facets)
            return _Counts(total=int(chosen.sum()), facets=counted)
    return _count_rows(plan, facets)


def _index_facet(
    name: str,
    plan: _Plan,
    matches: wordindex.Matches,
    table: wordindex.CodeTable,
    keep: np.ndarray,
) -> list[FacetValue]:
    """One facet's values over the matches ``keep`` holds (every filter but its own)."""
    if name in ("organisation", "ministry"):
        keys = matches.owner_keys
        counts = np.bincount(matches.owner_index[keep], minlength=len(keys))
        by_owner = {
            (int(keys[i]), None) if keys[i] >= 0 else (None, -1 - int(keys[i])): int(n)
            for i, n in enumerate(counts)
            if n
        }
        return _organisation_facet(name, by_owner, plan)
    if name == "pushed_within":
        pushed = matches.pushed[keep]
        days = [int(f.name.split("_")[1]) for f in plan.flags if f.name.startswith("pushed_")]
        return [
            FacetValue(
                str(day),
                _("Pushed in the last %(days)s days") % {"days": day},
                int((pushed >= int((plan.now - timedelta(days=day)).timestamp())).sum()),
            )
            for day in days
        ]
    per_code = np.bincount(matches.codes[keep], minlength=table.size)
    if name in ("language", "license"):
        labels = table.languages if name == "language" else table.licenses
        sums = np.bincount(getattr(table, name), weights=per_code, minlength=len(labels))
        return _value_facet(
            name, [(labels[i], int(n)) for i, n in enumerate(sums) if n], plan.query
        )
    if name == "forge":
        forges, where = np.unique(table.forge, return_inverse=True)
        sums = np.bincount(where, weights=per_code, minlength=len(forges))
        by_forge = {(int(forges[i]),): int(n) for i, n in enumerate(sums) if n}
        return _grouped_facet(name, by_forge, plan)
    holding = (table.flags & (1 << FLAG_BITS.index(name))) != 0
    yes = int(per_code[holding].sum())
    return _flag_values(name, yes, int(per_code.sum()) - yes)


# A relevance page read from the words alone looks at this many more of the best
# matches than it shows, for the ones the list leaves out (gone, hidden): a few percent.
RELEVANCE_MARGIN = 200
# Past this row, a relevance page is read the usual way.
RELEVANCE_WINDOW = 1_000


def _relevance_page(plan: _Plan, spec: _PageSpec) -> list[int] | None:
    """A relevance page with words and no filter, on a backend that ranks from its
    words alone (SQLite): the best matches first, then which of them the list shows.

    Exact: the visible rows in the score's order are the first rows of all the
    matches in that order, once the invisible ones are dropped; the window grows
    until it holds the whole page. None when this does not apply.
    """
    if plan.match is None or plan.conditions or spec.cursor is not None:
        return None
    wanted = spec.offset + spec.limit
    if spec.sort.column is not None or wanted > RELEVANCE_WINDOW:
        return None
    hidden = _gone(plan.query)
    window = wanted + RELEVANCE_MARGIN
    with connection.cursor() as db:
        while True:
            best = plan.backend.best_ids(db, REPOSITORY, plan.match, window)
            if best is None:
                return None
            shown = set(best)
            if hidden.text:
                marks = ", ".join(["%s"] * len(best))
                db.execute(
                    f"SELECT s.id FROM {REPOSITORY.entry_table} AS s "  # noqa: S608
                    f"WHERE s.id IN ({marks}) AND {hidden.text}",
                    [*best, *hidden.params],
                )
                shown = {int(row[0]) for row in db.fetchall()}
            visible = [pk for pk in best if pk in shown]
            if len(visible) >= wanted or len(best) < window:
                return visible[spec.offset : spec.offset + spec.limit]
            window *= 4
            if window > RELEVANCE_WINDOW * 16:
                return None  # mostly left out: the usual way reads less


def _page_ids(plan: _Plan, spec: _PageSpec) -> list[int]:
    ids = _relevance_page(plan, spec)
    if ids is not None:
        return ids
    conditions = [plan.base, plan.everything()]
    if spec.cursor is not None:
        conditions.append(_after(spec.sort, spec.key_sql, spec.key_params, spec.cursor))
    where = _all(conditions)
    source = plan.source
    statement = Sql(
        f"SELECT s.id FROM {source.text} WHERE {where.text} "  # noqa: S608
        f"ORDER BY {_order(plan, spec.sort, spec.key_sql)} LIMIT %s OFFSET %s",
        [*source.params, *where.params, *spec.key_params, spec.limit, spec.offset],
    )
    with connection.cursor() as db:
        db.execute(statement.text, statement.params)
        return [int(row[0]) for row in db.fetchall()]


def _key_of(plan: _Plan, spec: _PageSpec, pk: int) -> Any:
    """The sort key of row ``pk``, as the database holds it (for an exact keyset)."""
    source = plan.source
    one = Sql(*plan.backend.one_match(REPOSITORY, pk)) if plan.match else Sql()
    where = _all([plan.base, Sql("s.id = %s", [pk]), one])
    with connection.cursor() as db:
        db.execute(
            f"SELECT {spec.key_sql} FROM {source.text} WHERE {where.text}",  # noqa: S608
            [*spec.key_params, *source.params, *where.params],
        )
        row = db.fetchone()
    return _cursor_key(row[0]) if row else None
