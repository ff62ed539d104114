"""The admin pages of forges, organisations and accounts: lists, search, filters."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from communs.sources.models import Account, Forge, Organisation


@pytest.fixture
def admin_client_logged_in(db: None) -> Client:
    user = get_user_model().objects.create_superuser("admin", "admin@example.org", "x")
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def rows(db: None) -> dict[str, object]:
    ministry = Organisation.objects.create(
        key="culture", name="Ministère de la Culture", level=Organisation.Level.MINISTRY
    )
    museum = Organisation.objects.create(key="musee", name="Musée Saint-Raymond", parent=ministry)
    forge = Forge.objects.create(
        host="gitlab.example.org",
        kind="gitlab",
        url="https://gitlab.example.org",
        api_url="https://gitlab.example.org/api/v4",
        organisation=ministry,
    )
    kept = Account.objects.create(forge=forge, path="musee-team", organisation=museum)
    gone = Account.objects.create(
        forge=forge, path="old-team", ignored_since=date(2024, 8, 9), ignored_reason="left"
    )
    return {"forge": forge, "kept": kept, "gone": gone, "museum": museum}


@pytest.mark.parametrize(
    ("model", "shown"),
    [
        ("forge", "gitlab.example.org"),
        ("organisation", "Musée Saint-Raymond"),
        ("account", "musee-team"),
    ],
)
def test_it_lists_each_kind_of_row(
    admin_client_logged_in: Client, rows: dict[str, object], model: str, shown: str
) -> None:
    response = admin_client_logged_in.get(reverse(f"admin:sources_{model}_changelist"))
    assert response.status_code == 200
    assert shown in response.content.decode()


def test_it_searches_and_filters_accounts(
    admin_client_logged_in: Client, rows: dict[str, object]
) -> None:
    url = reverse("admin:sources_account_changelist")
    found = admin_client_logged_in.get(url, {"q": "Saint-Raymond"}).context["cl"].result_list
    assert list(found) == [rows["kept"]]
    ignored = admin_client_logged_in.get(url, {"ignored": "yes"}).context["cl"].result_list
    assert list(ignored) == [rows["gone"]]
    harvested = admin_client_logged_in.get(url, {"ignored": "no"}).context["cl"].result_list
    assert list(harvested) == [rows["kept"]]


def test_it_counts_a_forges_accounts(
    admin_client_logged_in: Client, rows: dict[str, object]
) -> None:
    response = admin_client_logged_in.get(reverse("admin:sources_forge_changelist"))
    [forge] = response.context["cl"].result_list
    assert forge.account_count == 2


def test_it_completes_organisations_by_name(
    admin_client_logged_in: Client, rows: dict[str, object]
) -> None:
    response = admin_client_logged_in.get(
        reverse("admin:autocomplete"),
        {
            "term": "musée",
            "app_label": "sources",
            "model_name": "account",
            "field_name": "organisation",
        },
    )
    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == ["Musée Saint-Raymond"]


def test_it_opens_a_forge_with_its_accounts(
    admin_client_logged_in: Client, rows: dict[str, object]
) -> None:
    forge = rows["forge"]
    response = admin_client_logged_in.get(reverse("admin:sources_forge_change", args=[forge.pk]))
    assert response.status_code == 200
    assert "old-team" in response.content.decode()
