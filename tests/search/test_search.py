"""search_repositories on the database the tests run on (SQLite, or PostgreSQL when
COMMUNS_TEST_DATABASE_URL is set): words, filters and their facet counts, sorts, pages.

Expected answers are computed again with the ORM over ``Repository`` itself, never
from the index, so a search that disagrees with the stored rows fails.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Lower
from django.utils import timezone

from communs.repositories.models import Repository
from communs.scoring import hidden_by_default, provisional_codegouv_score
from communs.search import (
    InvalidCursor,
    SearchQuery,
    index_repositories,
    search_repositories,
)
from communs.search.query import FACETS
from communs.sources.models import Organisation

from .conftest import FREE_LICENSES, Sector, make_repositories

pytestmark = pytest.mark.django_db


def found(query: SearchQuery) -> list[str]:
    """Full paths of every repository the search finds, over as many pages as it takes."""
    paths: list[str] = []
    query = replace(query, per_page=100, cursor="start")
    while True:
        result = search_repositories(query)
        paths += [repository.full_path for repository in result.items]
        if not result.next_cursor:
            return paths
        query = replace(query, cursor=result.next_cursor)


# -- words ----------------------------------------------------------------------------


@pytest.fixture
def named(sector: Sector) -> None:
    account = sector.directorate_account
    for name, description in (
        ("École numérique", "Plateforme des écoles"),
        ("ecole-outils", "Outils pour la cantine"),
        ("cartes", "Cartographie des équipements sportifs"),
        ("Œuvres", "Catalogue des œuvres d'art"),
        ("budget", "Le budget participatif"),
    ):
        repository = Repository.objects.create(
            forge=account.forge,
            account=account,
            name=name,
            full_path=f"{account.path}/{name}",
            url=f"https://github.com/{account.path}/{name}",
            description=description,
        )
        index_repositories([repository.pk])


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("ecole", {"École numérique", "ecole-outils"}),
        ("ÉCOLE", {"École numérique", "ecole-outils"}),
        ("école", {"École numérique", "ecole-outils"}),
        ("ecoles", {"École numérique"}),  # "écoles" in the description
        ("oeuvres", {"Œuvres"}),
        ("œuvre", {"Œuvres"}),  # a prefix, with a ligature
        ("carto", {"cartes"}),  # the last word is a prefix
        ("ipemen", set()),  # but not any substring
        ("cartographie equipements", {"cartes"}),
        ("equipements cartographie", {"cartes"}),
        ("cartographie cantine", set()),  # every word must match
        ("direction-numerique budget", {"budget"}),  # the path's words count
        ("numerique", {"École numérique", "ecole-outils", "cartes", "Œuvres", "budget"}),
    ],
)
def test_it_finds_words_without_accents_case_or_whole_last_word(
    named: None, q: str, expected: set[str]
) -> None:
    result = search_repositories(SearchQuery(q=q))
    assert {repository.name for repository in result.items} == expected
    assert result.total == len(expected)


def test_it_finds_the_organisation_topics_and_language(sector: Sector) -> None:
    repository = Repository.objects.create(
        forge=sector.gitlab,
        name="outil",
        full_path="groupe/outil",
        url="https://gitlab.exemple.gouv.fr/groupe/outil",
        language="Rust",
        topics=["open-data", "mobilité"],
    )
    index_repositories([repository.pk])
    for q in ("laboratoire innovation", "mobilite", "open data", "rust"):
        assert [r.pk for r in search_repositories(SearchQuery(q=q)).items] == [repository.pk], q


def test_it_ranks_a_word_in_the_name_above_one_in_the_description(named: None) -> None:
    result = search_repositories(SearchQuery(q="budget"))
    assert result.sort == "relevance"
    assert [r.name for r in result.items] == ["budget"]
    result = search_repositories(SearchQuery(q="cart"))
    assert [r.name for r in result.items] == ["cartes"]


def test_it_finds_near_words_for_a_typo_on_postgresql_only(named: None) -> None:
    # Near words come from pg_trgm's trigram similarity; SQLite's FTS5 has none, so
    # there a misspelt word finds nothing rather than something unrelated.
    near_matches = connection.vendor == "postgresql"
    for typo, meant in (
        ("cartograhpie", "cartes"),
        ("equipemnts", "cartes"),
        ("participatf", "budget"),
    ):
        names = [r.name for r in search_repositories(SearchQuery(q=typo)).items]
        assert names == ([meant] if near_matches else []), typo
    # A word that exists is not "corrected" into others.
    assert {r.name for r in search_repositories(SearchQuery(q="cantine")).items} == {"ecole-outils"}


@pytest.mark.parametrize(
    "q",
    [
        '"',
        '""""',
        "*",
        "NEAR(",
        "NEAR(a b, 2)",
        "AND OR",
        "NOT",
        "-",
        "- budget",
        "budget*",
        "budget:",
        "description : budget",
        "^budget",
        "(budget",
        "'budget'",
        "budget\\",
        "x" * 10_000,
        "budget " * 2_000,
        "\x00",
        "budget\x00 ecole",
        "\udcff\udcfe",
        "…%_",
        "😀 budget",
        "  ",
        "a:* & !b | c",
    ],
)
def test_it_answers_hostile_text_as_plain_words(named: None, q: str) -> None:
    result = search_repositories(SearchQuery(q=q))
    words_found = {r.name for r in result.items}
    assert result.total == len(words_found)
    if "budget" in q and not {"ecole", "description"} & set(q.split()) and "x" * 20 not in q:
        assert words_found == {"budget"}, q


