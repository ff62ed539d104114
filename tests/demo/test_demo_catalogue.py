"""The demo's catalogue: stored through the SILL importer, with made-up uses and referents."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.test import Client

from communs.catalogue.models import Instance, Referent, Software, Status, Usage
from communs.demo.catalogue import KNOWN_SOFTWARE, OWN_ENTRIES, PLUGINS, load_demo_catalogue
from communs.demo.generator import generate
from communs.demo.management.commands.demo import load_demo

NOW = datetime(2026, 3, 1, tzinfo=UTC)
EMAIL = re.compile(rb"[\w.+-]+@[\w-]+\.[\w.-]+")


@pytest.fixture
def demo(tmp_path: Path) -> int:
    load_demo(generate(organisations=40, repositories=200, seed=3, now=NOW), tmp_path)
    return load_demo_catalogue(seed=3)


@pytest.mark.django_db
def test_it_stores_known_software_plugins_and_the_demo_s_own_repositories(demo: int) -> None:
    assert demo == len(KNOWN_SOFTWARE) + len(PLUGINS) + OWN_ENTRIES
    assert Software.objects.published().count() == demo
    statuses = set(Software.objects.values_list("status", flat=True))
    assert statuses == {Status.RECOMMENDED, Status.OBSERVATION, Status.DEREFERENCED}
    assert Software.objects.get(name="Lightning").parent.name == "Thunderbird"
    similar = Software.objects.get(name="LibreOffice").similar.values_list("name", flat=True)
    assert "OpenOffice.org" in similar
    # The demo's own repositories are linked to the entries made from them.
    assert Software.objects.filter(repository__isnull=False).count() >= OWN_ENTRIES
    assert Instance.objects.count() == 20
    assert Usage.objects.exists() and Referent.objects.exists()


@pytest.mark.django_db
def test_loading_it_again_changes_nothing(demo: int) -> None:
    before = (
        list(Software.objects.order_by("pk").values_list("pk", "name", "updated_at", "parent")),
        Usage.objects.count(),
        Referent.objects.count(),
        Instance.objects.count(),
    )
    assert load_demo_catalogue(seed=3) == demo
    after = (
        list(Software.objects.order_by("pk").values_list("pk", "name", "updated_at", "parent")),
        Usage.objects.count(),
        Referent.objects.count(),
        Instance.objects.count(),
    )
    assert after == before


@pytest.mark.django_db
def test_its_pages_and_export_show_no_address_of_the_made_up_agents(demo: int) -> None:
    client = Client()
    slug = Software.objects.filter(referents__isnull=False).first().slug
    for path in ("/catalogue/", f"/catalogue/software/{slug}/", "/catalogue/catalogue.json"):
        response = client.get(path)
        assert response.status_code == 200
        # Neither their addresses nor their user names (their profiles are private).
        assert b"demo-agent" not in response.content
        assert EMAIL.findall(response.content) == []
