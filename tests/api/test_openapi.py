"""The OpenAPI document lists every operation, and the docs page works with no network."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from communs.api.v1 import api

OPERATIONS = {
    ("get", "/api/v1/repositories"),
    ("get", "/api/v1/repositories/{id}"),
    ("get", "/api/v1/organisations"),
    ("get", "/api/v1/organisations/{key}"),
    ("get", "/api/v1/forges"),
    ("get", "/api/v1/forges/{host}"),
    ("get", "/api/v1/stats"),
    ("get", "/api/v1/repositories/{id}/analysis"),
    ("get", "/api/v1/dependencies"),
    ("get", "/api/v1/dependencies/{package}"),
    ("get", "/api/v1/catalogue/candidates"),
    ("get", "/api/v1/catalogue/software"),
    ("get", "/api/v1/catalogue/software/{slug}"),
    ("post", "/api/v1/publiccode/validate"),
    # history (docs/history.md)
    ("get", "/api/v1/stats/history"),
    ("get", "/api/v1/repositories/{id}/history"),
}


@pytest.mark.django_db
def test_it_documents_every_operation(client: Client) -> None:
    document = client.get("/api/openapi.json").json()
    assert client.get("/api/v1/openapi.json").json() == document
    assert document["info"]["version"] == "1"
    listed = {(method, path) for path, item in document["paths"].items() for method in item}
    assert listed == OPERATIONS
    # Every operation the API routes is in the document (none was hidden from it).
    routed = {
        (method.lower(), "/api/v1" + prefix + re.sub(r"\{path:(\w+)\}", r"{\1}", path))
        for prefix, router in api._routers
        for path, view in router.path_operations.items()
        for operation in view.operations
        for method in operation.methods
    }
    assert routed == OPERATIONS
    for path, item in document["paths"].items():
        for method, operation in item.items():
            assert operation["summary"] and operation["description"], path
            responses = operation["responses"]
            # Reads answer 304 to a matching ETag; a POST never does.
            expected = {"200", "304", "400", "429"} if method == "get" else {"200", "400", "429"}
            assert expected <= set(responses), (method, path)
            for parameter in operation.get("parameters", []):
                assert parameter.get("description"), (path, parameter["name"])


@pytest.mark.django_db
def test_it_documents_the_answers_with_examples(client: Client) -> None:
    schemas = client.get("/api/openapi.json").json()["components"]["schemas"]
    repository = schemas["Repository"]["properties"]
    assert repository["license"]["description"]
    assert repository["full_name"]["examples"] == ["etalab/communs"]
    assert schemas["TooManyRequests"]["properties"]["retry_after"]["description"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/docs", "/api/v1/docs"])
def test_the_docs_page_loads_nothing_from_elsewhere(client: Client, path: str) -> None:
    response = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/api/v1/repositories" in html and "/api/v1/forges/{host}" in html
    # No absolute URL at all: every asset and link is this site's.
    assert re.findall(r"https?://", html) == []
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(asset.endswith("swagger-ui-bundle.js") for asset in assets)
    for asset in assets:
        assert asset.startswith("/"), asset
        assert client.get(asset).status_code == 200, asset
    # Swagger UI's settings keep it from calling the online validator.
    assert '"validatorUrl": null' in html
    # The script that starts Swagger UI is local too, and names no other site.
    init = b"".join(client.get("/static/ninja/swagger-ui-init.js").streaming_content)
    assert re.findall(rb"https?://", init) == []
