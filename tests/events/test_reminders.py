"""``communs events remind``: the day before, once per person, only confirmed seats."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
from django.core import mail
from django.core.management import call_command
from tests.accounts.people import make_agent

from communs.events import registration
from communs.events.models import Event, Registration
from communs.events.reminders import is_due, send_reminders

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def test_it_reminds_confirmed_people_once(workshop: Event, agents_domains) -> None:
    ann, ben, cleo = (make_agent(n) for n in ("ann", "ben", "cleo"))
    for person in (ann, ben, cleo):
        registration.register(workshop, person)  # cleo waits
    eve = workshop.starts_at - datetime.timedelta(hours=20)

    summary = send_reminders(now=eve, site_url="https://communs.example")
    assert summary.sent == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["ann@culture.gouv.fr", "ben@culture.gouv.fr"]
    assert "https://communs.example/events/atelier/" in mail.outbox[0].body

    assert send_reminders(now=eve + datetime.timedelta(hours=1)).sent == 0
    call_command("events", "remind")  # a real run, later: nothing more
    assert len(mail.outbox) == 2

    # Cleo gets Ben's seat after the reminders went out: she is reminded, once.
    registration.cancel(workshop, ben)
    assert send_reminders(now=eve + datetime.timedelta(hours=2)).sent == 1
    assert mail.outbox[-1].to == ["cleo@culture.gouv.fr"]
    assert send_reminders(now=eve + datetime.timedelta(hours=3)).sent == 0
    assert Registration.objects.filter(reminded_at__isnull=False).count() == 3


def test_it_waits_for_the_day_before(workshop: Event, agents_domains) -> None:
    registration.register(workshop, make_agent("ann"))
    assert send_reminders(now=workshop.starts_at - datetime.timedelta(days=3)).sent == 0
    assert mail.outbox == []


def test_a_failing_mail_server_leaves_the_reminder_for_the_next_run(
    workshop: Event, agents_domains, monkeypatch
) -> None:
    registration.register(workshop, make_agent("ann"))
    eve = workshop.starts_at - datetime.timedelta(hours=20)

    def refuse(self, *args, **kwargs):
        raise ConnectionError("mail server down")

    monkeypatch.setattr("django.core.mail.message.EmailMessage.send", refuse)
    with pytest.raises(ConnectionError):
        send_reminders(now=eve)
    assert Registration.objects.get().reminded_at is None
    monkeypatch.undo()
    assert send_reminders(now=eve).sent == 1


def test_is_due_reads_the_calendar_of_the_events_zone(db) -> None:
    start = datetime.datetime(2030, 6, 2, 9, 0, tzinfo=PARIS)
    event = Event(slug="x", title="x", starts_at=start, time_zone="Europe/Paris")
    assert is_due(event, datetime.datetime(2030, 6, 1, 8, 0, tzinfo=PARIS))
    assert not is_due(event, datetime.datetime(2030, 5, 31, 23, 0, tzinfo=PARIS))
    assert not is_due(event, datetime.datetime(2030, 6, 2, 10, 0, tzinfo=PARIS))
