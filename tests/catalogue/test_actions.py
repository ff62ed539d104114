"""The catalogue's write side in detail: contact without addresses and with limits,
server-side validation and sanitising, the audit trail, and the buttons by role."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from tests.accounts.people import AGENT_DOMAINS, make_agent, make_person, make_software

from communs.accounts.models import profile_of
from communs.audit.log import history_of
from communs.audit.models import AuditEntry
from communs.catalogue.models import Moderation, Referent, Software, Usage
from communs.sources.models import Organisation

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


@pytest.fixture
def software(db, settings):
    settings.AGENT_DOMAINS = AGENT_DOMAINS
    settings.CONTACT_RATE_LIMIT = "3/hour"
    cache.clear()
    return make_software("LibreOffice")


@pytest.fixture
def referents(software):
    people = [make_agent("rita"), make_agent("raoul", "interieur.gouv.fr")]
    for person in people:
        Referent.objects.create(software=software, agent=person)
    lapsed = make_agent("lucien")
    Referent.objects.create(software=software, agent=lapsed, lapsed=True)
    return people


def _contact(client, software, **data):
    data = {"subject": "Macros", "message": "Do you use macros?", **data}
    return client.post(reverse("catalogue:contact", args=[software.slug]), data)


# Contact the referents -----------------------------------------------------------------


def test_each_referent_gets_their_own_message_and_no_one_sees_an_address(
    client, software, referents
):
    sender = make_person("outsider")
    client.force_login(sender)
    form = client.get(reverse("catalogue:contact", args=[software.slug]))
    assert form.status_code == 200
    assert not EMAIL.search(form.content.decode().replace(sender.email, ""))
    response = _contact(client, software)
    assert response.status_code == 302
    # One message per active referent (the lapsed one is left out), each to one address.
    assert sorted(message.to[0] for message in mail.outbox) == sorted(p.email for p in referents)
    for message in mail.outbox:
        assert len(message.to) == 1
        assert message.cc == [] and message.bcc == []
        # The sender did not agree to share their address: it is nowhere in the message.
        assert message.reply_to == []
        assert sender.email not in message.body + message.subject + str(message.extra_headers)
        others = [p.email for p in referents if p.email != message.to[0]]
        assert not any(other in message.body for other in others)
        assert "Do you use macros?" in message.body
    # The page the sender sees afterwards shows no referent's address either.
    assert response["Location"] == software.get_absolute_url()
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert not any(p.email in page.content.decode() for p in referents)


def test_the_sender_may_let_referents_answer(client, software, referents):
    sender = make_person("agent")
    client.force_login(sender)
    _contact(client, software, share_address="on")
    assert {tuple(message.reply_to) for message in mail.outbox} == {(sender.email,)}


def test_sending_is_logged_without_the_message(client, software, referents):
    sender = make_person("agent")
    client.force_login(sender)
    _contact(client, software, message="A secret question")
    entry = AuditEntry.objects.get(action="contact.send")
    assert entry.actor == sender
    assert entry.target == software
    assert entry.changes == {"recipients": 2, "reply_to_shared": False}
    assert "secret" not in str(entry.changes)


def test_contact_is_limited_per_account(client, software, referents):
    client.force_login(make_person("agent"))
    statuses = [_contact(client, software).status_code for _ in range(4)]
    assert statuses == [302, 302, 302, 429]
    assert len(mail.outbox) == 3 * len(referents)
    refused = _contact(client, software)
    assert int(refused["Retry-After"]) > 0


def test_contact_is_limited_per_client_address(client, software, referents):
    # Three accounts from one machine share its budget.
    statuses = []
    for number in range(4):
        client.force_login(make_person("agent", suffix=str(number)))
        statuses.append(_contact(client, software).status_code)
    assert statuses == [302, 302, 302, 429]
    client.force_login(make_person("agent", suffix="x"))
    other_machine = client.post(
        reverse("catalogue:contact", args=[software.slug]),
        {"subject": "Hi", "message": "Hello"},
        REMOTE_ADDR="192.0.2.7",
    )
    assert other_machine.status_code == 302


def test_a_header_cannot_be_injected_through_the_subject(client, software, referents):
    client.force_login(make_person("agent"))
    _contact(client, software, subject="Hello\r\nBcc: everyone@example.com")
    for message in mail.outbox:
        assert "\n" not in message.subject
        assert message.bcc == []


def test_software_without_referents_has_nothing_to_contact(client, software):
    client.force_login(make_person("agent"))
    assert _contact(client, software).status_code == 404
    assert mail.outbox == []


# Validation and sanitising -------------------------------------------------------------


def test_markup_is_removed_from_plain_text(client, software):
    agent = make_person("agent")
    client.force_login(agent)
    client.post(
        reverse("catalogue:declare-use", args=[software.slug]),
        {"use_case": '<img src=x onerror="alert(1)">Courrier <b>interne</b>'},
    )
    assert Usage.objects.get(agent=agent).use_case == "Courrier interne"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"use_case": "Ask me: bob@culture.gouv.fr"}, "use_case"),
        ({"service_url": "javascript:alert(1)"}, "service_url"),
        ({"service_url": "ftp://files.example.fr/"}, "service_url"),
        ({"service_url": "http://127.0.0.1:8000/admin/"}, "service_url"),
        ({"service_url": "http://[::1]/"}, "service_url"),
        ({"service_url": "https://10.1.2.3/"}, "service_url"),
        ({"service_url": "http://localhost/"}, "service_url"),
        # A user name in a URL would put a person's address on public pages.
        ({"service_url": "https://jean.dupont@culture.gouv.fr/"}, "service_url"),
        ({"service_url": "https://admin:secret@mairie.example.fr/"}, "service_url"),
        ({"organisation": "no-such-key"}, "organisation"),
    ],
)
def test_bad_input_is_refused_on_the_server(client, software, data, field):
    client.force_login(make_person("agent"))
    response = client.post(reverse("catalogue:declare-use", args=[software.slug]), data)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not Usage.objects.exists()


def test_an_instance_address_holding_an_e_mail_address_is_refused(client, software):
    from communs.catalogue.models import Instance

    client.force_login(make_person("agent"))
    response = client.post(
        reverse("catalogue:add-instance", args=[software.slug]),
        {"name": "Bureautique", "url": "https://jean.dupont@culture.gouv.fr/office"},
    )
    assert response.status_code == 400
    assert "url" in response.context["form"].errors
    assert not Instance.objects.exists()


def test_a_proposed_name_already_in_the_catalogue_is_refused(client, software):
    client.force_login(make_person("agent"))
    response = client.post(reverse("catalogue:propose"), {"name": "libreoffice"})
    assert response.status_code == 400
    assert Software.objects.count() == 1


def test_software_cannot_be_its_own_parent(client, software):
    client.force_login(make_person("moderator"))
    response = client.post(
        reverse("catalogue:edit", args=[software.slug]),
        {"name": software.name, "status": "observation", "parent": software.slug},
    )
    assert response.status_code == 400
    assert Software.objects.get(pk=software.pk).parent is None


# What happens, and what is recorded ----------------------------------------------------


def test_a_proposal_waits_for_a_moderator(client, software):
    author = make_person("agent")
    client.force_login(author)
    client.post(reverse("catalogue:propose"), {"name": "GIMP", "licence": "GPL-3.0-or-later"})
    proposal = Software.objects.get(name="GIMP")
    assert proposal.moderation == Moderation.PROPOSED
    assert proposal.proposed_by == author
    assert not Software.objects.published().filter(pk=proposal.pk).exists()
    moderator = make_person("moderator")
    client.force_login(moderator)
    queue = client.get(reverse("catalogue:moderation")).content.decode()
    assert "GIMP" in queue
    client.post(reverse("catalogue:publish", args=[proposal.slug]), {"next": "queue"})
    assert Software.objects.published().filter(pk=proposal.pk).exists()
    assert [entry.action for entry in history_of(proposal)] == [
        "software.publish",
        "software.propose",
    ]


def test_declaring_use_then_withdrawing_is_recorded_with_the_changes(client, software):
    dinum = Organisation.objects.create(key="dinum", name="DINUM")
    agent = make_person("agent")
    profile = profile_of(agent)
    profile.organisation = dinum
    profile.save()
    client.force_login(agent)
    url = reverse("catalogue:declare-use", args=[software.slug])
    # The form starts from the agent's organisation.
    assert client.get(url).context["form"]["organisation"].value() == "dinum"
    client.post(url, {"organisation": "dinum", "version": "7.6"})
    client.post(url, {"organisation": "dinum", "version": "24.2"})
    client.post(url, {"withdraw": "1"})
    assert not Usage.objects.exists()
    entries = list(history_of(software))
    assert [entry.action for entry in entries] == [
        "usage.withdraw",
        "usage.update",
        "usage.declare",
    ]
    assert entries[1].changes == {"version": {"before": "7.6", "after": "24.2"}}
    assert entries[2].changes["organisation"] == {"before": None, "after": "DINUM"}


def test_an_edit_records_only_the_fields_that_changed(client, software):
    client.force_login(make_person("moderator"))
    client.post(
        reverse("catalogue:edit", args=[software.slug]),
        {"name": "LibreOffice", "status": "recommended", "licence": "MPL-2.0"},
    )
    entry = AuditEntry.objects.get(action="software.edit")
    assert entry.changes == {
        "licence": {"before": "", "after": "MPL-2.0"},
        "status": {"before": "observation", "after": "recommended"},
    }


def test_moderators_read_the_audit_log(client, software):
    agent = make_person("agent")
    client.force_login(agent)
    client.post(reverse("catalogue:declare-use", args=[software.slug]), {"version": "7.6"})
    client.force_login(make_person("moderator"))
    page = client.get(reverse("catalogue:audit-log"), {"action": "usage."})
    assert page.status_code == 200
    text = page.content.decode()
    assert "alice" in text and "LibreOffice" in text
    assert agent.email not in text


# The buttons on the software page ------------------------------------------------------


def _snippet(user, software) -> str:
    request = RequestFactory().get("/")
    request.user = user
    template = Template('{% include "catalogue/actions/_software_actions.html" %}')
    return template.render(Context({"software": software, "request": request, "user": user}))


@pytest.mark.parametrize(
    ("role", "shown", "hidden"),
    [
        ("outsider", [], ["declare-use", "publish", "edit"]),
        ("agent", ["use/", "referent/", "instances/add/"], ["/edit/", "/dereference/"]),
        ("moderator", ["use/", "/edit/", "/categories/", "/dereference/"], []),
    ],
)
def test_the_snippet_shows_what_each_role_may_do(software, role, shown, hidden):
    from django.contrib.auth.models import AnonymousUser

    user = make_person(role) or AnonymousUser()
    html = _snippet(user, software)
    for part in shown:
        assert part in html, part
    for part in hidden:
        assert part not in html, part


def test_the_snippet_offers_contact_only_when_there_are_referents(software):
    from django.contrib.auth.models import AnonymousUser

    assert "/contact/" not in _snippet(AnonymousUser(), software)
    Referent.objects.create(software=software, agent=make_agent("rita"))
    html = _snippet(AnonymousUser(), software)
    # A visitor is led to the form's page (which asks them to sign in)…
    assert 'href="/catalogue/software/libreoffice/contact/"' in html
    assert "<textarea" not in html
    # …someone with a verified address gets the form on the software page itself.
    html = _snippet(make_person("outsider"), software)
    assert 'action="/catalogue/software/libreoffice/contact/"' in html
    assert 'name="message"' in html and 'name="share_address"' in html
    assert "rita@" not in html


def test_the_software_page_names_only_public_profiles_and_hides_contacts(
    client, software, referents
):
    shy = make_person("agent")
    proud = make_agent("paulette")
    proud.first_name, proud.last_name = "Paulette", "Martin"
    proud.save()
    # Public but nameless: their username is their address's local part.
    nameless = make_agent("noemie.petit")
    for person in (proud, nameless):
        profile = profile_of(person)
        profile.public = True
        profile.save()
    for person in (shy, proud, nameless):
        client.force_login(person)
        client.post(reverse("catalogue:declare-use", args=[software.slug]), {"version": "7"})
    _contact(client, software)
    client.logout()
    page = client.get(software.get_absolute_url()).content.decode()
    assert "Paulette Martin" in page
    assert "alice" not in page
    assert "noemie.petit" not in page
    assert "contact.send" not in page


def test_deleting_a_category_keeps_its_children_and_its_history(client, software):
    from communs.catalogue.models import Category

    sector = Category.objects.create(slug="bureautique", name_fr="Bureautique")
    middle = Category.objects.create(slug="documents", name_fr="Documents", parent=sector)
    leaf = Category.objects.create(slug="tableurs", name_fr="Tableurs", parent=middle)
    software.categories.add(middle)
    client.force_login(make_person("moderator"))
    client.post(reverse("catalogue:category-delete", args=["documents"]))
    leaf.refresh_from_db()
    assert leaf.parent == sector
    assert list(software.categories.all()) == []
    entry = AuditEntry.objects.get(action="category.delete")
    assert entry.target_label == "Documents"
    assert entry.changes["name_fr"] == {"before": "Documents", "after": None}


def test_only_a_proposal_can_be_turned_down(client, software):
    client.force_login(make_person("moderator"))
    response = client.post(reverse("catalogue:reject", args=[software.slug]))
    assert response.status_code == 404
    assert Software.objects.filter(pk=software.pk).exists()
