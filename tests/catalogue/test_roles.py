"""Each role can do exactly what it may: one test per action and role.

Every action is tried by a visitor, a signed-in user whose address is not verified,
one with a verified address outside the agents' domains, an agent, a moderator and an
administrator. Allowed, the action answers as it should and its effect is in the
database (and in the audit log); refused, a visitor is sent to sign in, anyone else gets
403, and nothing changed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from tests.accounts.people import AGENT_DOMAINS, ROLES, make_agent, make_person, sign_in

from communs.audit.models import AuditEntry
from communs.catalogue.lifecycle import hand_over_token
from communs.catalogue.models import (
    Category,
    Instance,
    Moderation,
    Referent,
    Software,
    Status,
    Usage,
)

AGENT = {"agent", "moderator", "administrator"}
MODERATOR = {"moderator", "administrator"}
VERIFIED = {"outsider", "agent", "moderator", "administrator"}


@dataclass
class World:
    software: Software
    proposal: Software
    category: Category


@pytest.fixture
def world(db, settings) -> World:
    settings.AGENT_DOMAINS = AGENT_DOMAINS
    settings.CONTACT_RATE_LIMIT = "100/hour"
    cache.clear()
    software = Software.objects.create(
        name="LibreOffice", slug="libreoffice", moderation=Moderation.PUBLISHED
    )
    referent = make_agent("rita")
    Referent.objects.create(software=software, agent=referent)
    proposal = Software.objects.create(
        name="Inkscape", slug="inkscape", moderation=Moderation.PROPOSED
    )
    category = Category.objects.create(slug="office", name_fr="Bureautique")
    return World(software=software, proposal=proposal, category=category)


@dataclass(frozen=True)
class Action:
    name: str
    allowed: set[str]
    method: str
    url: Callable[[World], str]
    data: dict
    # True when the action's effect is in the database.
    done: Callable[[World], bool]
    success_status: int = 302
    audit: str = ""


ACTIONS = [
    Action(
        "propose",
        AGENT,
        "post",
        lambda w: reverse("catalogue:propose"),
        {"name": "GIMP", "function": "Image editing", "licence": "GPL-3.0-or-later"},
        lambda w: Software.objects.filter(name="GIMP", moderation=Moderation.PROPOSED).exists(),
        audit="software.propose",
    ),
    Action(
        "declare use",
        AGENT,
        "post",
        lambda w: reverse("catalogue:declare-use", args=[w.software.slug]),
        {"use_case": "Every office", "version": "7.6"},
        lambda w: Usage.objects.filter(software=w.software, use_case="Every office").exists(),
        audit="usage.declare",
    ),
    Action(
        "become referent",
        AGENT,
        "post",
        lambda w: reverse("catalogue:become-referent", args=[w.software.slug]),
        {"is_expert": "on", "use_case": "Migrations"},
        lambda w: Referent.objects.filter(software=w.software, is_expert=True).exists(),
        audit="referent.join",
    ),
    Action(
        "add instance",
        AGENT,
        "post",
        lambda w: reverse("catalogue:add-instance", args=[w.software.slug]),
        {"name": "Office en ligne", "url": "https://office.example.fr/", "public": "on"},
        lambda w: Instance.objects.filter(software=w.software, name="Office en ligne").exists(),
        audit="instance.add",
    ),
    Action(
        "see the propose form",
        AGENT,
        "get",
        lambda w: reverse("catalogue:propose"),
        {},
        lambda w: True,
        success_status=200,
    ),
    Action(
        "publish",
        MODERATOR,
        "post",
        lambda w: reverse("catalogue:publish", args=[w.proposal.slug]),
        {},
        lambda w: Software.objects.get(pk=w.proposal.pk).moderation == Moderation.PUBLISHED,
        audit="software.publish",
    ),
    Action(
        "turn a proposal down",
        MODERATOR,
        "post",
        lambda w: reverse("catalogue:reject", args=[w.proposal.slug]),
        {},
        lambda w: not Software.objects.filter(pk=w.proposal.pk).exists(),
        audit="software.reject",
    ),
    Action(
        "edit",
        MODERATOR,
        "post",
        lambda w: reverse("catalogue:edit", args=[w.software.slug]),
        {"name": "LibreOffice Writer", "status": "recommended", "environments": ["linux"]},
        lambda w: Software.objects.filter(
            pk=w.software.pk, name="LibreOffice Writer", status=Status.RECOMMENDED
        ).exists(),
        audit="software.edit",
    ),
    Action(
        "categorise",
        MODERATOR,
        "post",
        lambda w: reverse("catalogue:categorise", args=[w.software.slug]),
        {"categories": ["__category__"]},
        lambda w: w.software.categories.filter(pk=w.category.pk).exists(),
        audit="software.categorise",
    ),
    Action(
        "dereference",
        MODERATOR,
        "post",
        lambda w: reverse("catalogue:dereference", args=[w.software.slug]),
        {
            "reason": "Unmaintained",
            "dereferenced_on": "2024-01-31",
            "last_recommended_version": "6.4",
        },
        lambda w: Software.objects.filter(
            pk=w.software.pk, status=Status.DEREFERENCED, dereferenced_reason="Unmaintained"
        ).exists(),
        audit="software.dereference",
    ),
    Action(
        "add a category",
        MODERATOR,
        "post",
        lambda w: reverse("catalogue:categories"),
        {"name_fr": "Graphisme", "name_en": "Graphics"},
        lambda w: Category.objects.filter(slug="graphisme", name_en="Graphics").exists(),
        audit="category.add",
    ),
    Action(
        "edit a category",
        MODERATOR,
        "post",
        lambda w: reverse("catalogue:category-edit", args=[w.category.slug]),
        {"name_fr": "Bureautique", "name_en": "Office", "slug": "office"},
        lambda w: Category.objects.filter(slug="office", name_en="Office").exists(),
        audit="category.edit",
    ),
    Action(
        "delete a category",
        MODERATOR,
        "post",
        lambda w: reverse("catalogue:category-delete", args=[w.category.slug]),
        {},
        lambda w: not Category.objects.filter(slug="office").exists(),
        audit="category.delete",
    ),
    Action(
        "see the proposals",
        MODERATOR,
        "get",
        lambda w: reverse("catalogue:moderation"),
        {},
        lambda w: True,
        success_status=200,
    ),
    Action(
        "read the audit log",
        MODERATOR,
        "get",
        lambda w: reverse("catalogue:audit-log"),
        {},
        lambda w: True,
        success_status=200,
    ),
    Action(
        "contact the referents",
        VERIFIED,
        "post",
        lambda w: reverse("catalogue:contact", args=[w.software.slug]),
        {"subject": "Macros", "message": "Do you use macros?"},
        lambda w: len(mail.outbox) == 1,
        audit="contact.send",
    ),
]


def _data(action: Action, world: World) -> dict:
    return {
        key: [str(world.category.pk) if item == "__category__" else item for item in value]
        if isinstance(value, list)
        else value
        for key, value in action.data.items()
    }


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ACTIONS, ids=lambda action: action.name.replace(" ", "-"))
def test_each_role_does_exactly_what_it_may(client, world, role, action):
    user = make_person(role)
    sign_in(client, user)
    url = action.url(world)
    response = getattr(client, action.method)(url, _data(action, world))
    if role in action.allowed:
        assert response.status_code == action.success_status, response.content[:2000]
        assert action.done(world)
        if action.audit:
            entry = AuditEntry.objects.get(action=action.audit)
            assert entry.actor == user
    else:
        if role == "visitor":
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("account_login"))
        else:
            assert response.status_code == 403
        if action.method == "post":
            assert not action.done(world)
            assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("role", ["visitor", "outsider", "agent"])
def test_a_proposal_is_hidden_from_all_but_its_author_and_moderators(client, world, role):
    user = make_person(role)
    sign_in(client, user)
    url = reverse("catalogue:declare-use", args=[world.proposal.slug])
    response = client.get(url)
    expected = {"visitor": 302, "outsider": 403, "agent": 404}[role]
    assert response.status_code == expected


def test_the_author_of_a_proposal_may_act_on_it(client, world):
    author = make_person("agent")
    world.proposal.proposed_by = author
    world.proposal.save()
    sign_in(client, author)
    response = client.get(reverse("catalogue:declare-use", args=[world.proposal.slug]))
    assert response.status_code == 200


def test_an_agent_of_a_subdomain_is_an_agent_and_a_lookalike_is_not(client, world):
    for name, domain, expected in [
        ("sub", "dinum.numerique.gouv.fr", 200),
        ("fake", "notgouv.fr", 403),
        ("fake2", "gouv.fr.example.com", 403),
    ]:
        user = make_agent(name, domain)
        client.force_login(user)
        assert client.get(reverse("catalogue:propose")).status_code == expected, domain


def test_an_invalid_form_changes_nothing_and_says_why(client, world):
    sign_in(client, make_person("moderator"))
    response = client.post(
        reverse("catalogue:dereference", args=[world.software.slug]),
        {"reason": "", "dereferenced_on": "2999-01-01"},
    )
    assert response.status_code == 400
    assert b"error-summary" in response.content
    assert Software.objects.get(pk=world.software.pk).status == Status.OBSERVATION
    assert not AuditEntry.objects.exists()


def test_forms_refuse_posts_without_the_csrf_token(world):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(make_person("agent"))
    response = client.post(reverse("catalogue:propose"), {"name": "GIMP"})
    assert response.status_code == 403
    assert not Software.objects.filter(name="GIMP").exists()


@pytest.mark.parametrize("role", ROLES)
def test_only_the_referent_may_hand_their_role_over(client, world, role):
    """Handing over acts on the signed-in agent's own referent row: anyone else, agent
    or moderator, finds none (404); and the referent, whatever their role, may."""
    from tests.accounts.people import make_agent

    colleague = make_agent("colette")
    url = reverse("catalogue:hand-over", args=[world.software.slug])
    data = {"colleague": colleague.email}
    user = make_person(role)
    sign_in(client, user)
    response = client.post(url, data)
    rita = Referent.objects.get(software=world.software)
    assert rita.agent.username == "rita"
    if role == "visitor":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    else:
        assert response.status_code == (404 if role in AGENT else 403)
    if role in AGENT:
        # Made a referent, the same person may hand their own row over.
        own = Referent.objects.create(software=world.software, agent=user)
        assert client.post(url, data).status_code == 302
        # The colleague is asked; the role moves when they accept.
        own.refresh_from_db()
        assert own.agent == user
        accept = reverse("catalogue:hand-over-accept", args=[hand_over_token(own, colleague)])
        client.force_login(colleague)
        assert client.post(accept).status_code == 200
        own.refresh_from_db()
        assert own.agent == colleague
        assert Referent.objects.get(pk=rita.pk).agent.username == "rita"
