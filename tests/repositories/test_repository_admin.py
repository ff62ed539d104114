"""The admin page of repositories: list, filters, search, and the change form."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from communs.repositories.models import Repository
from communs.sources.models import Account, Forge

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client: Client) -> Client:
    user = User.objects.create_superuser("admin", "admin@example.org", "not-a-secret")
    client.force_login(user)
    return client


@pytest.fixture
def repositories() -> list[Repository]:
    forge = Forge.objects.create(
        host="gitlab.example.org",
        kind="gitlab",
        url="https://gitlab.example.org",
        api_url="https://gitlab.example.org/api/v4",
    )
    account = Account.objects.create(forge=forge, path="group")
    common = {"forge": forge, "account": account}
    github = Forge.objects.create(
        host="github.com", kind="github", url="https://github.com", api_url="https://api.github.com"
    )
    return [
        Repository.objects.create(
            forge=github, full_path="etalab/gamma", name="gamma", url="https://x/c"
        ),
        Repository.objects.create(
            full_path="group/alpha", name="alpha", url="https://x/a", license="MIT", **common
        ),
        Repository.objects.create(
            full_path="group/beta",
            name="beta",
            url="https://x/b",
            license="AGPL-3.0",
            is_fork=True,
            description="a fork of something",
            **common,
        ),
    ]


def listed(response: HttpResponse) -> list[str]:
    return [str(repo) for repo in response.context["cl"].result_list]


def test_it_lists_filters_and_searches_repositories(
    staff: Client, repositories: list[Repository]
) -> None:
    url = reverse("admin:repositories_repository_changelist")
    response = staff.get(url)
    assert response.status_code == 200
    assert listed(response) == [
        "github.com/etalab/gamma",
        "gitlab.example.org/group/alpha",
        "gitlab.example.org/group/beta",
    ]
    assert listed(staff.get(url, {"is_fork__exact": "1"})) == ["gitlab.example.org/group/beta"]
    assert listed(staff.get(url, {"license": "MIT"})) == ["gitlab.example.org/group/alpha"]
    assert listed(staff.get(url, {"forge__id__exact": repositories[1].forge_id})) == [
        "gitlab.example.org/group/alpha",
        "gitlab.example.org/group/beta",
    ]
    assert listed(staff.get(url, {"q": "fork of"})) == ["gitlab.example.org/group/beta"]
    filters = {spec.field_path for spec in response.context["cl"].filter_specs}
    assert filters >= {"forge", "is_fork", "is_archived", "license"}


def test_its_change_form_opens_with_raw_id_fields(
    staff: Client, repositories: list[Repository]
) -> None:
    response = staff.get(reverse("admin:repositories_repository_change", args=[repositories[1].pk]))
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.fields["account"].widget.__class__.__name__ == "ForeignKeyRawIdWidget"
    assert form.fields["forge"].widget.__class__.__name__ == "ForeignKeyRawIdWidget"
