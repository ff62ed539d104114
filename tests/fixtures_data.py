"""Rows made through the ORM, shared by the page tests (tests/web) and the API tests
(tests/api): the core of a small public sector, its forges, and a repository factory.

Each folder's conftest builds its ``sector``, ``make_repository`` and other fixtures from
these, with the values its own tests read (the API's data plant e-mail addresses, for
instance); what they have in common is written once, here. Import it as
``tests.fixtures_data``: pytest imports tests/conftest.py as ``tests.conftest`` first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from itertools import count
from typing import Any

from communs.repositories.models import Repository
from communs.search import index_repositories
from communs.sources.models import Account, Forge, Organisation

# Native ids and default names: unique over the whole run, so rows never collide.
numbers = count(1)

RepositoryFactory = Callable[..., Repository]


@dataclass
class SectorCore:
    """A ministry, a directorate under it, a lab under that; GitHub, and an account there
    for the directorate and one for the lab."""

    ministry: Organisation
    directorate: Organisation
    lab: Organisation
    github: Forge
    directorate_account: Account
    lab_account: Account

    def parts(self) -> dict[str, Any]:
        """The rows by field name, to build a folder's ``Sector`` (a subclass) from."""
        return {field.name: getattr(self, field.name) for field in fields(SectorCore)}


def create_sector_core(
    *, directorate_description: str, directorate_display_name: str
) -> SectorCore:
    """The rows of :class:`SectorCore`; the directorate's free text is the caller's."""
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
        description=directorate_description,
    )
    lab = Organisation.objects.create(
        key="laboratoire-innovation", name="Laboratoire d'innovation", parent=directorate
    )
    github = create_github()
    directorate_account = Account.objects.create(
        forge=github,
        path="direction-numerique",
        organisation=directorate,
        display_name=directorate_display_name,
    )
    lab_account = Account.objects.create(forge=github, path="labo-innov", organisation=lab)
    return SectorCore(ministry, directorate, lab, github, directorate_account, lab_account)


def create_github() -> Forge:
    return Forge.objects.create(
        host="github.com", kind="github", url="https://github.com", api_url="https://api.github.com"
    )


def create_instance(host: str, organisation: Organisation) -> Forge:
    """A GitLab instance that ``organisation`` runs (``host`` may carry a port and a path)."""
    return Forge.objects.create(
        host=host,
        kind="gitlab",
        url=f"https://{host}",
        api_url=f"https://{host}/api/v4",
        scope="instance",
        organisation=organisation,
    )


def repository_factory(default_account: Account, own_forge: Forge) -> RepositoryFactory:
    """Makes a repository on ``default_account`` unless told otherwise; ``account=None``
    puts it on ``own_forge`` (an organisation's own forge) under the owner ``groupe``.

    Other keyword arguments are fields of :class:`Repository`; every row is indexed.
    """

    def make(name: str | None = None, **values: object) -> Repository:
        number = next(numbers)
        name = name or f"projet-{number}"
        account = values.pop("account", default_account)
        forge = values.pop("forge", account.forge if account else own_forge)
        owner = account.path if account else "groupe"
        full_path = str(values.pop("full_path", f"{owner}/{name}"))
        row: dict[str, object] = {
            "native_id": str(number),
            "url": f"{forge.url}/{full_path}",
            "pushed_at": datetime(2024, 1, 1, tzinfo=UTC),
        }
        row.update(values)
        repository = Repository.objects.create(
            forge=forge, account=account, full_path=full_path, name=name, **row
        )
        # As imports and harvests do after they store: lists and the API read the index.
        index_repositories([repository.pk])
        return repository

    return make
