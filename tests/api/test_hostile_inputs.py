"""Whatever a client sends, the answer is a normal one or a JSON 4xx: never a server error."""

from __future__ import annotations

import base64
import json
from urllib.parse import quote

import pytest
from django.test import Client

from .conftest import Catalogue

NASTY_TEXTS = [
    '"',
    "'",
    '"unclosed',
    "a OR b AND NOT c",
    "NEAR(a b)",
    "col:value",
    "*",
    "-",
    "^abc",
    "a*",
    "(((",
    "%",
    "_",
    "\\",
    "'; DROP TABLE repositories_repository; --",
    "<script>alert(1)</script>",
    "données ouvertes",
    "🙂",
    "\u202e",
    "x" * 10_000,
]

# Raw query strings, some with bytes that are not UTF-8 or that no database column holds.
RAW_QUERIES = [
    "q=%FF%FE",
    "q=%C3%28",
    "q=%ED%A0%80",  # an encoded surrogate
    "q=%00",
    "q=a%00b",
    "license=%00",
    "organisation=%00",
    "ministry=%FF",
    "forge=%00",
    "cursor=%00",
    "cursor=%FF",
    "q=" + "%E2%82%AC" * 4000,
    "q=a&q=b&q=c",
    "limit=",
    "limit=0",
    "limit=-1",
    "limit=101",
    "limit=1e3",
    "limit=99999999999999999999999999999",
    "limit=-99999999999999999999999999999",
    "limit=abc",
    "sort=",
    "sort=relevance",
    "sort=relevance&q=",
    "sort=relevance&q=%2A%2A%27",
    "pushed_within=0",
    "pushed_within=-5",
    "pushed_within=36501",
    "pushed_within=soon",
    "free=perhaps",
    "gone=2",
    "publiccode=yes",
    "sort=stars;DROP",
    "fork=maybe",
    "fork=",
    "archived=ONLY",
    "template=1",
    "free_license=perhaps",
    "include_gone=",
    "facets=%00",
    "cursor=",
    "cursor=garbage",
    "cursor=" + "A" * 3000,
    "cursor=%2F%2F%2F",
    "unknown_parameter=1",
    "%FF=1",
    "=",
    "&&&",
    "q",
]


