"""The catalogue's admin pages list, search and open rows."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from .conftest import World

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("model", "query", "shown"),
    [
        ("software", "writ", "Writer"),
        ("category", "bureau", "Bureautique"),
        ("usage", "Lyon", "Mairie de Lyon"),
        ("referent", "sheet", "Sheet"),
        ("instance", "pix", "Pix"),
        ("provider", "libre", "Libre Services"),
        ("attributedefinition", "", "rgaa"),
    ],
)
def test_each_admin_list_finds_its_rows(
    client: Client, world: World, model: str, query: str, shown: str
) -> None:
    admin = get_user_model().objects.create_superuser("root", "root@example.org", None)
    client.force_login(admin)
    response = client.get(reverse(f"admin:catalogue_{model}_changelist"), {"q": query})
    assert response.status_code == 200
    assert shown in response.content.decode()


def test_a_software_opens_in_the_admin(client: Client, world: World) -> None:
    admin = get_user_model().objects.create_superuser("root", "root@example.org", None)
    client.force_login(admin)
    url = reverse("admin:catalogue_software_change", args=[world.writer.pk])
    assert client.get(url).status_code == 200
