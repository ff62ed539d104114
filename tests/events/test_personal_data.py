"""Events, newsletters and jobs in a person's data download and account deletion."""

from __future__ import annotations

import datetime

from django.utils import timezone
from tests.accounts.people import make_agent

from communs.accounts.personal_data import delete_account, export_data
from communs.events import registration
from communs.events.models import Event, Registration
from communs.jobs.models import JobOffer
from communs.newsletters.models import Subscriber


def test_the_download_has_them_and_deletion_frees_the_seat(
    workshop: Event, agents_domains, django_capture_on_commit_callbacks
) -> None:
    ann, ben, cleo = (make_agent(n) for n in ("ann", "ben", "cleo"))
    for person in (ann, ben, cleo):
        registration.register(workshop, person)
    Subscriber.objects.create(email="ann@culture.gouv.fr", confirmed_at=timezone.now())
    Subscriber.objects.create(email="other@example.org", confirmed_at=timezone.now())
    offer = JobOffer.objects.create(
        slug="offre",
        title="Offre",
        link="https://example.org/",
        expires_on=timezone.localdate() + datetime.timedelta(days=3),
        proposed_by=ann,
    )

    data = export_data(ann)["data"]
    assert [row["event_slug"] for row in data["events"]] == ["atelier"]
    assert data["events"][0]["status"] == "confirmed"
    assert [row["email"] for row in data["newsletters"]] == ["ann@culture.gouv.fr"]
    assert [row["slug"] for row in data["jobs"]] == ["offre"]
    assert "other@example.org" not in str(data)

    with django_capture_on_commit_callbacks(execute=True):
        delete_account(ann)
    assert Registration.objects.get(user=cleo).status == Registration.Status.CONFIRMED
    assert list(Subscriber.objects.values_list("email", flat=True)) == ["other@example.org"]
    offer.refresh_from_db()
    assert offer.proposed_by is None
