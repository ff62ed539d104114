"""Rows for the history tests: the small public sector of the page and API tests, a
second ministry and a lonely forge, and repositories with licences and languages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from django.core.cache import cache
from tests.fixtures_data import (
    RepositoryFactory,
    SectorCore,
    create_instance,
    create_sector_core,
    repository_factory,
)

from communs.repositories.models import Repository
from communs.sources.models import Account, Forge, Organisation

DAY = date(2026, 3, 2)


@dataclass
class Sector(SectorCore):
    gitlab: Forge
    other_account: Account
    lonely: Forge


@pytest.fixture(autouse=True)
def fresh_statistics() -> None:
    """No cached count from another test (the search's counts live in the default cache)."""
    cache.clear()


@pytest.fixture
def sector(db: None) -> Sector:
    core = create_sector_core(
        directorate_description="La direction.", directorate_display_name="DNUM"
    )
    other = Organisation.objects.create(
        key="ministere-autre", name="Autre ministère", level=Organisation.Level.MINISTRY
    )
    lonely = Forge.objects.create(
        host="git.commune.fr",
        kind="gitea",
        url="https://git.commune.fr",
        api_url="https://git.commune.fr/api/v1",
    )
    return Sector(
        **core.parts(),
        gitlab=create_instance("gitlab.exemple.gouv.fr", core.lab),
        other_account=Account.objects.create(forge=core.github, path="autre", organisation=other),
        lonely=lonely,
    )


@pytest.fixture
def make_repository(sector: Sector) -> RepositoryFactory:
    return repository_factory(sector.directorate_account, sector.gitlab)


@pytest.fixture
def index(sector: Sector, make_repository: RepositoryFactory) -> list[Repository]:
    """Nine repositories over three forges and two ministries, one gone."""
    return [
        make_repository(license="MIT", language="Python", stars=10, forks=1),
        make_repository(license="MIT", language="Python", stars=3, is_fork=True),
        make_repository(license="EUPL-1.2", language="Go", is_archived=True),
        make_repository(license="NOASSERTION", language="Go", open_issues=4),
        make_repository(account=sector.lab_account, language="Rust", pushed_at=None),
        make_repository(account=None, license="MIT"),
        make_repository(account=sector.other_account, license="GPL-3.0-only", language="Python"),
        make_repository(account=None, forge=sector.lonely, language="PHP"),
        make_repository(license="MIT", stars=99, gone_since=datetime(2024, 1, 1, tzinfo=UTC)),
    ]