# -- filters and facet counts ---------------------------------------------------------


def owned_by(organisations: list[Organisation]) -> Q:
    return Q(account__organisation__in=organisations) | Q(
        account__isnull=True, forge__organisation__in=organisations
    )


def subtree(root: Organisation) -> list[Organisation]:
    found, queue = [], [root]
    while queue:
        node = queue.pop()
        found.append(node)
        queue += list(node.children.all())
    return found


def root_flag(repository: Repository, names: tuple[str, ...]) -> bool:
    return any(
        name.casefold().split(".")[0] in names and not name.endswith("/")
        for name in repository.root_files
    )


def orm_rows(query: SearchQuery, skip: str = "") -> QuerySet[Repository]:
    """What ``query`` keeps, by the ORM alone, leaving out the filter of facet ``skip``.

    Words are matched with ``icontains`` over descriptions, enough for the one-word,
    accent-free queries used with it here.
    """
    rows = Repository.objects.all()
    if not query.include_gone:
        rows = rows.filter(gone_since__isnull=True)
    if query.q:
        rows = rows.filter(description__icontains=query.q)
    now = timezone.now()
    filters = {
        "license": lambda v: Q(license="" if v == "unknown" else v),
        "language": lambda v: Q(language=v),
        "forge": lambda v: Q(forge__host=v),
        "organisation": lambda v: owned_by(subtree(Organisation.objects.get(key=v))),
        "ministry": lambda v: owned_by(subtree(Organisation.objects.get(key=v))),
        "fork": lambda v: Q(is_fork=True) if v == "only" else ~Q(is_fork=True),
        "archived": lambda v: Q(is_archived=(v == "only")),
        "template": lambda v: Q(is_template=(v == "only")),
        "free": lambda v: Q(license__in=FREE_LICENSES),
        "pushed_within": lambda v: Q(pushed_at__gte=now - timedelta(days=v)),
    }
    for name, value in query.filters.items():
        if name != skip and name in filters:
            rows = rows.filter(filters[name](value))
    if not query.shows_hidden:
        # Never analysed: the provisional code.gouv.fr score hides the sure negatives.
        rows = rows.exclude(
            pk__in=[r.pk for r in rows if hidden_by_default(provisional_codegouv_score(r))]
        )
    for name, stems in (("publiccode", ("publiccode",)), ("contributing", ("contributing",))):
        value = getattr(query, name)
        if value and name != skip:
            keep = [r.pk for r in rows if root_flag(r, stems) == (value == "only")]
            rows = rows.filter(pk__in=keep)
    return rows


def orm_facets(query: SearchQuery) -> dict[str, dict[str, int]]:
    """Every facet's counts by the ORM: each under every filter but its own."""
    expected: dict[str, dict[str, int]] = {}
    for name in FACETS:
        rows = orm_rows(query, skip=name)
        if name in ("license", "language"):
            counts = Counter(rows.values_list(name, flat=True))
            expected[name] = {
                (value or "unknown"): n for value, n in counts.items() if value or name == "license"
            }
        elif name == "forge":
            expected[name] = dict(Counter(rows.values_list("forge__host", flat=True)))
        elif name in ("organisation", "ministry"):
            organisations = Organisation.objects.all()
            if name == "ministry":
                organisations = organisations.filter(level="ministry")
            expected[name] = {
                o.key: rows.filter(owned_by(subtree(o))).count() for o in organisations
            }
        elif name in ("fork", "archived", "template"):
            field = f"is_{name}"
            yes = rows.filter(**{field: True}).count()
            expected[name] = {"only": yes, "exclude": rows.count() - yes}
        elif name in ("publiccode", "contributing"):
            yes = sum(root_flag(r, (name,)) for r in rows)
            expected[name] = {"only": yes, "exclude": rows.count() - yes}
        elif name == "free":
            expected[name] = {"1": rows.filter(license__in=FREE_LICENSES).count()}
        elif name == "pushed_within":
            now = timezone.now()
            days = sorted({30, 90, 365, *([query.pushed_within] if query.pushed_within else [])})
            expected[name] = {
                str(d): rows.filter(pushed_at__gte=now - timedelta(days=d)).count() for d in days
            }
    return {name: {v: n for v, n in values.items() if n} for name, values in expected.items()}


