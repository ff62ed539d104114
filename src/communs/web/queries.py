"""The data behind the public pages, as plain query functions.

Views render what these return; the JSON API is meant to call the same functions, so a
figure on a page and in the API cannot disagree. Every function does a fixed number of
queries whatever the number of rows: figures are SQL aggregates, lists are filtered,
sorted and paged in SQL, and related rows come through ``select_related``.

A repository whose forge no longer lists it (``gone_since`` set) is kept but left out
of figures and lists, unless a filter asks for it; its own page still answers.

Statistics over the whole index (the home page's figures, the counts the filters offer,
repositories per organisation) are each a scan of every repository, too slow to repeat
on every page at a hundred thousand rows: they are counted once per data change and
shared by every process (``communs.figures``). Lists and filtered counts are never
cached.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from django.core.paginator import Page, PageNotAnInteger, Paginator
from django.db.models import (
    Count,
    F,
    IntegerField,
    OrderBy,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Lower
from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

from communs import search
from communs.figures import cached_statistic
from communs.repositories.models import Repository
from communs.search.query import MAX_PAGE, SearchQuery, SearchResult, parse_params

# The licence filter's value for repositories whose licence nobody identified: the
# search's own, named here too for the figures that list licences by value.
from communs.search.query import UNKNOWN_LICENSE as UNKNOWN_LICENSE
from communs.search.text import clean_text
from communs.sources.models import Account, Forge, Organisation
from communs.web.present import LAST_PAGE, parse_page_number

PER_PAGE = 50
# Longest list offered in a filter's drop-down: the most frequent values come first.
FACET_LIMIT = 150
# What forges send when a licence exists but is not one they recognise.
OTHER_LICENSE = "NOASSERTION"


def present_repositories() -> QuerySet[Repository]:
    """Repositories still listed on their forge."""
    return Repository.objects.filter(gone_since__isnull=True)


# -- figures --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SiteFigures:
    """The headline figures of the index, each from one SQL aggregate."""

    repositories: int
    licensed: int
    forks: int
    archived: int
    stars: int
    organisations: int
    ministries: int
    forges: int
    accounts: int

    @property
    def licensed_percent(self) -> float:
        """Share of repositories with an identified licence, in percent (0 when empty)."""
        return 100 * self.licensed / self.repositories if self.repositories else 0.0


def site_figures() -> SiteFigures:
    return cached_statistic("figures", _count_site_figures)


def _count_site_figures() -> SiteFigures:
    repositories = present_repositories().aggregate(
        total=Count("pk"),
        licensed=Count("pk", filter=~Q(license="") & ~Q(license=OTHER_LICENSE)),
        forks=Count("pk", filter=Q(is_fork=True)),
        archived=Count("pk", filter=Q(is_archived=True)),
        stars=Coalesce(Sum("stars"), 0),
    )
    organisations = Organisation.objects.aggregate(
        total=Count("pk"),
        ministries=Count("pk", filter=Q(level=Organisation.Level.MINISTRY)),
    )
    return SiteFigures(
        repositories=repositories["total"],
        licensed=repositories["licensed"],
        forks=repositories["forks"],
        archived=repositories["archived"],
        stars=repositories["stars"],
        organisations=organisations["total"],
        ministries=organisations["ministries"],
        # Ignored forges and accounts are no longer harvested: they are not "followed".
        forges=Forge.objects.filter(ignored_since__isnull=True).count(),
        accounts=Account.objects.filter(ignored_since__isnull=True).count(),
    )


def newest_repositories(limit: int = 10) -> list[Repository]:
    """The repositories Communs saw first most recently."""
    return list(
        present_repositories().select_related("forge").order_by("-first_seen_at", "-pk")[:limit]
    )


def recently_pushed_repositories(limit: int = 10) -> list[Repository]:
    return list(
        present_repositories()
        .filter(pushed_at__isnull=False)
        .select_related("forge")
        .order_by("-pushed_at", "-pk")[:limit]
    )


def value_counts(field_name: str) -> list[tuple[str, int]]:
    """The most frequent values of ``language`` or ``license``, most first, as
    ``(value, count)``; the empty value (unknown) is one of them. At most
    ``FACET_LIMIT`` + 1 values: the long tail is not worth a drop-down entry."""
    if field_name not in {"language", "license"}:
        raise ValueError(f"no value counts for {field_name!r}")

    def count() -> list[tuple[str, int]]:
        counted = (
            present_repositories()
            .values_list(field_name)
            .annotate(n=Count("pk"))
            .order_by("-n", field_name)
        )
        return [(value, n) for value, n in counted[: FACET_LIMIT + 1]]

    return cached_statistic(f"counts.{field_name}", count)


def top_values(field_name: str, limit: int) -> list[tuple[str, int]]:
    """The ``limit`` most frequent known values of ``language`` or ``license``."""
    return [(value, n) for value, n in value_counts(field_name) if value][:limit]


def forge_counts() -> list[tuple[str, int]]:
    """Forges that hold present repositories, by host, with how many."""

    def count() -> list[tuple[str, int]]:
        counted = (
            present_repositories()
            .values_list("forge__host")
            .annotate(n=Count("pk"))
            .order_by("forge__host")
        )
        return list(counted)

    return cached_statistic("counts.forge", count)


# -- repository list ------------------------------------------------------------------
# What the list asks and how it is read from the query string is ``communs.search``'s
# (``parse_params``, ``search_repositories``), shared with the API: only the labels of
# its sorts and its page numbers are the pages' own.

# The search's sorts (``communs.search.query.SORTS``) as the list's drop-down names them.
SEARCH_SORT_LABELS: dict[str, Promise] = {
    "relevance": pgettext_lazy("sort", "Relevance"),
    "pushed": pgettext_lazy("sort", "Last push"),
    "score": pgettext_lazy("sort", "Best score"),
    "stars": pgettext_lazy("sort", "Most stars"),
    "forks": pgettext_lazy("sort", "Most forks"),
    "name": pgettext_lazy("sort", "Name"),
    "created": pgettext_lazy("sort", "Newest created"),
}
# The last push first, as the list's default sort; the key orders ties so that pages
# never overlap or skip a row.
LAST_PUSH_FIRST = (F("pushed_at").desc(nulls_last=True), "-pk")


class _Counted:
    """Stands for ``total`` rows, so that a ``Paginator`` can number the pages."""

    def __init__(self, total: int) -> None:
        self.total = total

    def count(self) -> int:
        return self.total


@dataclass(frozen=True, slots=True)
class RepositorySearchPage:
    """What the repository list shows: the question, the answer, and a page to render."""

    query: SearchQuery
    result: SearchResult
    page: Page

    @property
    def sort_label(self) -> str:
        return str(SEARCH_SORT_LABELS[self.result.sort])


def repository_search(params: Mapping[str, str]) -> RepositorySearchPage:
    """The list page's search (``communs.search``) for query-string ``params``.

    Page numbers follow ``page_of``: none is the first page, ``last`` or a number past
    the end the last one, and anything else raises ``PageNotAnInteger`` (the view
    answers 404). Every other parameter is read by ``communs.search.parse_params``.
    """
    number = 1
    raw_number = params.get("page")
    if raw_number not in (None, ""):
        parsed = parse_page_number(raw_number)
        if parsed is None:
            raise PageNotAnInteger(raw_number)
        number = MAX_PAGE if parsed == LAST_PAGE else parsed
    query = replace(parse_params(params), page=number, per_page=PER_PAGE, cursor="")
    result = search.search_repositories(query)
    page = Page(result.items, result.page, Paginator(_Counted(result.total), result.per_page))
    return RepositorySearchPage(query=query, result=result, page=page)


def repository_detail_queryset() -> QuerySet[Repository]:
    """Every repository, gone ones included, with what its page shows alongside."""
    return Repository.objects.select_related(
        "forge", "forge__organisation", "account", "account__organisation"
    )


# -- organisations --------------------------------------------------------------------


def _count(rows: QuerySet, group: str) -> Coalesce:
    """A correlated ``COUNT`` of ``rows`` grouped by ``group``, 0 when there are none."""
    counted = rows.order_by().values(group).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def with_account_and_child_counts(
    organisations: QuerySet[Organisation],
) -> QuerySet[Organisation]:
    """Annotate ``account_count`` and ``child_count`` (small tables, indexed: cheap)."""
    return organisations.annotate(
        account_count=_count(Account.objects.filter(organisation=OuterRef("pk")), "organisation"),
        child_count=_count(Organisation.objects.filter(parent=OuterRef("pk")), "parent"),
    )


def organisation_children_map() -> dict[int, list[int]]:
    """Each organisation's direct children, by primary key, from one query.

    Organisations number in the thousands at most, so reading their parent links once
    is cheaper and simpler than a recursive query that both databases would spell apart.
    """
    children: dict[int, list[int]] = {}
    rows = Organisation.objects.filter(parent__isnull=False).order_by().values_list("pk", "parent")
    for pk, parent_id in rows:
        children.setdefault(parent_id, []).append(pk)
    return children


def subtree_ids(root: Organisation, children: dict[int, list[int]] | None = None) -> list[int]:
    """``root`` and every organisation under it, at any depth; cycles are cut."""
    if children is None:
        children = organisation_children_map()
    found = [root.pk]
    seen = {root.pk}
    for pk in found:  # grows while we walk it: a breadth-first search
        for child in children.get(pk, ()):
            if child not in seen:
                seen.add(child)
                found.append(child)
    return found


@dataclass(frozen=True, slots=True)
class OrganisationCounts:
    """Present repositories per organisation primary key.

    ``own`` counts those of its accounts, plus those of a forge it runs that belong to
    no account; ``total`` adds every organisation under it, at any depth.
    """

    own: dict[int, int]
    total: dict[int, int]


def organisation_counts() -> OrganisationCounts:
    return cached_statistic("counts.organisation", _count_organisations)


def _count_organisations() -> OrganisationCounts:
    own: dict[int, int] = {}
    via_accounts = (
        present_repositories()
        .filter(account__organisation__isnull=False)
        .values_list("account__organisation")
        .annotate(n=Count("pk"))
        .order_by()
    )
    via_forges = (
        present_repositories()
        .filter(account__isnull=True, forge__organisation__isnull=False)
        .values_list("forge__organisation")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for rows in (via_accounts, via_forges):
        for pk, n in rows:
            own[pk] = own.get(pk, 0) + n
    return OrganisationCounts(own=own, total=_subtree_totals(own, organisation_children_map()))


def _subtree_totals(own: dict[int, int], children: dict[int, list[int]]) -> dict[int, int]:
    """Each organisation's count plus its descendants', in one walk of the hierarchy.

    A node met again while its own subtree is being summed closes a cycle (bad data):
    it adds nothing there, so every total stays finite.
    """
    total: dict[int, int] = {}
    in_progress: set[int] = set()
    for root in set(own) | set(children):
        stack: list[tuple[int, bool]] = [(root, False)]
        while stack:
            pk, children_done = stack.pop()
            if children_done:
                in_progress.discard(pk)
                total[pk] = own.get(pk, 0) + sum(
                    total.get(child, 0) for child in children.get(pk, ()) if child in total
                )
                continue
            if pk in total or pk in in_progress:
                continue
            in_progress.add(pk)
            stack.append((pk, True))
            stack.extend((child, False) for child in children.get(pk, ()))
    return total


def add_repository_counts(
    organisations: Iterable[Organisation], counts: OrganisationCounts | None = None
) -> None:
    """Set ``repository_count`` and ``subtree_repository_count`` on each organisation."""
    counts = counts or organisation_counts()
    for organisation in organisations:
        organisation.repository_count = counts.own.get(organisation.pk, 0)
        organisation.subtree_repository_count = counts.total.get(organisation.pk, 0)


@dataclass(frozen=True, slots=True)
class Sort:
    label: str
    ordering: tuple[str | OrderBy, ...]


ORGANISATION_SORTS: dict[str, Sort] = {
    "name": Sort(pgettext_lazy("sort", "Name"), (Lower("name").asc(), "pk")),
    # Sorted in Python from the cached counts (see organisation_page).
    "repositories": Sort(pgettext_lazy("sort", "Most repositories"), ()),
}


@dataclass(frozen=True, slots=True)
class OrganisationFilters:
    q: str = ""
    ministry: str = ""
    sort: str = "name"

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> OrganisationFilters:
        """From query-string parameters, cleaned as the repository search cleans its own;
        an unknown sort falls back to the name."""
        sort = clean_text(params.get("sort"), 50)
        return cls(
            q=clean_text(params.get("q"), 200),
            ministry=clean_text(params.get("ministry"), 200),
            sort=sort if sort in ORGANISATION_SORTS else "name",
        )


def ministries() -> list[Organisation]:
    return list(Organisation.objects.filter(level=Organisation.Level.MINISTRY).order_by("name"))


def search_organisations(filters: OrganisationFilters) -> QuerySet[Organisation]:
    """Organisations matching ``filters`` by name, with their parent, in name order.

    An unknown ministry key matches nothing, rather than silently listing everything.
    """
    rows = Organisation.objects.all()
    if filters.q:
        rows = rows.filter(name__icontains=filters.q)
    if filters.ministry:
        ministry = Organisation.objects.filter(key=filters.ministry).first()
        rows = rows.filter(pk__in=subtree_ids(ministry)) if ministry else rows.none()
    return rows.select_related("parent").order_by(*ORGANISATION_SORTS["name"].ordering)


def organisation_page(filters: OrganisationFilters, raw_number: str | None) -> Page:
    """The page ``raw_number`` of the organisations matching ``filters``, with their counts.

    Sorting by repositories ranks on the totals with sub-organisations (what a ministry
    is steered by). It sorts primary keys in Python: organisations number in the
    thousands, and the counts come from the cache, not from a query per organisation.
    """
    rows = search_organisations(filters)
    counts = organisation_counts()
    if filters.sort == "repositories":
        ids = list(rows.values_list("pk", flat=True))  # in name order: ties stay by name
        ids.sort(key=lambda pk: -counts.total.get(pk, 0))
        page = page_of(ids, raw_number)
        found = with_account_and_child_counts(rows).in_bulk(list(page.object_list))
        page.object_list = [found[pk] for pk in page.object_list]
    else:
        page = page_of(with_account_and_child_counts(rows), raw_number)
        page.object_list = list(page.object_list)
    add_repository_counts(page.object_list, counts)
    return page


def organisation_children(organisation: Organisation) -> list[Organisation]:
    """Its direct children, by name, with their counts."""
    children = list(
        with_account_and_child_counts(organisation.children.select_related("parent")).order_by(
            Lower("name"), "pk"
        )
    )
    add_repository_counts(children)
    return children


def organisation_accounts(organisation: Organisation) -> list[Account]:
    """Its accounts with their forge and their count of present repositories."""
    return list(
        Account.objects.filter(organisation=organisation)
        .select_related("forge")
        .annotate(
            repository_count=Count("repositories", filter=Q(repositories__gone_since__isnull=True))
        )
        .order_by("forge__host", Lower("path"))
    )


def organisation_repositories(organisation_ids: Iterable[int]) -> QuerySet[Repository]:
    """Present repositories of these organisations' accounts and of the forges they run."""
    ids = list(organisation_ids)
    # Keys first (two small queries) so that the filter is on the repository's own
    # indexed columns, rather than on joined tables that force a scan of every row.
    accounts = list(Account.objects.filter(organisation__in=ids).values_list("pk", flat=True))
    forges = list(Forge.objects.filter(organisation__in=ids).values_list("pk", flat=True))
    belongs = Q(account__in=accounts)
    if forges:
        belongs |= Q(account__isnull=True, forge__in=forges)
    return (
        present_repositories()
        .filter(belongs)
        .select_related("forge", "account__organisation")
        .order_by(*LAST_PUSH_FIRST)
    )


