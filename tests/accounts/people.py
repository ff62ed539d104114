"""People for the accounts and catalogue tests, one per role, made as the site makes
them: a Django user with allauth's address rows (verified or not), a group, staff."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from communs.accounts.roles import MODERATORS_GROUP
from communs.catalogue.models import Moderation, Software

# From least to most allowed; "outsider" has a verified address outside the agents'
# domains, "unverified" an agent's address it has not verified.
ROLES = ["visitor", "unverified", "outsider", "agent", "moderator", "administrator"]
AGENT_DOMAINS = ["gouv.fr"]
ADDRESSES = {
    "unverified": ("claire", "claire.martin@culture.gouv.fr", False),
    "outsider": ("olivier", "olivier@example.com", True),
    "agent": ("alice", "alice.durand@culture.gouv.fr", True),
    # Moderators and administrators need not be agents by address: roles add up.
    "moderator": ("mona", "mona@example.org", True),
    "administrator": ("adam", "adam@example.net", True),
}


def make_person(role: str, suffix: str = ""):
    """The user for ``role`` (None for a visitor, who is not signed in)."""
    if role == "visitor":
        return None
    username, address, verified = ADDRESSES[role]
    if suffix:
        username = f"{username}{suffix}"
        local, _, domain = address.partition("@")
        address = f"{local}{suffix}@{domain}"
    user = get_user_model().objects.create_user(username=username, email=address, password="x")
    EmailAddress.objects.create(user=user, email=address, verified=verified, primary=True)
    if role == "moderator":
        group, _created = Group.objects.get_or_create(name=MODERATORS_GROUP)
        user.groups.add(group)
    if role == "administrator":
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    return user


def make_agent(name: str, domain: str = "culture.gouv.fr"):
    user = get_user_model().objects.create_user(username=name, email=f"{name}@{domain}")
    EmailAddress.objects.create(user=user, email=f"{name}@{domain}", verified=True, primary=True)
    return user


def make_software(name: str = "LibreOffice", **fields) -> Software:
    fields.setdefault("moderation", Moderation.PUBLISHED)
    return Software.objects.create(name=name, slug=name.lower().replace(" ", "-"), **fields)


def sign_in(client, user) -> None:
    if user is not None:
        client.force_login(user)