def facet_counts(query: SearchQuery) -> dict[str, dict[str, int]]:
    result = search_repositories(query)
    return {
        name: {value.value: value.count for value in values if value.count}
        for name, values in result.facets.items()
    }


QUERIES = [
    SearchQuery(),
    SearchQuery(include_gone=True),
    SearchQuery(q="cartographie"),
    SearchQuery(license="MIT"),
    SearchQuery(license="unknown", fork="exclude"),
    SearchQuery(language="Python", archived="only"),
    SearchQuery(forge="gitlab.exemple.gouv.fr"),
    SearchQuery(organisation="direction-numerique"),  # with the lab under it
    SearchQuery(ministry="ministere-exemple", language="Go"),
    SearchQuery(ministry="ministere-autre", template="exclude"),
    SearchQuery(fork="only", free=True),
    SearchQuery(template="only", q="budget"),
    SearchQuery(publiccode="only"),
    SearchQuery(contributing="exclude", publiccode="exclude"),
    SearchQuery(pushed_within=30),
    SearchQuery(pushed_within=100, license="GPL-3.0", q="transport"),
    SearchQuery(
        q="élections",
        language="Python",
        license="MIT",
        organisation="laboratoire",
        fork="exclude",
        archived="exclude",
        free=True,
        pushed_within=365,
    ),
]


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: repr(q.filters | {"q": q.q}))
def test_it_filters_and_counts_each_facet_under_the_other_filters(
    catalogue: list[Repository], query: SearchQuery
) -> None:
    expected_paths = set(orm_rows(query).values_list("full_path", flat=True))
    result = search_repositories(query)
    assert result.total == len(expected_paths)
    assert set(found(query)) == expected_paths
    assert facet_counts(query) == orm_facets(query)


def test_it_keeps_a_chosen_value_nobody_has_among_the_facet_values(
    catalogue: list[Repository],
) -> None:
    result = search_repositories(
        SearchQuery(license="Unlisted-1.0", language="Cobol", organisation="nobody")
    )
    assert result.total == 0
    for name, value in (("license", "Unlisted-1.0"), ("language", "Cobol")):
        assert (value, value, 0) in result.facets[name]
    assert ("nobody", "nobody", 0) in result.facets["organisation"]


@pytest.mark.parametrize(
    "query",
    [
        SearchQuery(language="Python", facets=("language",)),
        SearchQuery(q="budget", language="Go", facets=("language",)),
        SearchQuery(language="Python", license="MIT", facets=("language", "license")),
        SearchQuery(fork="only", facets=()),
        SearchQuery(q="santé", facets=("fork",)),
    ],
)
def test_it_totals_whatever_facets_are_asked(
    catalogue: list[Repository], query: SearchQuery
) -> None:
    result = search_repositories(query)
    assert result.total == orm_rows(query).count()
    assert set(result.facets) == set(query.facets)


def test_it_counts_only_the_asked_facets(catalogue: list[Repository]) -> None:
    result = search_repositories(SearchQuery(q="budget", facets=("language", "license", "forge")))
    assert set(result.facets) == {"language", "license", "forge"}
    assert result.total == orm_rows(SearchQuery(q="budget")).count()


