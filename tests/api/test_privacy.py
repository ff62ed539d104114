"""No e-mail address ever comes out of the API, whatever field it was written in."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from .conftest import PLANTED_EMAILS, Catalogue

# Broader than the redaction's own pattern: anything shaped like local@domain.tld.
ADDRESS = re.compile(r"[^\s\"'<>()\[\]{}:,;/]+@[^\s\"'<>()\[\]{}:,;/]+\.[a-z]{2,}", re.IGNORECASE)


def every_answer(client: Client, catalogue: Catalogue) -> dict[str, str]:
    """Each endpoint's answer for the data set, following every page and every object."""
    paths = [
        "/api/v1/repositories?include_gone=true&limit=2",
        "/api/v1/repositories?q=cartographie",
        "/api/v1/organisations?limit=2",
        "/api/v1/forges",
        "/api/v1/stats",
        "/api/openapi.json",
        "/api/v1/openapi.json",
        "/api/docs",
        "/api/v1/docs",
        *(f"/api/v1/repositories/{repo.pk}" for repo in vars(catalogue).values()),
    ]
    answers: dict[str, str] = {}
    while paths:
        path = paths.pop()
        for language in ("en", "fr"):
            response = client.get(path, HTTP_ACCEPT_LANGUAGE=language)
            assert response.status_code == 200, path
            answers[f"{path} ({language})"] = response.content.decode()
        if path.startswith(("/api/v1/repositories?", "/api/v1/organisations?")):
            page = response.json()
            if page["next"]:
                paths.append(page["next"])
            if path.startswith("/api/v1/organisations?"):
                paths.extend(f"/api/v1/organisations/{row['key']}" for row in page["results"])
        if path == "/api/v1/forges":
            paths.extend(f"/api/v1/forges/{forge['host']}" for forge in response.json())
    return answers


@pytest.mark.django_db
def test_it_hides_every_email_address(client: Client, catalogue: Catalogue) -> None:
    answers = every_answer(client, catalogue)
    assert len(answers) > 30
    for where, text in answers.items():
        for planted in PLANTED_EMAILS:
            assert planted not in text, where
        assert ADDRESS.findall(text) == [], where
    # The text around an address is kept: only the address is hidden.
    alpha = answers[f"/api/v1/repositories/{catalogue.alpha.pk} (en)"]
    assert "Outil de cartographie. Contact : [e-mail address hidden]" in alpha
    french = answers[f"/api/v1/repositories/{catalogue.alpha.pk} (fr)"]
    assert "[adresse électronique masquée]" in french
    directorate = answers["/api/v1/organisations/direction-numerique (en)"]
    assert "DNUM ([e-mail address hidden])" in directorate
