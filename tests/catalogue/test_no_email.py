"""No e-mail address in any public page, feed, export or API answer of the catalogue.

The fixture gives people addresses as usernames, addresses, names, and puts one in a
description, a dereferencing reason and an instance's audience; every public answer is
scanned for any address at all.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client

from communs.catalogue.models import (
    AttributeDefinition,
    AttributeValue,
    Instance,
    Provider,
    Software,
    Usage,
)
from communs.opendata.publish import publish_open_data

from .conftest import ADDRESSES, World

pytestmark = pytest.mark.django_db

ADDRESS = re.compile(r"[\w.+%-]+@[\w-]+(?:\.[\w-]+)+")

PUBLIC = [
    "/catalogue/",
    "/catalogue/?sort=users",
    "/catalogue/?organisation=dinum",
    "/catalogue/software/writer/",
    "/catalogue/software/sheet/",
    "/catalogue/software/grammar/",
    "/catalogue/instances/",
    "/catalogue/catalogue.json",
    "/catalogue/catalogue.csv",
    "/catalogue/feeds/new.atom",
    "/catalogue/feeds/updated.atom",
    "/catalogue/feeds/categories/donnees/new.atom",
    "/catalogue/feeds/categories/donnees/updated.atom",
    "/api/v1/catalogue/software",
    "/api/v1/catalogue/software?sort=referents",
    "/api/v1/catalogue/software/writer",
    "/api/v1/catalogue/software/grammar",
]


@pytest.mark.parametrize("language", ["fr", "en"])
def test_no_public_answer_holds_an_address(client: Client, world: World, language: str) -> None:
    for path in PUBLIC:
        response = client.get(path, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200, path
        text = response.content.decode()
        assert ADDRESS.findall(text) == [], path
        # Nor the part before the "@" of the people's addresses (their usernames).
        assert "alice.durand" not in text and "jean.dupont" not in text, path


def plant_addresses(world: World) -> None:
    """An address in every text an agent, a moderator or an import may write."""
    planted = ADDRESSES[3]
    Software.objects.filter(pk=world.writer.pk).update(
        function=f"Écrire à {planted}", description_en=f"Mail {planted}"
    )
    Instance.objects.filter(software=world.writer).update(
        name=f"Bureau {planted}", description=f"Ask {planted}"
    )
    Instance.objects.filter(software=None).update(
        software_name=f"Pix {planted}", organisation_name=f"Org {planted}"
    )
    Usage.objects.filter(organisation_name="Mairie de Lyon").update(
        organisation_name=f"Mairie {planted}"
    )
    Provider.objects.update(name=f"Provider {planted}")
    AttributeValue.objects.update(value=f"Contact {planted}")
    AttributeDefinition.objects.update(kind="text")


@pytest.mark.parametrize("language", ["fr", "en"])
def test_addresses_planted_in_every_text_are_hidden(
    client: Client, world: World, language: str
) -> None:
    plant_addresses(world)
    for path in PUBLIC:
        text = client.get(path, HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert ADDRESS.findall(text) == [], path
    # The scan itself sees an address when there is one.
    assert ADDRESS.findall(Software.objects.get(pk=world.writer.pk).function) == [ADDRESSES[3]]


def test_the_open_data_files_hold_no_address(world: World, tmp_path: Path) -> None:
    plant_addresses(world)
    publish_open_data(tmp_path)
    for name in ("catalogue", "catalogue-instances"):
        for extension in ("csv", "json"):
            text = (tmp_path / f"{name}.{extension}").read_text()
            assert ADDRESS.findall(text) == [], name


ACCOUNT_PAGES = ["/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"]


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_history_the_account_pages_and_the_confirm_link_hold_no_address(
    client: Client, world: World, language: str
) -> None:
    from django.contrib.auth import get_user_model

    from communs.accounts.models import profile_of
    from communs.audit.log import record
    from communs.catalogue.alerts import unsubscribe_token
    from communs.catalogue.lifecycle import confirmation_token, hand_over_token
    from communs.catalogue.models import Referent

    # People with public profiles act on an entry: one named by an address, one
    # without a name whose username is an address.
    for user in get_user_model().objects.all():
        profile = profile_of(user)
        profile.public = True
        profile.save()
        record(user, "usage.declare", world.writer, {"use_case": {"before": None, "after": "x"}})
    referent = Referent.objects.filter(software=world.writer).first()
    paths = [
        "/catalogue/software/writer/",
        *ACCOUNT_PAGES,
        f"/catalogue/referents/confirm/{confirmation_token(referent)}/",
        f"/catalogue/alerts/stop/{unsubscribe_token(world.alice)}/",
        f"/catalogue/referents/hand-over/{hand_over_token(referent, world.bob)}/",
    ]
    for path in paths:
        response = client.get(path, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200, path
        text = response.content.decode()
        assert ADDRESS.findall(text) == [], path
        assert "alice.durand" not in text and "jean.dupont" not in text, path


# Every catalogue route is either scanned above or closed to visitors.
PUBLIC_ROUTES = {
    "list", "software", "instances", "export-json", "export-csv", "feed-new",
    "feed-updated", "feed-new-category", "feed-updated-category", "referent-confirm",
    "alerts-unsubscribe", "hand-over-accept",
    # Our own PNG files, re-encoded from the upload: no text in them.
    "logo-file",
}  # fmt: skip
SIGNED_IN_ROUTES = {
    "mine", "propose", "moderation", "audit-log", "categories", "category-edit",
    "category-delete", "declare-use", "become-referent", "hand-over", "add-instance",
    "contact", "publish", "reject", "edit", "categorise", "dereference", "candidates",
    "candidate-propose", "follow-category", "unfollow-category", "logo",
}  # fmt: skip


def test_every_catalogue_route_is_scanned_or_closed_to_visitors(client: Client, world: World):
    from django.urls import get_resolver, reverse

    from communs.api.catalogue import router

    _prefix, resolver = get_resolver().namespace_dict["catalogue"]
    names = {key for key in resolver.reverse_dict if isinstance(key, str)}
    # A new route must be added to one of the two lists (and, if public, to PUBLIC).
    assert names == PUBLIC_ROUTES | SIGNED_IN_ROUTES
    arguments = {"slug": "writer", "repository_id": 1}
    for name in sorted(SIGNED_IN_ROUTES):
        pattern = resolver.reverse_dict.getlist(name)[0][0][0][1]
        url = reverse(f"catalogue:{name}", kwargs={k: arguments[k] for k in pattern})
        response = client.get(url)
        assert response.status_code in (302, 405), url
        if response.status_code == 302:
            assert response["Location"].startswith(reverse("account_login")), url
    # The API's catalogue operations are the two scanned above.
    assert set(router.path_operations) == {"/software", "/software/{slug}"}
