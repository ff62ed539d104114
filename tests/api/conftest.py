"""Rows for the API tests, made through the ORM, and a client that reads the API.

The data set holds e-mail addresses wherever free text can carry one (descriptions,
display names, reasons, topics), so that any test may check none comes out.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from tests.fixtures_data import (
    RepositoryFactory,
    SectorCore,
    create_instance,
    create_sector_core,
    repository_factory,
)

from communs.repositories.models import Repository
from communs.sources.models import Account, Forge, Organisation

__all__ = ["PLANTED_EMAILS", "ApiClient", "Catalogue", "RepositoryFactory", "Sector"]

# Addresses planted in the data: none may appear in any answer.
PLANTED_EMAILS = (
    "jeanne.martin@exemple.gouv.fr",
    "contact+api@labo.example.org",
    "admin@git.exemple.gouv.fr",
    "dev@numerique.exemple.fr",
)


@dataclass
class Sector(SectorCore):
    """A ministry, a directorate under it, a lab under that, a second ministry; three
    forges (one self-hosted under a path and a port, run by the lab) and their accounts:
    GitHub for the directorate and the lab, gitlab.com (ignored) for the other ministry."""

    other_ministry: Organisation
    gitlab: Forge
    instance: Forge
    other_account: Account


@pytest.fixture(autouse=True)
def fresh_cache(settings: Any) -> Iterator[None]:
    """No cached figure or rate counter crosses tests; the rate limit is generous unless
    a test sets its own (most tests make more than 60 requests)."""
    settings.API_RATE_LIMIT = "100000/minute"
    settings.TRUSTED_PROXY_HEADER = ""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def sector(db: None) -> Sector:
    core = create_sector_core(
        directorate_description=f"La direction qui publie le code. Écrire à {PLANTED_EMAILS[3]}.",
        directorate_display_name=f"DNUM ({PLANTED_EMAILS[0]})",
    )
    other_ministry = Organisation.objects.create(
        key="ministere-autre", name="Autre ministère", level=Organisation.Level.MINISTRY
    )
    gitlab = Forge.objects.create(
        host="gitlab.com",
        kind="gitlab",
        url="https://gitlab.com",
        api_url="https://gitlab.com/api/v4",
        ignored_since=date(2024, 6, 1),
        ignored_reason=f"Plus suivie, voir {PLANTED_EMAILS[2]}",
    )
    return Sector(
        **core.parts(),
        other_ministry=other_ministry,
        gitlab=gitlab,
        instance=create_instance("git.exemple.gouv.fr:8443/gitlab", core.lab),
        other_account=Account.objects.create(
            forge=gitlab, path="autre", organisation=other_ministry
        ),
    )


@pytest.fixture
def make_repository(sector: Sector) -> RepositoryFactory:
    """Creates a repository on the directorate's GitHub account unless told otherwise;
    ``account=None`` puts it on the lab's own forge."""
    return repository_factory(sector.directorate_account, sector.instance)


@dataclass
class Catalogue:
    alpha: Repository
    beta: Repository
    gamma: Repository
    delta: Repository
    gone: Repository


@pytest.fixture
def catalogue(sector: Sector, make_repository: RepositoryFactory) -> Catalogue:
    """Five repositories with everything a filter looks at, and planted addresses."""
    alpha = make_repository(
        "alpha",
        description=f"Outil de cartographie. Contact : {PLANTED_EMAILS[0]}",
        language="Python",
        languages={"Python": 1200, "HTML": 300},
        topics=["cartographie", PLANTED_EMAILS[1]],
        license="MIT",
        stars=10,
        forks=1,
        is_fork=False,
        homepage="https://alpha.exemple.gouv.fr",
        created_at=datetime(2019, 1, 1, tzinfo=UTC),
        pushed_at=datetime(2024, 3, 1, tzinfo=UTC),
        last_harvested_at=datetime(2024, 3, 2, 10, 0, tzinfo=UTC),
    )
    beta = make_repository(
        "Beta",
        account=sector.lab_account,
        language="Go",
        license="EUPL-1.2",
        stars=30,
        forks=0,
        is_fork=True,
        created_at=datetime(2021, 1, 1, tzinfo=UTC),
        pushed_at=datetime(2024, 1, 1, tzinfo=UTC),
    )
    gamma = make_repository(
        "gamma",
        account=None,
        description="Données ouvertes",
        language="Python",
        license="",
        stars=20,
        forks=9,
        is_archived=True,
        is_template=True,
        created_at=None,
        pushed_at=None,
    )
    delta = make_repository(
        "delta",
        account=sector.other_account,
        language="Rust",
        license="NOASSERTION",
        stars=20,
        pushed_at=datetime(2023, 6, 1, tzinfo=UTC),
    )
    gone = make_repository(
        "disparu", language="Python", license="MIT", gone_since=datetime(2024, 5, 1, tzinfo=UTC)
    )
    return Catalogue(alpha, beta, gamma, delta, gone)


class ApiClient:
    """Reads the API and decodes its JSON answers."""

    def __init__(self, client: Client) -> None:
        self.client = client

    def get(self, path: str, params: dict[str, object] | None = None, **headers: str):  # noqa: ANN201
        headers.setdefault("HTTP_ACCEPT_LANGUAGE", "en")
        return self.client.get(path, params or {}, **headers)

    def json(self, path: str, params: dict[str, object] | None = None, status: int = 200) -> Any:
        response = self.get(path, params)
        assert response.status_code == status, response.content[:500]
        assert response["Content-Type"].startswith("application/json")
        return json.loads(response.content)


@pytest.fixture
def api(client: Client) -> ApiClient:
    return ApiClient(client)
