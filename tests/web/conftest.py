"""Rows for the page tests, made through the ORM: a small public sector and its code.

The sector and the repository factory are built from ``tests.fixtures_data``, which the
API tests share; the values here are the pages' own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core.cache import cache
from tests.fixtures_data import (
    RepositoryFactory,
    SectorCore,
    create_instance,
    create_sector_core,
    numbers,
    repository_factory,
)

from communs.figures import forget_figures
from communs.repositories.models import Repository
from communs.search import index_repositories
from communs.sources.models import Forge

__all__ = ["RepositoryFactory", "Sector", "forget_cached"]


@dataclass
class Sector(SectorCore):
    """A ministry, a directorate under it, a lab under that; GitHub with an account for
    the directorate and one for the lab, and the lab's own GitLab (``gitlab``)."""

    gitlab: Forge


@pytest.fixture
def sector(db: None) -> Sector:
    core = create_sector_core(
        directorate_description="La direction qui publie le code.", directorate_display_name="DNUM"
    )
    return Sector(**core.parts(), gitlab=create_instance("gitlab.exemple.gouv.fr", core.lab))


@pytest.fixture
def make_repository(sector: Sector) -> RepositoryFactory:
    """Creates a repository on the directorate's GitHub account unless told otherwise;
    ``account=None`` puts it on the lab's GitLab."""
    return repository_factory(sector.directorate_account, sector.gitlab)


@pytest.fixture
def add_repositories(sector: Sector) -> Callable[[int], None]:
    """Adds ``total`` plain repositories in one query, over both accounts and both forges."""

    def add(total: int) -> None:
        _bulk_repositories(sector, total)

    return add


def _bulk_repositories(sector: Sector, total: int) -> None:
    start = next(numbers) * 100_000
    rows = []
    for index in range(start, start + total):
        account = (sector.directorate_account, sector.lab_account, None)[index % 3]
        forge = account.forge if account else sector.gitlab
        path = f"{account.path if account else 'groupe'}/lot-{index}"
        rows.append(
            Repository(
                forge=forge,
                account=account,
                native_id=f"lot-{index}",
                full_path=path,
                name=f"lot-{index}",
                url=f"{forge.url}/{path}",
                language=("Python", "Go", "Rust")[index % 3],
                license=("MIT", "", "EUPL-1.2")[index % 3],
                stars=index,
            )
        )
    index_repositories([row.pk for row in Repository.objects.bulk_create(rows)])


@pytest.fixture(autouse=True)
def fresh_statistics() -> None:
    """Each test starts with no cached count: rows made by one never leak into another.
    (The pages' figures live in a table of the test database, emptied with each test.)"""
    cache.clear()


def forget_cached() -> None:
    """Every cached count forgotten, as when data was stored without a refresh: the
    search's (the default cache) and the pages' figures (``communs.figures``)."""
    cache.clear()
    forget_figures()
