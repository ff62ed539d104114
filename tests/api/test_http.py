"""What every API answer shares: ETags and 304s, CORS, rate limits, JSON errors, HEAD."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.utils.http import http_date, parse_http_date

from .conftest import Catalogue

ENDPOINTS = [
    "/api/v1/repositories",
    "/api/v1/repositories?language=Python&sort=stars",
    "/api/v1/organisations",
    "/api/v1/organisations/direction-numerique",
    "/api/v1/forges",
    "/api/v1/forges/git.exemple.gouv.fr:8443/gitlab",
    "/api/v1/stats",
    "/api/openapi.json",
    "/api/docs",
]


@pytest.mark.parametrize("path", ENDPOINTS)
def test_it_answers_304_to_a_client_holding_the_same_answer(
    client: Client, catalogue: Catalogue, path: str
) -> None:
    first = client.get(path)
    assert first.status_code == 200
    etag = first["ETag"]
    assert etag.startswith('"') and etag.endswith('"') and len(etag) > 10
    again = client.get(path, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    assert again["Access-Control-Allow-Origin"] == "*"
    # Another answer, another tag: the client's copy is stale, the body comes.
    stale = client.get(path, HTTP_IF_NONE_MATCH='"something-else"')
    assert stale.status_code == 200 and stale.content == first.content


def test_it_changes_the_etag_when_the_data_changes(client: Client, catalogue: Catalogue) -> None:
    path = f"/api/v1/repositories/{catalogue.alpha.pk}"
    etag = client.get(path)["ETag"]
    catalogue.alpha.description = "Nouvelle description"
    catalogue.alpha.save()
    changed = client.get(path, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert json.loads(changed.content)["description"] == "Nouvelle description"
    assert changed["ETag"] != etag


def test_it_says_when_a_repository_last_changed(client: Client, catalogue: Catalogue) -> None:
    response = client.get(f"/api/v1/repositories/{catalogue.alpha.pk}")
    # Its last harvest, later than when Communs first saw it (now, in the test).
    moments = [catalogue.alpha.first_seen_at, catalogue.alpha.last_harvested_at]
    assert parse_http_date(response["Last-Modified"]) == int(max(moments).timestamp())
    since = response["Last-Modified"]
    assert client.get(response.wsgi_request.path, HTTP_IF_MODIFIED_SINCE=since).status_code == 304
    earlier = http_date(parse_http_date(since) - 3600)
    assert client.get(response.wsgi_request.path, HTTP_IF_MODIFIED_SINCE=earlier).status_code == 200
    listed = client.get("/api/v1/repositories")
    first_seen = max(
        repo.first_seen_at
        for repo in (catalogue.alpha, catalogue.beta, catalogue.gamma, catalogue.delta)
    )
    assert parse_http_date(listed["Last-Modified"]) == int(first_seen.timestamp())


@pytest.mark.parametrize("path", ["/api/v1/repositories", "/api/v1/stats", "/api/v1/nowhere"])
def test_it_lets_any_origin_read(client: Client, catalogue: Catalogue, path: str) -> None:
    response = client.get(path, HTTP_ORIGIN="https://reuse.example.org")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in response["Access-Control-Expose-Headers"]
    assert "Retry-After" in response["Access-Control-Expose-Headers"]
    # Reading only, and never with the visitor's cookies.
    assert not response.has_header("Access-Control-Allow-Credentials")


def test_it_answers_a_preflight(client: Client, db: None) -> None:
    response = client.options(
        "/api/v1/repositories",
        HTTP_ORIGIN="https://reuse.example.org",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="if-none-match",
    )
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "*"
    assert set(response["Access-Control-Allow-Methods"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    assert "If-None-Match" in response["Access-Control-Allow-Headers"]
    assert int(response["Access-Control-Max-Age"]) > 0
    assert not response.has_header("Access-Control-Allow-Credentials")


@pytest.mark.parametrize("path", ["/api/publiccode/validate", "/api/v1/publiccode/validate"])
def test_it_lets_any_origin_validate_a_publiccode_file(client: Client, db: None, path: str) -> None:
    # A browser sends a YAML or JSON body only after a preflight that allows POST.
    preflight = client.options(
        path,
        HTTP_ORIGIN="https://reuse.example.org",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type",
    )
    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Origin"] == "*"
    assert "POST" in preflight["Access-Control-Allow-Methods"].split(", ")
    assert "Content-Type" in preflight["Access-Control-Allow-Headers"]
    assert not preflight.has_header("Access-Control-Allow-Credentials")
    # Then the request itself, which the browser lets the page read.
    response = client.post(
        path,
        "publiccodeYmlVersion: '0.4'\n",
        content_type="application/yaml",
        HTTP_ORIGIN="https://reuse.example.org",
    )
    assert response.status_code == 200
    assert json.loads(response.content)["valid"] is False
    assert response["Access-Control-Allow-Origin"] == "*"
    assert not response.has_header("Access-Control-Allow-Credentials")


def test_it_says_the_validator_only_takes_a_body(client: Client, db: None) -> None:
    response = client.get("/api/publiccode/validate", HTTP_ACCEPT_LANGUAGE="en")
    assert "only accepts POST" in error_of(response, 405)
    assert response["Allow"] == "POST, OPTIONS"


def test_it_allows_posting_nowhere_else(client: Client, db: None) -> None:
    preflight = client.options(
        "/api/v1/repositories",
        HTTP_ORIGIN="https://reuse.example.org",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
    )
    assert "POST" not in preflight["Access-Control-Allow-Methods"]


def test_it_leaves_the_pages_alone(client: Client, db: None) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert not response.has_header("Access-Control-Allow-Origin")
    assert not response.has_header("X-RateLimit-Limit")


def test_it_answers_head_as_get_without_the_body(client: Client, catalogue: Catalogue) -> None:
    get = client.get("/api/v1/stats")
    head = client.head("/api/v1/stats")
    assert head.status_code == 200
    assert head.content == b""
    assert head["ETag"] == get["ETag"]
    assert head["Content-Length"] == str(len(get.content))


def error_of(response: Any, status: int) -> str:
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    body = json.loads(response.content)
    assert isinstance(body["detail"], str) and body["detail"]
    return body["detail"]


@pytest.mark.parametrize(
    "path", ["/api/", "/api/v1/", "/api/v2/repositories", "/api/v1/forges/", "/api/v1/a/b/c"]
)
def test_it_answers_unknown_addresses_in_json(client: Client, db: None, path: str) -> None:
    assert "no operation" in error_of(client.get(path, HTTP_ACCEPT_LANGUAGE="en"), 404)


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_it_only_reads(client: Client, catalogue: Catalogue, method: str) -> None:
    response = getattr(client, method)("/api/v1/repositories", HTTP_ACCEPT_LANGUAGE="en")
    assert "only reads" in error_of(response, 405)
    assert response["Allow"] == "GET, HEAD, OPTIONS"
    assert response["Access-Control-Allow-Origin"] == "*"


def test_it_says_what_a_client_may_do(client: Client, db: None) -> None:
    response = client.options("/api/v1/stats")
    assert response.status_code == 204
    assert response["Allow"] == "GET, HEAD, OPTIONS"
    assert response["Access-Control-Allow-Origin"] == "*"


def test_it_speaks_the_language_asked_for_in_errors(client: Client, db: None) -> None:
    english = error_of(client.get("/api/v1/repositories/9", HTTP_ACCEPT_LANGUAGE="en"), 404)
    french = error_of(client.get("/api/v1/repositories/9", HTTP_ACCEPT_LANGUAGE="fr"), 404)
    assert english == "There is no such repository."
    assert french == "Ce dépôt n’existe pas."


# -- rate limits ----------------------------------------------------------------------


def test_it_refuses_requests_past_the_budget(
    client: Client, catalogue: Catalogue, settings: Any
) -> None:
    settings.API_RATE_LIMIT = "3/minute"
    answers = [client.get("/api/v1/stats", HTTP_ACCEPT_LANGUAGE="en") for _ in range(3)]
    assert [answer.status_code for answer in answers] == [200, 200, 200]
    assert [answer["X-RateLimit-Remaining"] for answer in answers] == ["2", "1", "0"]
    refused = client.get("/api/v1/repositories", HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 429
    retry_after = int(refused["Retry-After"])
    assert 1 <= retry_after <= 60
    body = json.loads(refused.content)
    assert (body["limit"], body["period"], body["retry_after"]) == (3, 60, retry_after)
    assert "3 requests per minute" in body["detail"]
    assert f"Retry in {retry_after} seconds" in body["detail"]
    assert refused["Access-Control-Allow-Origin"] == "*"
    # Preflights are not counted: a browser must still learn it may read.
    preflight = client.options(
        "/api/v1/stats",
        HTTP_ORIGIN="https://reuse.example.org",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
    )
    assert preflight.status_code == 204


def test_it_counts_each_client_address_apart(
    client: Client, catalogue: Catalogue, settings: Any
) -> None:
    settings.API_RATE_LIMIT = "2/minute"
    for _ in range(2):
        assert client.get("/api/v1/stats", REMOTE_ADDR="192.0.2.1").status_code == 200
    assert client.get("/api/v1/stats", REMOTE_ADDR="192.0.2.1").status_code == 429
    assert client.get("/api/v1/stats", REMOTE_ADDR="192.0.2.2").status_code == 200


def test_it_trusts_a_proxy_header_only_when_told(
    client: Client, catalogue: Catalogue, settings: Any
) -> None:
    settings.API_RATE_LIMIT = "1/minute"

    def get(forwarded_for: str) -> int:
        return client.get(
            "/api/v1/stats", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded_for
        ).status_code

    # Untrusted: every client behind the same peer shares one budget.
    assert (get("198.51.100.1"), get("198.51.100.2")) == (200, 429)
    settings.TRUSTED_PROXY_HEADER = "X-Forwarded-For"
    assert (get("198.51.100.3"), get("198.51.100.4")) == (200, 200)
    assert get("198.51.100.3") == 429
    # What the client wrote before the proxy's entry changes nothing.
    assert get("203.0.113.50, 198.51.100.3") == 429


def test_it_turns_the_limit_off_with_zero(
    client: Client, catalogue: Catalogue, settings: Any
) -> None:
    settings.API_RATE_LIMIT = "0"
    statuses = {client.get("/api/v1/forges").status_code for _ in range(70)}
    assert statuses == {200}
    assert not client.get("/api/v1/forges").has_header("X-RateLimit-Limit")
