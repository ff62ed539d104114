"""Rows for the open-data tests: a small sector whose text a hostile forge wrote."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.cache import cache
from django.utils import translation
from tests.fixtures_data import SectorCore, create_instance, create_sector_core, repository_factory

from communs.repositories.models import Repository

EMAIL = "jeanne.martin@exemple.gouv.fr"


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    """The search caches the hierarchy and counts: no test reads another's."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def open_data_dir(settings: object, tmp_path: Path) -> Path:
    """A fresh open-data folder for each test."""
    folder = tmp_path / "open-data"
    settings.OPEN_DATA_DIR = folder  # type: ignore[attr-defined]
    return folder


@pytest.fixture
def sector(db: None) -> SectorCore:
    """A ministry, a directorate, a lab, and repositories with every kind of value."""
    core = create_sector_core(
        directorate_description=f"Écrire à {EMAIL}", directorate_display_name="DNUM"
    )
    gitlab = create_instance("gitlab.exemple.gouv.fr", core.lab)
    make = repository_factory(core.directorate_account, gitlab)
    make(
        "carto",
        description=f'Cartographie "nationale", contact: {EMAIL}\nligne deux, virgule',
        license="EUPL-1.2",
        language="Python",
        languages={"Python": 1200, "HTML": 30},
        topics=["cartographie", "sig"],
        stars=12,
        forks=3,
        is_fork=False,
        homepage="https://carto.exemple.gouv.fr",
        created_at=datetime(2020, 5, 1, 8, 30, 15, 123456, tzinfo=UTC),
    )
    # A fork state nobody knows, odd JSON from a forge, no dates.
    make(
        "inconnu", is_fork=None, languages=["not", "a", "dict"], topics="not a list", pushed_at=None
    )
    make("labo", account=None, is_archived=True, is_template=True, license="NOASSERTION")
    gone = make("disparu")
    Repository.objects.filter(pk=gone.pk).update(gone_since=datetime(2024, 2, 1, tzinfo=UTC))
    return core
