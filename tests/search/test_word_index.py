"""The word index: posting lists' arithmetic against brute force, and its segments kept
in step with what is indexed (changes read beside the segment, builds that forget only
what they read, old segments removed). The search's own answers are checked in all
three ways by test_search.py (see the ``word_index`` fixture in conftest.py)."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from communs.repositories.models import Repository
from communs.search import SearchQuery, index_repositories, search_repositories, wordindex
from communs.search.models import SegmentWord, StaleDocument, WordSegment
from communs.search.postings import (
    PostingList,
    SegmentBuilder,
    best,
    document_terms,
    intersect,
    read_stale_words,
    stale_words,
    union,
)
from communs.search.postings import impacts as impacts_of

from .conftest import WORD_INDEX_MODE


def posting(pairs: dict[int, float]) -> PostingList:
    ordinals = sorted(pairs)
    return PostingList(
        np.array(ordinals, dtype="<u4"), np.array([pairs[o] for o in ordinals], dtype="<f4")
    )


@pytest.fixture
def word_index() -> str:
    """These tests build their segments themselves (and start with empty caches)."""
    WORD_INDEX_MODE[0] = "own"
    wordindex._ARRAYS.clear()
    wordindex._CODES.clear()
    return "own"


# -- the arithmetic -------------------------------------------------------------------------


def test_union_keeps_each_document_once_with_its_best_impact() -> None:
    merged = union([posting({1: 0.5, 4: 2.0}), posting({1: 1.5, 3: 0.25}), PostingList.empty()])
    assert merged.ordinals.tolist() == [1, 3, 4]
    assert merged.impacts.tolist() == [1.5, 0.25, 2.0]
    assert len(union([])) == 0
    # Dense (the lists are long beside the segment) or sorted: the same answer.
    rng = random.Random(5)
    for _ in range(50):
        lists = [
            {
                o: float(rng.choice([0.5, 1.0, 1.5]))
                for o in rng.sample(range(40), rng.randint(0, 20))
            }
            for _ in range(rng.randint(2, 4))
        ]
        expected: dict[int, float] = {}
        for one in lists:
            for o, impact in one.items():
                expected[o] = max(expected.get(o, 0.0), impact)
        for documents in (0, 40, 10_000_000):
            merged = union([posting(one) for one in lists], documents)
            assert merged.ordinals.tolist() == sorted(expected)
            assert merged.impacts.tolist() == [expected[o] for o in sorted(expected)]


def test_intersect_and_best_agree_with_brute_force() -> None:
    rng = random.Random(11)
    for _ in range(200):
        lists = [
            {o: float(rng.choice([0.5, 1.0, 1.5, 2.0])) for o in rng.sample(range(60), 25)}
            for _ in range(rng.randint(1, 3))
        ]
        ordinals, scores = intersect([posting(one) for one in lists])
        common = sorted(set.intersection(*(set(one) for one in lists)))
        assert ordinals.tolist() == common
        assert scores.tolist() == [
            sum(np.float64(np.float32(one[o])) for one in lists) for o in common
        ]
        ids = np.array([1000 + 7 * o for o in common], dtype=np.int64)
        expected = sorted(range(len(common)), key=lambda i: (-scores[i], -ids[i]))
        count = rng.randint(0, 12)
        assert best(scores, ids, count).tolist() == expected[:count]
        if expected:
            # After any row: the rows that follow it, in order.
            cut = rng.randrange(len(expected))
            after = (float(scores[expected[cut]]), int(ids[expected[cut]]))
            assert best(scores, ids, count, after).tolist() == expected[cut + 1 : cut + 1 + count]


def test_builder_scores_bm25f_as_written() -> None:
    builder = SegmentBuilder((10.0, 1.0))
    builder.add(5, 3, ("carte", "carte des transports"))
    builder.add(9, 4, ("budget", "budget participatif"))
    builder.add(12, 3, ("", "carte"))
    words = {word: (df, o, i) for word, df, o, i in builder.words()}
    assert builder.ids.tolist() == [5, 9, 12] and builder.codes.tolist() == [3, 4, 3]
    df, ordinals, impacts = words["carte"]
    assert df == 2 and np.frombuffer(ordinals, "<u4").tolist() == [0, 2]
    lengths = [10 + 3, 10 + 2, 1]
    average = sum(lengths) / 3
    weight = math.log1p((3 - 2 + 0.5) / (2 + 0.5))
    for ordinal, tf, impact in zip((0, 2), (11.0, 1.0), np.frombuffer(impacts, "<f4"), strict=True):
        norm = 1.2 * (1 - 0.75 + 0.75 * lengths[ordinal] / average)
        assert impact == pytest.approx(weight * tf * 2.2 / (tf + norm), rel=1e-6)
    with pytest.raises(ValueError, match="ascending"):
        builder.add(12, 3, ("x", ""))


def test_changed_words_are_written_and_read_back() -> None:
    frequencies, length = document_terms(("école numérique", "école"), (10.0, 1.0))
    assert frequencies == {"école": 11.0, "numérique": 10.0} and length == 21.0
    text = stale_words(frequencies)
    assert text.startswith(" école:") and text.endswith(" ")
    assert read_stale_words(text) == frequencies
    assert impacts_of(np.array([1.0]), np.array([1.0]), 1.0, np.array([0.0])).tolist() == [0.0]


# -- segments in the database ---------------------------------------------------------------


def ids_found(q: str, **filters: str) -> list[int]:
    result = search_repositories(SearchQuery(q=q, per_page=100, **filters))
    return [row.pk for row in result.items]


@pytest.mark.django_db
def test_a_build_forgets_only_the_versions_it_read(
    catalogue: list[Repository], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two repositories the list shows (not gone, not hidden).
    first, second = (Repository.objects.get(pk=pk) for pk in ids_found("projet")[:2])
    entries = wordindex._entries

    def change_meanwhile(cursor, after, codes):  # noqa: ANN001, ANN202
        if after == 0:
            # Indexed while the build reads the documents: after it read the marks.
            Repository.objects.filter(pk=second.pk).update(name="nouveaunom")
            index_repositories([second.pk])
        return entries(cursor, after, codes)

    monkeypatch.setattr(wordindex, "_entries", change_meanwhile)
    wordindex.build_segment()
    assert list(StaleDocument.objects.values_list("id", flat=True)) == [second.pk]
    assert ids_found("nouveaunom") == [second.pk]
    monkeypatch.setattr(wordindex, "_entries", entries)
    # Changed after the build: read from the changed documents, the segment's copy masked.
    old_name = first.name
    Repository.objects.filter(pk=first.pk).update(name="autrenom", full_path="labo/autrenom")
    index_repositories([first.pk])
    assert ids_found("autrenom") == [first.pk]
    assert first.pk not in ids_found(old_name)
    pk = first.pk
    first.delete()
    index_repositories([pk])
    assert ids_found("autrenom") == []
    assert StaleDocument.objects.get(pk=pk).deleted
    wordindex.build_segment()
    assert not StaleDocument.objects.exists()
    assert ids_found("nouveaunom") == [second.pk] and ids_found("autrenom") == []


@pytest.mark.django_db
def test_searches_answer_from_the_index_alone(
    catalogue: list[Repository], monkeypatch: pytest.MonkeyPatch
) -> None:
    wordindex.build_segment()
    query = SearchQuery(q="cartographie", fork="exclude", facets=("language", "license", "forge"))
    answered = []
    find = wordindex.find

    def spied(terms: list[wordindex.Term]) -> wordindex.Matches | None:
        answered.append(find(terms))
        return answered[-1]

    monkeypatch.setattr(wordindex, "find", spied)
    with CaptureQueriesContext(connection) as captured:
        result = search_repositories(query)
    assert result.total > 0 and answered and answered[0] is not None
    assert len(answered[0]) >= result.total
    statements = [q["sql"] for q in captured.captured_queries]
    # No statement groups or reads the matches: the posting lists do it.
    assert not any("GROUP BY" in sql or "MATCH" in sql or "@@" in sql for sql in statements)


@pytest.mark.django_db
def test_too_many_changes_send_searches_to_the_statements(
    catalogue: list[Repository], monkeypatch: pytest.MonkeyPatch
) -> None:
    wordindex.build_segment()
    before = ids_found("cartographie")
    monkeypatch.setattr(wordindex, "MAX_STALE", 1)
    index_repositories([row.pk for row in catalogue[:2]])
    assert wordindex.find([wordindex.Term((), "cartographie")]) is None
    assert sorted(ids_found("cartographie")) == sorted(before)


@pytest.mark.django_db
def test_segments_are_refreshed_when_due_and_old_ones_removed(
    catalogue: list[Repository], monkeypatch: pytest.MonkeyPatch
) -> None:
    first = wordindex.refresh_segment()
    assert first is not None and first.documents == len(catalogue)
    # Nothing changed: nothing to build.
    assert wordindex.refresh_segment() is None
    monkeypatch.setattr(wordindex, "REBUILD_AT", 3)
    index_repositories([row.pk for row in catalogue[:2]])
    assert wordindex.refresh_segment() is None  # two changes: read beside the segment
    index_repositories([catalogue[2].pk])
    second = wordindex.refresh_segment()
    assert second is not None
    third = wordindex.refresh_segment(force=True)
    assert third is not None
    # The newest and the one before it (for searches that began on it); older words gone.
    ready = list(WordSegment.objects.filter(ready=True).values_list("pk", flat=True))
    assert sorted(ready) == [second.segment, third.segment]
    assert not SegmentWord.objects.filter(segment_id=first.segment).exists()
    assert ids_found("cartographie")


@pytest.mark.django_db
def test_a_prefix_reads_its_words_as_one_range(catalogue: list[Repository]) -> None:
    wordindex.build_segment()
    expected = set(ids_found("cartographie"))
    # "carto" finds every word starting so, and no other ("cartes" would not).
    assert expected <= set(ids_found("carto"))
    assert ids_found("qxjzvw") == []
    if connection.vendor == "sqlite":
        # (PostgreSQL would offer "cartographie" as a near word, as its statements do.)
        assert ids_found("cartographiez") == []


@pytest.mark.django_db
def test_a_rebuild_replaces_the_segments_without_changed_documents(
    catalogue: list[Repository],
) -> None:
    from communs.search import rebuild_index

    wordindex.build_segment()
    index_repositories([row.pk for row in catalogue[:3]])
    before = sorted(ids_found("cartographie"))
    rebuild_index()
    # One new segment, holding everything; nothing left to read beside it.
    (segment,) = WordSegment.objects.all()
    assert segment.ready and segment.documents == len(catalogue)
    assert not StaleDocument.objects.exists()
    assert sorted(ids_found("cartographie")) == before


@pytest.mark.django_db
def test_counts_without_words_come_from_the_segment_and_the_changes(
    catalogue: list[Repository],
) -> None:
    from communs.search.models import RepositoryEntry

    wordindex.build_segment()
    # A change and a deletion beside the segment.
    Repository.objects.filter(pk=catalogue[0].pk).update(language="Fortran")
    index_repositories([catalogue[0].pk])
    gone = catalogue[1].pk
    catalogue[1].delete()
    index_repositories([gone])
    everything = wordindex.find_all()
    assert everything is not None
    assert sorted(everything.ids.tolist()) == sorted(
        RepositoryEntry.objects.values_list("pk", flat=True)
    )
    query = SearchQuery(language="Fortran", include_gone=True, include_hidden=True)
    with CaptureQueriesContext(connection) as captured:
        result = search_repositories(query)
    assert result.total == 1 and result.items[0].pk == catalogue[0].pk
    assert not any("GROUP BY" in q["sql"] for q in captured.captured_queries)


@pytest.mark.django_db
def test_a_build_committed_during_a_search_neither_loses_nor_doubles_a_change(
    catalogue: list[Repository], monkeypatch: pytest.MonkeyPatch
) -> None:
    wordindex.build_segment()
    renamed = Repository.objects.get(pk=ids_found("projet")[0])
    Repository.objects.filter(pk=renamed.pk).update(
        name="renomme", full_path=f"{renamed.full_path}-renomme"
    )
    index_repositories([renamed.pk])
    segment_of = wordindex.current_segment
    built = []

    def build_in_between(cursor):  # noqa: ANN001, ANN202
        if not built:
            # After the search read the changed documents, before it reads the segment.
            built.append(True)
            wordindex.build_segment()
        return segment_of(cursor)

    monkeypatch.setattr(wordindex, "current_segment", build_in_between)
    assert ids_found("renomme") == [renamed.pk]
    assert built and not StaleDocument.objects.exists()
    assert ids_found("renomme") == [renamed.pk]


@pytest.mark.django_db
def test_a_rebuild_during_a_build_leaves_one_segment_and_no_orphan_words(
    catalogue: list[Repository], monkeypatch: pytest.MonkeyPatch
) -> None:
    from communs.search import rebuild_index

    entries = wordindex._entries
    rebuilt = []

    def rebuild_meanwhile(cursor, after, codes):  # noqa: ANN001, ANN202
        if not rebuilt:
            rebuilt.append(True)  # (the rebuild's own build reads entries too)
            rebuild_index()
        return entries(cursor, after, codes)

    monkeypatch.setattr(wordindex, "_entries", rebuild_meanwhile)
    outer = wordindex.build_segment()
    assert outer.documents == 0  # its header went with the rebuild: it gave up
    (segment,) = WordSegment.objects.all()
    assert segment.ready and segment.documents == len(catalogue)
    assert set(SegmentWord.objects.values_list("segment_id", flat=True)) == {segment.pk}


@pytest.mark.django_db
def test_a_code_committed_out_of_order_is_read_again(catalogue: list[Repository]) -> None:
    from communs.search.models import FacetCode

    codes = np.array(list(FacetCode.objects.values_list("pk", flat=True)))
    table = wordindex.code_table(codes)
    assert table.known[codes].all()
    # A code below the highest known, committed after this process read them.
    hole = int(codes.max()) + 2
    FacetCode.objects.create(
        pk=hole + 1, language="Zig", license="", forge_id=1, flags=0, gone=False
    )
    wordindex.code_table(np.array([hole + 1]))
    FacetCode.objects.create(pk=hole, language="Ada", license="", forge_id=1, flags=0, gone=False)
    again = wordindex.code_table(np.array([hole]))
    assert again.known[hole] and again.languages[again.language[hole]] == "Ada"


@pytest.mark.django_db
def test_a_cursor_says_which_scores_made_it(catalogue: list[Repository], settings: object) -> None:
    from communs.search import InvalidCursor
    from communs.search.cursor import WordScore, decode_cursor

    wordindex.build_segment()
    first = search_repositories(SearchQuery(q="cartographie", per_page=5, cursor="start"))
    assert first.next_cursor
    assert isinstance(decode_cursor(first.next_cursor, "relevance").key, WordScore)
    second = search_repositories(
        SearchQuery(q="cartographie", per_page=5, cursor=first.next_cursor)
    )
    assert not {r.pk for r in first.items} & {r.pk for r in second.items}
    # The word index off: its cursor cannot be continued by the statements' scores.
    settings.SEARCH_WORD_INDEX = False  # type: ignore[attr-defined]
    with pytest.raises(InvalidCursor):
        search_repositories(SearchQuery(q="cartographie", per_page=5, cursor=first.next_cursor))