def _cursor(payload: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


FORGED_CURSORS = [
    _cursor(["pushed", "not a date", 5]),
    _cursor(["pushed", "2024-01-01T00:00:00", 5]),  # no time zone
    _cursor(["pushed", "99999-01-01T00:00:00+00:00", 5]),
    _cursor(["pushed", 12, 5]),
    _cursor(["stars", "many", 5]),
    _cursor(["stars", -1, 5]),
    _cursor(["stars", 2**63 - 1, 2**63 - 1]),
    _cursor(["stars", None, 5]),
    _cursor(["name", 5, 5]),
    _cursor(["name", None, 5]),
    _cursor(["name", "x" * 1000, 2**63 - 1]),
    _cursor(["organisations", "a", 5]),
    _cursor(["nothing", "a", 5]),
    # The search's own shape: dates as {"t": ...}.
    _cursor(["pushed", {"t": "garbage"}, 5]),
    _cursor(["pushed", {"t": "2024-01-01T00:00:00"}, 5]),
    _cursor(["pushed", {"t": "2024-01-01T00:00:00+00:00"}, 2**63 - 1]),
    _cursor(["pushed", {"t": "0001-01-01T00:00:00+14:00"}, 5]),
    _cursor(["created", {"t": 5}, 5]),
    _cursor(["created", {}, 5]),
    _cursor(["stars", 1.5, 5]),
    _cursor(["stars", 1e308, 5]),
    _cursor(["stars", "NaN", 5]),
    _cursor(["name", {"t": "2024-01-01T00:00:00+00:00"}, 5]),
    _cursor(["relevance", "x", 5]),
    _cursor(["relevance", 1e300, 5]),
    _cursor(["relevance", None, 5]),
]


def insane(response, allowed: set[int]) -> str | None:  # noqa: ANN001
    """What is wrong with an answer, or None: a status in ``allowed``, JSON, and a
    ``detail`` text for errors."""
    if response.status_code not in allowed:
        return f"status {response.status_code}: {response.content[:200]!r}"
    if not response["Content-Type"].startswith("application/json"):
        return f"content type {response['Content-Type']}"
    body = json.loads(response.content)
    if response.status_code >= 400 and not (isinstance(body["detail"], str) and body["detail"]):
        return f"no detail: {body!r}"
    return None


def test_it_takes_any_text_in_a_filter(client: Client, catalogue: Catalogue) -> None:
    names = ["q", "license", "language", "forge", "organisation", "ministry"]
    problems = {
        (name, text[:30]): problem
        for name in names
        for text in NASTY_TEXTS
        if (problem := insane(client.get("/api/v1/repositories", {name: text}), {200, 400}))
    }
    assert problems == {}


def test_it_takes_any_text_in_an_organisation_filter(client: Client, catalogue: Catalogue) -> None:
    problems = {
        (name, text[:30]): problem
        for name in ["q", "ministry", "level", "cursor"]
        for text in NASTY_TEXTS
        if (problem := insane(client.get("/api/v1/organisations", {name: text}), {200, 400}))
    }
    assert problems == {}


@pytest.mark.parametrize("path", ["/api/v1/repositories", "/api/v1/organisations"])
def test_it_survives_raw_query_strings(client: Client, catalogue: Catalogue, path: str) -> None:
    problems = {
        query[:40]: problem
        for query in RAW_QUERIES
        if (problem := insane(client.get(f"{path}?{query}"), {200, 400}))
    }
    assert problems == {}


@pytest.mark.parametrize(
    "query",
    [
        "limit=0",
        "limit=-1",
        "limit=101",
        "limit=abc",
        "sort=size",
        "fork=maybe",
        "pushed_within=0",
        "free=perhaps",
    ],
)
def test_it_names_the_bad_parameter(client: Client, catalogue: Catalogue, query: str) -> None:
    response = client.get(f"/api/v1/repositories?{query}", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    body = json.loads(response.content)
    name = query.split("=")[0]
    assert [error["parameter"] for error in body["errors"]] == [name]
    assert body["errors"][0]["problem"]
    assert name in body["detail"]


def test_it_refuses_a_too_long_query_saying_so(client: Client, catalogue: Catalogue) -> None:
    response = client.get("/api/v1/repositories", {"q": "x" * 10_000}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert json.loads(response.content)["errors"][0]["parameter"] == "q"


@pytest.mark.parametrize("sort", ["pushed", "stars", "name", "created", "relevance"])
def test_it_refuses_forged_cursors(client: Client, catalogue: Catalogue, sort: str) -> None:
    problems = {}
    for cursor in FORGED_CURSORS:
        response = client.get("/api/v1/repositories", {"cursor": cursor, "sort": sort, "q": "a"})
        problem = insane(response, {200, 400})
        blamed = json.loads(response.content).get("errors", [{}])[0].get("parameter")
        if problem is None and response.status_code == 400 and blamed != "cursor":
            problem = f"{blamed} blamed"
        if problem:
            problems[cursor] = problem
    assert problems == {}


SEGMENTS = [
    "%00",
    "a%00b",
    "%FF",
    quote("'\""),
    quote("<script>"),
    "x" * 3000,
    "..",
    "%2E%2E",
    "%2F",
    "a%2Fb",
    quote("🙂"),
    "-1",
    "1.5",
    "1e3",
    str(2**64),
]


@pytest.mark.parametrize(
    "prefix", ["/api/v1/repositories/", "/api/v1/organisations/", "/api/v1/forges/"]
)
def test_it_survives_any_path(client: Client, catalogue: Catalogue, prefix: str) -> None:
    problems = {
        segment[:30]: problem
        for segment in SEGMENTS
        if (problem := insane(client.get(prefix + segment), {200, 400, 404}))
    }
    assert problems == {}