# -- paging ---------------------------------------------------------------------------


class KeysFirstPaginator(Paginator):
    """Fetches a page's primary keys first, then its rows with their related ones.

    Deep in a big list (``OFFSET 50000``) the database then walks the sort index alone,
    not the joined rows it would throw away: about three times faster on SQLite.
    """

    def page(self, number: int | str) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = min(bottom + self.per_page, self.count)
        keys = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        rows = self.object_list.in_bulk(keys)
        # A row deleted between the two queries is left out rather than failing the page.
        return self._get_page([rows[key] for key in keys if key in rows], number, self)


def page_of(rows: QuerySet | list, raw_number: str | None, per_page: int = PER_PAGE) -> Page:
    """The page ``raw_number`` (a query-string value) of ``rows``.

    No number is the first page; a number past the end (or ``last``) is the last page;
    anything that is not a positive number raises ``PageNotAnInteger`` (the view answers
    404). An empty list still has one, empty, page.
    """
    paginator_class = KeysFirstPaginator if isinstance(rows, QuerySet) else Paginator
    paginator = paginator_class(rows, per_page)
    if raw_number is None or raw_number == "":
        return paginator.page(1)
    number = parse_page_number(raw_number)
    if number is None:
        raise PageNotAnInteger(raw_number)
    if number == LAST_PAGE or number > paginator.num_pages:
        number = paginator.num_pages
    return paginator.page(number)
