"""The pure parts of the search: words, match strings, licences, cursors, parameters.

None of these needs a database; the modules import nothing from Django.
"""

from __future__ import annotations

import base64
import importlib
import json
import subprocess
import sys
from datetime import UTC, datetime

import pytest

from communs.search.cursor import (
    Cursor,
    InvalidCursor,
    WordScore,
    decode_cursor,
    encode_cursor,
)
from communs.search.licences import is_free_licence
from communs.search.query import (
    FACETS,
    MAX_PAGE,
    START,
    SearchQuery,
    parse_params,
)
from communs.search.text import (
    MAX_TERMS,
    Terms,
    clean_text,
    document_words,
    fold,
    fts5_match,
    parse_terms,
    tsquery,
)


@pytest.mark.parametrize(
    "module",
    [
        "communs.search.text",
        "communs.search.licences",
        "communs.search.cursor",
        "communs.search.query",
        "communs.search.documents",
    ],
)
def test_it_keeps_the_cores_free_of_django(module: str) -> None:
    code = f"import sys, {module}; print(any(m.startswith('django') for m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.strip() == "False", done.stderr


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("École", "ecole"),
        ("ÉCOLE Numérique", "ecole numerique"),
        ("Œuvre", "oeuvre"),
        ("Straße", "strasse"),
        ("naïve façade", "naive facade"),
        # Letters Unicode does not decompose, folded as PostgreSQL's unaccent does.
        ("Łódź København Đakovo", "lodz kobenhavn dakovo"),
        ("plain ascii", "plain ascii"),
    ],
)
def test_it_folds_case_and_accents(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_it_splits_words_as_both_engines_see_them() -> None:
    assert document_words("labo-innov/Beta_v2 l'École") == "labo innov beta v2 l ecole"


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ("ecole numerique", ("ecole", "numerique")),
        ('"NEAR(a, b)" AND OR -x*', ("near", "a", "b", "and", "or", "x")),
        ("budget budget BUDGET", ("budget",)),
        ("\x00\x01budget\x7f", ("budget",)),
        ("\udcff budget \ud800", ("budget",)),
        ("*", ()),
        ("", ()),
        (None, ()),
        (b"budget", ()),
    ],
)
def test_it_reads_any_input_as_plain_words(raw: object, words: tuple[str, ...]) -> None:
    assert parse_terms(raw).words == words


def test_it_keeps_a_bounded_number_of_bounded_words() -> None:
    terms = parse_terms(" ".join(f"mot{n}" for n in range(100)) + " " + "x" * 500)
    assert len(terms.words) == MAX_TERMS
    assert max(len(word) for word in parse_terms("y" * 500).words) == 64
    assert len(clean_text("z" * 20_000)) == 10_000


def test_it_quotes_every_word_and_prefixes_the_last_for_fts5() -> None:
    assert fts5_match(Terms(("ecole", "near", "num"))) == '"ecole" "near" "num"*'
    assert fts5_match(Terms(('a"b',))) == '"a""b"*'
    assert fts5_match(Terms()) == ""


def test_it_builds_a_tsquery_with_near_words_as_alternatives() -> None:
    assert tsquery(Terms(("ecole", "num"))) == "'ecole' & 'num':*"
    assert (
        tsquery(Terms(("cartografie", "num")), {"cartografie": ["cartographie", "cartes"]})
        == "('cartografie' | 'cartographie' | 'cartes') & 'num':*"
    )
    assert tsquery(Terms(("l'x",))) == "'l''x':*"


@pytest.mark.parametrize(
    ("expression", "free"),
    [
        ("MIT", True),
        ("GPL-3.0", True),  # GitHub's old id, for GPL-3.0-only
        ("AGPL-3.0-or-later", True),
        ("EUPL-1.2", True),
        ("CECILL-2.1", True),
        ("CECILL-B", True),
        ("LGPL-2.0-only", True),  # OSI-approved only (7-Zip in the 2022 SILL)
        ("BUSL-1.1", False),
        ("MIT OR LicenseRef-proprietary", True),
        ("MIT AND LicenseRef-proprietary", False),
        ("GPL-2.0-or-later WITH Classpath-exception-2.0", True),
        ("etalab-2.0", False),
        ("NOASSERTION", False),
        ("", False),
        ("(((", False),
        ("Commons-Clause", False),
    ],
)
def test_it_tells_free_licences_by_osi_or_fsf_approval(expression: str, free: bool) -> None:
    assert is_free_licence(expression) is free