def test_it_treats_root_files_nobody_read_as_unknown(sector: Sector) -> None:
    unread, read_empty, with_both = (
        Repository.objects.create(
            forge=sector.gitlab,
            name=name,
            full_path=f"groupe/{name}",
            url=f"https://gitlab.exemple.gouv.fr/groupe/{name}",
            root_files=files,
            enriched_at=enriched,
        )
        for name, files, enriched in (
            ("unread", [], None),
            ("empty", [], timezone.now()),
            ("both", ["publiccode.yml", "CONTRIBUTING.md"], timezone.now()),
        )
    )
    index_repositories([unread.pk, read_empty.pk, with_both.pk])
    from communs.search.models import RepositoryEntry

    flags = {
        e.repository_id: (e.has_publiccode, e.has_contributing)
        for e in RepositoryEntry.objects.all()
    }
    assert flags == {
        unread.pk: (None, None),
        read_empty.pk: (False, False),
        with_both.pk: (True, True),
    }
    only = search_repositories(SearchQuery(publiccode="only"))
    assert [r.pk for r in only.items] == [with_both.pk]
    # "Without" keeps what nobody checked: it is not known to have one.
    without = search_repositories(SearchQuery(contributing="exclude"))
    assert {r.pk for r in without.items} == {unread.pk, read_empty.pk}


# -- sorts and pages ------------------------------------------------------------------

ORM_ORDERS = {
    "pushed": (F("pushed_at").desc(nulls_last=True), "-pk"),
    "created": (F("created_at").desc(nulls_last=True), "-pk"),
    "stars": ("-stars", "-pk"),
    "forks": ("-forks", "-pk"),
    "name": (Lower("name").asc(), "pk"),
}


@pytest.mark.parametrize("sort", sorted(ORM_ORDERS))
@pytest.mark.parametrize("per_page", [1, 7, 50])
def test_it_sorts_and_pages_every_row_exactly_once_by_cursor_and_by_number(
    catalogue: list[Repository], sort: str, per_page: int
) -> None:
    query = SearchQuery(sort=sort, per_page=per_page, archived="exclude")
    expected = list(orm_rows(query).order_by(*ORM_ORDERS[sort]).values_list("pk", flat=True))
    assert paged_by_cursor_and_by_number(query) == (expected, expected)


@pytest.mark.parametrize("per_page", [1, 7, 50])
def test_it_sorts_by_score_best_first_then_the_unscored(
    catalogue: list[Repository], per_page: int
) -> None:
    from communs.search.models import RepositoryEntry

    query = SearchQuery(sort="score", per_page=per_page, archived="exclude", include_hidden=True)
    ids = list(orm_rows(query).values_list("pk", flat=True))
    scores = dict(RepositoryEntry.objects.filter(pk__in=ids).values_list("pk", "codegouv_score"))
    # Provisional scores differ between the sample's repositories.
    assert len(set(scores.values())) > 2
    expected = sorted(ids, key=lambda pk: (scores[pk] is None, -(scores[pk] or 0), -pk))
    assert paged_by_cursor_and_by_number(query) == (expected, expected)


def paged_by_cursor_and_by_number(query: SearchQuery) -> tuple[list[int], list[int]]:
    """Every row's id, following the cursors, then asking each page by its number."""
    by_cursor: list[int] = []
    cursor = "start"
    while cursor:
        result = search_repositories(replace(query, cursor=cursor))
        by_cursor += [r.pk for r in result.items]
        cursor = result.next_cursor or ""
    pages = search_repositories(query).pages
    by_number = [
        r.pk
        for page in range(1, pages + 1)
        for r in search_repositories(replace(query, page=page)).items
    ]
    return by_cursor, by_number


def test_it_pages_relevance_by_cursor_without_loss_or_repeat(
    catalogue: list[Repository],
) -> None:
    query = SearchQuery(q="transport", per_page=4)
    expected = set(orm_rows(query).values_list("full_path", flat=True))
    paths = found(replace(query, per_page=4))
    assert len(paths) == len(set(paths))
    assert set(paths) == expected
    numbered = [
        r.full_path
        for page in range(1, search_repositories(query).pages + 1)
        for r in search_repositories(replace(query, page=page)).items
    ]
    assert numbered == paths


@pytest.mark.parametrize("page", [-5, 0, 10**9])
def test_it_answers_a_page_out_of_range_with_the_nearest_page(
    catalogue: list[Repository], page: int
) -> None:
    result = search_repositories(SearchQuery(page=page, per_page=50))
    assert result.page == (1 if page < 1 else result.pages)
    assert result.items


@pytest.mark.parametrize(
    "cursor", ["nonsense", "e30", "W10", "WyJuYW1lIiwxLDFd", "%%%", "x" * 5000]
)
def test_it_refuses_a_cursor_it_did_not_make(catalogue: list[Repository], cursor: str) -> None:
    with pytest.raises(InvalidCursor):
        search_repositories(SearchQuery(cursor=cursor, sort="stars"))


def test_it_refuses_a_cursor_made_for_another_sort(catalogue: list[Repository]) -> None:
    first = search_repositories(SearchQuery(cursor="start", sort="stars", per_page=5))
    assert first.next_cursor
    with pytest.raises(InvalidCursor):
        search_repositories(SearchQuery(cursor=first.next_cursor, sort="forks"))


