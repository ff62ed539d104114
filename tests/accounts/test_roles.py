"""The role rules: the agents' domains (pure), and roles that add up."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from tests.accounts.people import ROLES, make_person

from communs.accounts.models import profile_of
from communs.accounts.roles import (
    address_in_domains,
    forget_roles,
    is_administrator,
    is_agent,
    is_moderator,
    role_of,
)


@pytest.mark.parametrize(
    ("address", "domains", "expected"),
    [
        ("a@gouv.fr", ["gouv.fr"], True),
        ("a@culture.gouv.fr", ["gouv.fr"], True),
        ("a@Culture.Gouv.FR", ["gouv.fr"], True),
        ("a@x.y.gouv.fr", [" .gouv.fr "], True),
        ("a@notgouv.fr", ["gouv.fr"], False),
        ("a@gouv.fr.evil.com", ["gouv.fr"], False),
        ("a@ac-lyon.fr", ["gouv.fr", "ac-lyon.fr"], True),
        ("gouv.fr", ["gouv.fr"], False),
        ("@gouv.fr", ["gouv.fr"], False),
        ("a@gouv.fr", [], False),
        ("a@gouv.fr", [""], False),
    ],
)
def test_an_address_is_in_the_domains_or_below_them(address, domains, expected):
    assert address_in_domains(address, domains) is expected


@pytest.fixture(autouse=True)
def agents_in_gouv_fr(settings):
    settings.AGENT_DOMAINS = ["gouv.fr"]


EXPECTED = {
    # role: (agent, moderator, administrator, word)
    "visitor": (False, False, False, "visitor"),
    "unverified": (False, False, False, "visitor"),
    "outsider": (False, False, False, "visitor"),
    "agent": (True, False, False, "agent"),
    "moderator": (True, True, False, "moderator"),
    "administrator": (True, True, True, "administrator"),
}


@pytest.mark.parametrize("role", ROLES)
def test_roles_add_up(db, role):
    user = make_person(role) or AnonymousUser()
    agent, moderator, administrator, word = EXPECTED[role]
    assert is_agent(user) is agent
    assert is_moderator(user) is moderator
    assert is_administrator(user) is administrator
    assert role_of(user) == word


def test_the_profile_flag_makes_a_moderator(db):
    user = make_person("outsider")
    assert not is_moderator(user)
    profile = profile_of(user)
    profile.moderator = True
    profile.save()
    forget_roles(user)
    assert is_moderator(user)
    assert is_agent(user)


@pytest.mark.parametrize("role", ["agent", "moderator", "administrator"])
def test_an_inactive_account_has_no_role(db, role):
    user = make_person(role)
    user.is_active = False
    user.save()
    forget_roles(user)
    assert role_of(user) == "visitor"


def test_the_domains_come_from_the_setting(db, settings):
    user = make_person("outsider")
    assert not is_agent(user)
    settings.AGENT_DOMAINS = ["example.com"]
    forget_roles(user)
    assert is_agent(user)
