from __future__ import annotations

import random
import re
import time

import pytest

from communs.web.present import (
    LAST_PAGE,
    contains_email,
    http_url,
    language_shares,
    page_window,
    parse_page_number,
    redact_emails,
    shorten,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://example.org/a?b=c", "https://example.org/a?b=c"),
        (" http://example.org ", "http://example.org"),
        ("HTTPS://Example.org", "HTTPS://Example.org"),
        ("javascript:alert(1)", ""),
        ("JavaScript:alert(1)", ""),
        ("data:text/html,<script>", ""),
        ("//example.org", ""),
        ("https://", ""),
        ("http://[::1", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_it_keeps_only_http_links(value: object, expected: str) -> None:
    assert http_url(value) == expected


def test_it_hides_every_email_address_and_keeps_the_rest() -> None:
    text = "Écrire à jean.dupont+code@exemple.gouv.fr ou à support@data.example.org, merci."
    assert redact_emails(text, "[caché]") == "Écrire à [caché] ou à [caché], merci."
    assert redact_emails("pas d'adresse ici @ toi", "[caché]") == "pas d'adresse ici @ toi"


def test_it_orders_languages_by_size_with_their_share() -> None:
    shares = language_shares({"HTML": 250, "Python": 700, "CSS": 50, "Shell": 0})
    assert [(s.name, s.bytes, s.percent) for s in shares] == [
        ("Python", 700, 70.0),
        ("HTML", 250, 25.0),
        ("CSS", 50, 5.0),
        ("Shell", 0, 0.0),
    ]


def test_it_skips_language_sizes_that_are_not_sizes() -> None:
    shares = language_shares({"Python": 10, "Bad": "many", "Negative": -5, "Flag": True})
    assert [s.name for s in shares] == ["Python"]
    assert language_shares(["Python"]) == []
    assert [s.percent for s in language_shares({"Empty": 0})] == [0.0]


@pytest.mark.parametrize(
    ("current", "last", "expected"),
    [
        (1, 1, [1]),
        (1, 3, [1, 2, 3]),
        (7, 20, [1, None, 5, 6, 7, 8, 9, None, 20]),
        (1, 20, [1, 2, 3, None, 20]),
        (20, 20, [1, None, 18, 19, 20]),
        # A gap of a single page shows that page rather than an ellipsis.
        (5, 20, [1, 2, 3, 4, 5, 6, 7, None, 20]),
        (99, 4, [1, 2, 3, 4]),
        (1, 0, []),
    ],
)
def test_it_windows_page_numbers(current: int, last: int, expected: list[int | None]) -> None:
    assert page_window(current, last) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("3", 3),
        (" 12 ", 12),
        ("last", LAST_PAGE),
        ("0", None),
        ("-1", None),
        ("abc", None),
        ("1e9", None),
        ("2.0", None),
        ("", None),
        ("٣", None),  # an Arabic-Indic digit: isdigit() but not a page number here
        ("9" * 19, None),
        (None, None),
    ],
)
def test_it_reads_page_numbers(raw: object, expected: int | None) -> None:
    assert parse_page_number(raw) == expected


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("court", 10, "court"),
        ("exactement", 10, "exactement"),
        ("un peu trop long", 10, "un peu tr…"),
        ("", 5, ""),
        ("éèàùç" * 3, 4, "éèà…"),
    ],
)
def test_shorten_cuts_what_does_not_fit_and_says_so(text: str, limit: int, expected: str) -> None:
    assert shorten(text, limit) == expected
    assert len(shorten(text, limit)) <= limit


# The pattern an address is defined by; redact_emails must hide exactly what it matches.
_ADDRESS = re.compile(r"[\w.+%-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)


@pytest.mark.parametrize(
    "text",
    [
        "a@b.cd@e.fg",
        "a@b.c.+x@d.ef",  # an address right after another, sharing no character
        "x.y+z%w-v@sous-domaine.example.gouv.fr.",
        "@a.b a@ @ a@b a@b. a@.b é@é.fr",
        "mail: jean_dupont@exemple.fr, ou marie@x.y.z!",
    ],
)
def test_it_hides_what_the_address_pattern_matches(text: str) -> None:
    assert redact_emails(text, "[hidden]") == _ADDRESS.sub("[hidden]", text)
    assert contains_email(text) == bool(_ADDRESS.search(text))


def test_it_agrees_with_the_address_pattern_on_random_texts() -> None:
    draw = random.Random(8)
    for _ in range(20_000):
        text = "".join(draw.choice("ab1é_.@+%- \n") for _ in range(draw.randint(0, 24)))
        assert redact_emails(text, "X") == _ADDRESS.sub("X", text), text
        assert contains_email(text) == bool(_ADDRESS.search(text)), text


@pytest.mark.parametrize(
    "text",
    ["a" * 200_000, "a@" * 100_000, "x@" + "a" * 200_000, ".@" * 100_000, "a@b.c+" * 30_000],
)
def test_it_reads_long_texts_in_linear_time(text: str) -> None:
    # The pattern run as is takes minutes on these (it retries from every position);
    # a linear reading takes a small fraction of the generous bound.
    started = time.perf_counter()
    redact_emails(text, "X")
    contains_email(text)
    assert time.perf_counter() - started < 1.0
