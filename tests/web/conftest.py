"""Rows for the page tests, made through the ORM: a small public sector and its code."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import count

import pytest
from django.core.cache import cache

from communs.repositories.models import Repository
from communs.search import index_repositories
from communs.sources.models import Account, Forge, Organisation

_numbers = count(1)

RepositoryFactory = Callable[..., Repository]


@dataclass
class Sector:
    """A ministry, a directorate under it, a lab under that; their forges and accounts."""

    ministry: Organisation
    directorate: Organisation
    lab: Organisation
    github: Forge
    gitlab: Forge
    directorate_account: Account
    lab_account: Account


@pytest.fixture
def sector(db: None) -> Sector:
    ministry = Organisation.objects.create(
        key="ministere-exemple",
        name="Ministère de l'Exemple",
        level=Organisation.Level.MINISTRY,
        floss_policy_url="https://exemple.gouv.fr/politique-logiciels-libres",
    )
    directorate = Organisation.objects.create(
        key="direction-numerique",
        name="Direction du numérique",
        parent=ministry,
        pso_id="0a1b2c3d-0000-4000-8000-000000000001",
        identifiers={"siren": "130025265"},
        ospo_url="https://exemple.gouv.fr/ospo",
        website="https://numerique.exemple.gouv.fr",
        description="La direction qui publie le code.",
    )
    lab = Organisation.objects.create(
        key="laboratoire-innovation", name="Laboratoire d'innovation", parent=directorate
    )
    github = Forge.objects.create(
        host="github.com", kind="github", url="https://github.com", api_url="https://api.github.com"
    )
    gitlab = Forge.objects.create(
        host="gitlab.exemple.gouv.fr",
        kind="gitlab",
        url="https://gitlab.exemple.gouv.fr",
        api_url="https://gitlab.exemple.gouv.fr/api/v4",
        scope="instance",
        organisation=lab,
    )
    directorate_account = Account.objects.create(
        forge=github, path="direction-numerique", organisation=directorate, display_name="DNUM"
    )
    lab_account = Account.objects.create(forge=github, path="labo-innov", organisation=lab)
    return Sector(ministry, directorate, lab, github, gitlab, directorate_account, lab_account)


@pytest.fixture
def make_repository(sector: Sector) -> RepositoryFactory:
    """Creates a repository on the directorate's GitHub account unless told otherwise."""

    def make(name: str | None = None, **fields: object) -> Repository:
        number = next(_numbers)
        name = name or f"projet-{number}"
        account = fields.pop("account", sector.directorate_account)
        forge = fields.pop("forge", account.forge if account else sector.gitlab)
        owner = account.path if account else "groupe"
        full_path = str(fields.pop("full_path", f"{owner}/{name}"))
        values: dict[str, object] = {
            "native_id": str(number),
            "url": f"{forge.url}/{full_path}",
            "pushed_at": datetime(2024, 1, 1, tzinfo=UTC),
        }
        values.update(fields)
        repository = Repository.objects.create(
            forge=forge, account=account, full_path=full_path, name=name, **values
        )
        # As imports and harvests do after they store: the list page reads the index.
        index_repositories([repository.pk])
        return repository

    return make


@pytest.fixture
def add_repositories(sector: Sector) -> Callable[[int], None]:
    """Adds ``total`` plain repositories in one query, over both accounts and both forges."""

    def add(total: int) -> None:
        _bulk_repositories(sector, total)

    return add


def _bulk_repositories(sector: Sector, total: int) -> None:
    start = next(_numbers) * 100_000
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
    """Each test starts with no cached figure: rows made by one never leak into another."""
    cache.clear()