@pytest.mark.parametrize(
    ("sort", "key"),
    [
        ("stars", None),
        ("stars", 42),
        ("relevance", 3.25),
        ("relevance", WordScore(7.5)),
        ("name", "abc"),
        ("pushed", datetime(2024, 1, 2, 3, 4, 5, 600000, tzinfo=UTC)),
    ],
)
def test_it_round_trips_a_cursor(sort: str, key: object) -> None:
    cursor = Cursor(sort, key, 1234)
    assert decode_cursor(encode_cursor(cursor), sort) == cursor


@pytest.mark.parametrize(("sort", "key"), [("stars", "many"), ("pushed", 3), ("name", 4)])
def test_it_refuses_a_key_of_the_wrong_type_for_its_sort(sort: str, key: object) -> None:
    with pytest.raises(InvalidCursor):
        decode_cursor(encode_cursor(Cursor(sort, key, 1)), sort)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "not base64 !",
        "e30",  # {}
        "WyJzdGFycyIsMSwxLDFd",  # four items
        "WyJzdGFycyIsMSwidHdvIl0",  # an id that is a string
        "WyJzdGFycyIsMSx0cnVlXQ",  # an id that is true
        "WyJzdGFycyIsMSwtMV0",  # a negative id
        "WyJzdGFycyIsWzFdLDFd",  # a key that is a list
        "WyJzdGFycyIseyJ0Ijoibm9uIn0sMV0",  # a date that is no date
        "x" * 2000,
    ],
)
def test_it_refuses_what_is_no_cursor(text: str) -> None:
    with pytest.raises(InvalidCursor):
        decode_cursor(text, "stars")


@pytest.mark.parametrize(
    "key", [{"w": "1"}, {"w": True}, {"w": 10**400}, {"w": 1.0, "x": 2}, {"w": None}]
)
def test_it_refuses_a_word_index_score_that_is_no_number(key: object) -> None:
    text = base64.urlsafe_b64encode(json.dumps(["relevance", key, 1]).encode()).decode()
    with pytest.raises(InvalidCursor):
        decode_cursor(text, "relevance")
    for infinite in ("Infinity", "NaN"):
        raw = f'["relevance", {{"w": {infinite}}}, 1]'
        with pytest.raises(InvalidCursor):
            decode_cursor(base64.urlsafe_b64encode(raw.encode()).decode(), "relevance")


def test_it_refuses_a_cursor_of_another_sort() -> None:
    with pytest.raises(InvalidCursor):
        decode_cursor(encode_cursor(Cursor("stars", 1, 1)), "forks")


def test_it_reads_parameters_and_names_what_it_ignored() -> None:
    query = parse_params(
        {
            "q": "  école  ",
            "license": "MIT",
            "fork": "maybe",
            "archived": "exclude",
            "free": "1",
            "gone": "1",
            "pushed_within": "soon",
            "sort": "size",
            "page": "-3",
            "per_page": "100000",
        }
    )
    assert query.q == "école"
    assert query.license == "MIT"
    assert query.fork == ""
    assert query.archived == "exclude"
    assert query.free and query.include_gone
    assert query.pushed_within is None
    assert query.sort == ""
    assert query.page == 1
    assert query.per_page == 100
    assert set(query.ignored) == {"fork", "pushed_within", "sort"}


@pytest.mark.parametrize(
    ("raw", "page"), [("3", 3), ("0", 1), ("99999999999999999999", MAX_PAGE), ("x", 1)]
)
def test_it_clamps_page_numbers(raw: str, page: int) -> None:
    assert parse_params({"page": raw}).page == page


def test_it_sorts_by_relevance_only_when_there_are_words() -> None:
    assert SearchQuery(q="ecole").effective_sort == "relevance"
    assert SearchQuery(q="ecole", sort="stars").effective_sort == "stars"
    assert SearchQuery(q="*", sort="relevance").effective_sort == "pushed"
    assert SearchQuery().effective_sort == "pushed"


def test_it_asks_for_a_cursor_for_the_api() -> None:
    assert parse_params({}, cursor_paging=True).cursor == START
    assert parse_params({"cursor": "abc"}).cursor == "abc"
    assert parse_params({}, facets=("language",)).facets == ("language",)
    assert parse_params({}).facets == FACETS


def test_it_lists_its_whole_public_surface() -> None:
    search = importlib.import_module("communs.search")
    for name in search.__all__:
        assert getattr(search, name) is not None
    with pytest.raises(AttributeError):
        search.nothing_here  # noqa: B018
