"""Local accounts: signing up sends a verification e-mail (Django's locmem backend
under test), signing in waits for it, and the verified address makes an agent."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from communs.accounts.roles import is_agent, role_of

PASSWORD = "un-mot-de-passe-assez-long-42"


@pytest.fixture(autouse=True)
def agents_in_gouv_fr(settings):
    settings.AGENT_DOMAINS = ["gouv.fr"]
    # allauth keeps its cool-downs (one verification e-mail per address at a time)
    # in the cache: each test starts afresh.
    cache.clear()


def _sign_up(client, address: str):
    return client.post(
        reverse("account_signup"),
        {"email": address, "password1": PASSWORD, "password2": PASSWORD},
    )


def _link_in(message) -> str:
    found = re.search(r"https?://[^\s]+/accounts/confirm-email/[^\s]+/", message.body)
    assert found, message.body
    return found.group(0).split("testserver", 1)[1]


def test_signing_up_sends_a_verification_email_and_the_link_verifies(client, db):
    response = _sign_up(client, "jeanne.petit@culture.gouv.fr")
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["jeanne.petit@culture.gouv.fr"]
    user = get_user_model().objects.get(email="jeanne.petit@culture.gouv.fr")
    assert not EmailAddress.objects.get(user=user).verified
    assert not is_agent(user)

    link = _link_in(mail.outbox[0])
    # Following the link shows a button; only pressing it verifies (mail scanners
    # follow links by themselves).
    assert client.get(link).status_code == 200
    assert not EmailAddress.objects.get(user=user).verified
    client.post(link)
    assert EmailAddress.objects.get(user=user).verified
    user = get_user_model().objects.get(pk=user.pk)
    assert is_agent(user)
    assert role_of(user) == "agent"


def test_an_unverified_account_cannot_sign_in(client, db):
    _sign_up(client, "paul@example.com")
    client.logout()
    response = client.post(
        reverse("account_login"), {"login": "paul@example.com", "password": PASSWORD}
    )
    # Sent to the "check your mailbox" page instead of getting a session.
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session


def test_a_verified_address_outside_the_domains_is_not_an_agent(client, db):
    _sign_up(client, "paul@example.com")
    client.post(_link_in(mail.outbox[0]))
    user = get_user_model().objects.get(email="paul@example.com")
    assert EmailAddress.objects.get(user=user).verified
    assert not is_agent(user)
    assert role_of(user) == "visitor"


def test_user_names_are_never_the_address(client, db):
    _sign_up(client, "jeanne.petit@culture.gouv.fr")
    user = get_user_model().objects.get(email="jeanne.petit@culture.gouv.fr")
    assert "@" not in user.get_username()


def test_the_account_pages_use_the_sites_layout_in_french_and_english(client, db):
    french = client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE="fr")
    english = client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE="en")
    assert b'class="site-header"' in french.content
    assert "Connexion" in french.content.decode()
    assert "Sign In" in english.content.decode()
    # Every field has a visible label.
    for field_id in (b'id="id_login"', b'id="id_password"'):
        assert field_id in french.content
    assert b'<label for="id_login">' in french.content


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/", "/\\evil.example/", "javascript:alert(1)"],
)
def test_signing_in_never_leads_to_another_site(client, db, target):
    from tests.accounts.people import make_person

    person = make_person("agent")
    response = client.post(
        reverse("account_login"),
        {"login": person.email, "password": "x", "next": target},
    )
    assert response.status_code == 302
    assert "evil" not in response["Location"] and "javascript" not in response["Location"]
    assert response.wsgi_request.user.is_authenticated
    # A path of this site is followed.
    client.logout()
    inside = client.post(
        reverse("account_login"),
        {"login": person.email, "password": "x", "next": "/catalogue/mine/"},
    )
    assert inside["Location"] == "/catalogue/mine/"
