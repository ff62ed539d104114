"""Agents propose offers, moderators publish or reject them; every role tried."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from tests.accounts.people import make_person, sign_in

from communs.audit.models import AuditEntry
from communs.jobs.models import JobOffer, Moderation

from .conftest import Offers

AGENTS = {"agent", "moderator", "administrator"}
MODERATORS = {"moderator", "administrator"}
ROLES = ["visitor", "unverified", "outsider", "agent", "moderator", "administrator"]


def proposal_data(**changes) -> dict:
    data = {
        "title": "Développeuse <b>Python</b>",
        "organisation": "dinum",
        "place": "Paris",
        "remote": "on",
        "skills_text": "Python, Django, python",
        "link": "https://emploi.example.gouv.fr/offre/1",
        "expires_on": (timezone.localdate() + datetime.timedelta(days=20)).isoformat(),
        "description": "Une **belle** offre.",
    }
    data.update(changes)
    return data


def refused(response, role: str) -> bool:
    if role == "visitor":
        return response.status_code == 302 and "/accounts/login/" in response["Location"]
    return response.status_code == 403


@pytest.mark.parametrize("role", ROLES)
def test_proposing(client, offers: Offers, role: str) -> None:
    sign_in(client, make_person(role))
    response = client.post(reverse("jobs:job-propose"), proposal_data())
    created = JobOffer.objects.filter(title="Développeuse Python").first()
    if role in AGENTS:
        assert response.status_code == 302
        assert created is not None and created.moderation == Moderation.PROPOSED
        assert created.organisation == offers.dinum
        assert sorted(s.slug for s in created.skills.all()) == ["django", "python"]
        assert AuditEntry.objects.filter(action="job.propose", target_id=str(created.pk)).exists()
        # Not on the list until a moderator publishes it; its author sees it.
        assert created.slug not in client.get(reverse("jobs:job-list")).content.decode()
        assert client.get(created.get_absolute_url()).status_code == 200
    else:
        assert refused(response, role)
        assert created is None


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ["publish", "reject"])
def test_moderating(client, offers: Offers, role: str, action: str) -> None:
    sign_in(client, make_person(role))
    response = client.post(reverse(f"jobs:job-{action}", args=[offers.proposal.slug]))
    offers.proposal.refresh_from_db()
    if role in MODERATORS:
        assert response.status_code == 302
        expected = Moderation.PUBLISHED if action == "publish" else Moderation.REJECTED
        assert offers.proposal.moderation == expected
        entry = AuditEntry.objects.get(action=f"job.{action}")
        assert entry.changes == {"moderation": {"before": "proposed", "after": expected}}
        listed = offers.proposal.slug in client.get(reverse("jobs:job-list")).content.decode()
        assert listed == (action == "publish")
    else:
        assert refused(response, role)
        assert offers.proposal.moderation == Moderation.PROPOSED
        assert not AuditEntry.objects.filter(action__startswith="job.").exists()


def test_a_second_decision_changes_nothing(client, offers: Offers) -> None:
    sign_in(client, make_person("moderator"))
    client.post(reverse("jobs:job-publish", args=[offers.proposal.slug]))
    client.post(reverse("jobs:job-reject", args=[offers.proposal.slug]))
    offers.proposal.refresh_from_db()
    assert offers.proposal.moderation == Moderation.PUBLISHED
    assert AuditEntry.objects.filter(action__startswith="job.").count() == 1


def test_the_moderation_queue_is_for_moderators(client, offers: Offers) -> None:
    sign_in(client, make_person("agent"))
    assert client.get(reverse("jobs:job-moderation")).status_code == 403
    client.logout()
    sign_in(client, make_person("moderator"))
    page = client.get(reverse("jobs:job-moderation"))
    assert page.status_code == 200 and offers.proposal.title.encode() in page.content


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"link": "javascript:alert(1)"}, "link"),
        ({"link": "ftp://example.org/x"}, "link"),
        ({"link": "https://jean.dupont@example.org/"}, "link"),
        ({"link": "http://127.0.0.1/admin"}, "link"),
        ({"link": ""}, "link"),
        ({"title": ""}, "title"),
        ({"organisation": "no-such-organisation"}, "organisation"),
        ({"expires_on": "2001-01-01"}, "expires_on"),
        ({"expires_on": "demain"}, "expires_on"),
        (
            {"expires_on": (timezone.localdate() + datetime.timedelta(days=800)).isoformat()},
            "expires_on",
        ),
        ({"description": "Écrire à jean.dupont@example.org"}, "description"),
        ({"skills_text": ", ".join(f"s{n}" for n in range(20))}, "skills_text"),
        ({"skills_text": "contact: rh@example.org"}, "skills_text"),
    ],
)
def test_bad_input_is_a_400_form_not_a_500(
    client, offers: Offers, changes: dict, field: str
) -> None:
    sign_in(client, make_person("agent"))
    response = client.post(reverse("jobs:job-propose"), proposal_data(**changes))
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not JobOffer.objects.filter(title="Développeuse Python").exists()


def test_a_link_without_scheme_gets_https(client, offers: Offers) -> None:
    sign_in(client, make_person("agent"))
    client.post(reverse("jobs:job-propose"), proposal_data(link="emploi.example.gouv.fr/x"))
    assert (
        JobOffer.objects.get(title="Développeuse Python").link == "https://emploi.example.gouv.fr/x"
    )


def test_moderating_needs_a_post(client, offers: Offers) -> None:
    sign_in(client, make_person("moderator"))
    assert client.get(reverse("jobs:job-publish", args=[offers.proposal.slug])).status_code == 405
