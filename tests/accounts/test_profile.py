"""The profile page: organisation (by key), about, public or not."""

from __future__ import annotations

import pytest
from django.urls import reverse
from tests.accounts.people import make_person

from communs.accounts.models import Profile
from communs.sources.models import Organisation


@pytest.fixture
def agent(db, settings):
    settings.AGENT_DOMAINS = ["gouv.fr"]
    return make_person("agent")


def test_the_profile_page_needs_an_account(client, db):
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_a_person_edits_their_profile(client, agent):
    dinum = Organisation.objects.create(key="dinum", name="DINUM")
    client.force_login(agent)
    page = client.get(reverse("accounts:profile"))
    assert page.status_code == 200
    assert "agent" in page.content.decode()
    response = client.post(
        reverse("accounts:profile"),
        {
            "organisation": "dinum",
            "about": "<b>Chef</b> de projet <script>x()</script>",
            "public": "on",
        },
    )
    assert response.status_code == 302
    profile = Profile.objects.get(user=agent)
    assert profile.organisation == dinum
    assert profile.public is True
    # Markup is removed on the way in: what is stored is plain text.
    assert profile.about == "Chef de projet"


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"organisation": "nowhere"}, "organisation"),
        ({"about": "write to me at jean@culture.gouv.fr"}, "about"),
        ({"about": "x" * 2001}, "about"),
    ],
)
def test_bad_profile_input_is_refused(client, agent, data, error):
    client.force_login(agent)
    response = client.post(reverse("accounts:profile"), data)
    assert response.status_code == 200
    assert error in response.context["form"].errors
    assert not Profile.objects.filter(user=agent).exclude(about="").exists()


def test_the_header_offers_sign_in_then_my_account_and_sign_out(client, agent):
    anonymous = client.get(reverse("home")).content.decode()
    assert reverse("account_login") in anonymous
    assert reverse("account_logout") not in anonymous
    client.force_login(agent)
    signed_in = client.get(reverse("home")).content.decode()
    assert reverse("accounts:profile") in signed_in
    assert f'action="{reverse("account_logout")}"' in signed_in
    # The header never shows the person's address.
    assert agent.email not in signed_in


@pytest.mark.parametrize(
    ("role", "moderation_links"), [("outsider", False), ("agent", False), ("moderator", True)]
)
def test_the_account_menu_leads_moderators_to_their_pages(
    client, settings, db, role, moderation_links
):
    settings.AGENT_DOMAINS = ["gouv.fr"]
    client.force_login(make_person(role))
    page = client.get(reverse("accounts:profile")).content.decode()
    assert (reverse("catalogue:audit-log") in page) is moderation_links
    assert (reverse("catalogue:moderation") in page) is moderation_links
    assert (reverse("catalogue:propose") in page) is (role != "outsider")


@pytest.mark.parametrize(
    "name",
    ["account_email", "account_change_password", "socialaccount_connections", "account_logout"],
)
def test_allauths_pages_for_a_signed_in_person_use_the_sites_layout(client, agent, name):
    client.force_login(agent)
    response = client.get(reverse(name))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'class="site-header"' in page
    assert 'class="account-menu' in page or name == "account_logout"


def test_signing_out_from_the_header_ends_the_session(client, agent):
    client.force_login(agent)
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