# -- the index follows the rows -------------------------------------------------------


def test_it_follows_updates_once_reindexed(catalogue: list[Repository]) -> None:
    repository = catalogue[0]
    Repository.objects.filter(pk=repository.pk).update(
        description="Gestion des inondations", stars=999, language="Fortran"
    )
    # Until someone indexes it, the search answers from what it indexed.
    assert search_repositories(SearchQuery(q="inondations")).total == 0
    index_repositories(Repository.objects.filter(pk=repository.pk))
    result = search_repositories(SearchQuery(q="inondations", language="Fortran"))
    assert [r.pk for r in result.items] == [repository.pk]
    if repository.gone_since is None:
        assert search_repositories(SearchQuery(sort="stars")).items[0].pk == repository.pk
    Repository.objects.filter(pk=repository.pk).delete()
    index_repositories([repository.pk])
    assert search_repositories(SearchQuery(q="inondations", include_gone=True)).total == 0


def test_it_finds_the_same_at_a_larger_size(sector: Sector) -> None:
    rows = make_repositories(sector, 1500, seed=11)
    assert len(rows) == 1500
    for query in (SearchQuery(q="santé", language="Go"), SearchQuery(fork="only", page=3)):
        assert search_repositories(query).total == orm_rows(query).count()
        assert facet_counts(query) == orm_facets(query)


def test_it_finds_organisations_by_name_and_description(sector: Sector) -> None:
    from communs.search import index_organisations, search_organisation_ids

    Organisation.objects.filter(pk=sector.lab.pk).update(description="Cartographie et géodésie")
    index_organisations()
    assert set(search_organisation_ids("ministere")) == {
        sector.ministry.pk,
        sector.other_ministry.pk,
    }
    assert search_organisation_ids("geodesie") == [sector.lab.pk]
    assert search_organisation_ids("numérique direction") == [sector.directorate.pk]
    assert search_organisation_ids('" NEAR( *') == []
    # A name counts more than a description.
    Organisation.objects.filter(pk=sector.ministry.pk).update(description="Laboratoire national")
    index_organisations([sector.ministry.pk])
    assert search_organisation_ids("laboratoire") == [sector.lab.pk, sector.ministry.pk]


# -- counts with words from facet codes (SQLite) --------------------------------------

CODED = ("language", "license", "forge", "fork", "archived", "template", "publiccode", "free")


@pytest.mark.parametrize(
    "query",
    [
        SearchQuery(q="cartographie", facets=CODED),
        SearchQuery(q="cartographie", include_gone=True, include_hidden=True, facets=CODED),
        SearchQuery(q="budget", template="only", facets=CODED),
        SearchQuery(q="transport", license="GPL-3.0", fork="exclude", free=True, facets=CODED),
        SearchQuery(q="élections", language="Python", forge="gitlab.exemple.gouv.fr"),
        SearchQuery(q="santé", contributing="exclude", facets=("language", "contributing")),
    ],
    ids=lambda q: repr(q.filters | {"q": q.q, "facets": len(q.facets)}),
)
def test_it_counts_words_with_only_coded_facets_as_the_stored_rows_say(
    catalogue: list[Repository], query: SearchQuery
) -> None:
    # Only coded facets and filters: on SQLite the counts come from the words' rowids.
    query = replace(query, facets=tuple(f for f in query.facets if f in CODED))
    result = search_repositories(query)
    assert result.total == orm_rows(query).count() > 0
    expected = {name: values for name, values in orm_facets(query).items() if name in query.facets}
    assert facet_counts(query) == expected


def test_it_moves_a_reindexed_repository_to_its_new_values_and_drops_a_deleted_one(
    catalogue: list[Repository],
) -> None:
    query = SearchQuery(q="cartographie", facets=("language", "forge"))
    before = search_repositories(query)
    moved = before.items[0]
    Repository.objects.filter(pk=moved.pk).update(language="Cobol")
    index_repositories([moved.pk])
    after = search_repositories(query)
    assert after.total == before.total
    assert ("Cobol", "Cobol", 1) in after.facets["language"]
    dropped = after.items[1]
    Repository.objects.filter(pk=dropped.pk).delete()
    index_repositories([dropped.pk])
    last = search_repositories(query)
    assert last.total == before.total - 1
    assert dropped.pk not in {r.pk for r in last.items}
    assert sum(v.count for v in last.facets["forge"]) == last.total
