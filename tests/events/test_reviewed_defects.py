"""Defects a review found in the events app: counts lost with a deleted account, a
raised capacity promoting nobody, calendars not told that an event changed."""

from __future__ import annotations

import datetime
import re

import icalendar
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from tests.accounts.people import make_agent

from communs.accounts.personal_data import delete_account
from communs.events import registration
from communs.events.models import Event, Registration
from communs.events.reminders import send_reminders

Status = Registration.Status


def past_event(slug: str) -> Event:
    start = timezone.now() - datetime.timedelta(days=10)
    return Event.objects.create(
        slug=slug, title=slug, starts_at=start, ends_at=start + datetime.timedelta(hours=2)
    )


def test_deleting_an_account_keeps_past_attendance_and_frees_future_seats(
    workshop: Event, agents_domains, django_capture_on_commit_callbacks
) -> None:
    ann, ben, cleo = (make_agent(n) for n in ("ann", "ben", "cleo"))
    for person in (ann, ben, cleo):
        registration.register(workshop, person)
    held = past_event("atelier-passe")
    Registration.objects.create(event=held, user=ann, status=Status.CONFIRMED)
    Registration.objects.create(event=held, user=ben, status=Status.CONFIRMED)
    assert registration.counts(held) == {"confirmed": 2, "waiting": 0}

    with django_capture_on_commit_callbacks(execute=True):
        delete_account(ann)

    # The past event still counts two people, one of them nobody any more.
    assert registration.counts(held) == {"confirmed": 2, "waiting": 0}
    assert held.registrations.filter(user=None).count() == 1
    # The future seat went to the first person waiting; ann is on no upcoming list.
    assert registration.counts(workshop) == {"confirmed": 2, "waiting": 0}
    assert Registration.objects.get(event=workshop, user=cleo).status == Status.CONFIRMED
    assert not workshop.registrations.filter(user=None).exists()
    assert not get_user_model().objects.filter(username="ann").exists()


def change_data(event: Event, **changes) -> dict:
    start, end = timezone.localtime(event.starts_at), timezone.localtime(event.ends_at)
    data = {
        "slug": event.slug,
        "title": event.title,
        "kind": event.kind,
        "starts_at_0": start.date().isoformat(),
        "starts_at_1": start.time().isoformat(),
        "ends_at_0": end.date().isoformat(),
        "ends_at_1": end.time().isoformat(),
        "time_zone": event.time_zone,
        "place": event.place,
        "links": "[]",
        "capacity": event.capacity,
        "registration_open": "on",
    }
    data.update(changes)
    return data


def test_raising_the_capacity_in_the_admin_promotes_the_people_waiting(
    admin_client, workshop: Event, agents_domains, django_capture_on_commit_callbacks, mailoutbox
) -> None:
    people = [make_agent(f"p{n}") for n in range(4)]
    for person in people:
        registration.register(workshop, person)
    assert registration.counts(workshop) == {"confirmed": 2, "waiting": 2}
    url = reverse("admin:events_event_change", args=[workshop.pk])

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url, change_data(workshop, capacity=3))

    assert response.status_code == 302, re.findall(r"errorlist.{0,300}", response.content.decode())
    assert registration.counts(workshop) == {"confirmed": 3, "waiting": 1}
    assert Registration.objects.get(user=people[2]).status == Status.CONFIRMED
    assert [message.to for message in mailoutbox] == [["p2@culture.gouv.fr"]]
    # No limit any more: everyone waiting gets a seat.
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(url, change_data(workshop, capacity=""))
    assert registration.counts(workshop) == {"confirmed": 4, "waiting": 0}


def calendar_entry(client, event: Event) -> icalendar.Event:
    response = client.get(reverse("events:event-calendar", args=[event.slug]))
    [item] = icalendar.Calendar.from_ical(response.content).walk("VEVENT")
    return item


def test_an_edit_changes_the_calendar_stamps_and_sequence(client, workshop: Event) -> None:
    Event.objects.filter(pk=workshop.pk).update(
        updated_at=timezone.now() - datetime.timedelta(days=1)
    )
    workshop.refresh_from_db()
    before = calendar_entry(client, workshop)
    assert int(before["SEQUENCE"]) == 0

    workshop.place = "Salle 2, Lyon"
    workshop.save()

    after = calendar_entry(client, workshop)
    assert after.decoded("DTSTAMP") > before.decoded("DTSTAMP")
    assert after.decoded("LAST-MODIFIED") > before.decoded("LAST-MODIFIED")
    assert int(after["SEQUENCE"]) == 1
    # A change calendars show nothing of moves the stamp, not the revision.
    workshop.registration_open = False
    workshop.save(update_fields=["registration_open"])
    assert int(calendar_entry(client, workshop)["SEQUENCE"]) == 1
    workshop.starts_at += datetime.timedelta(hours=1)
    workshop.ends_at += datetime.timedelta(hours=1)
    workshop.save(update_fields=["starts_at", "ends_at"])
    assert int(calendar_entry(client, workshop)["SEQUENCE"]) == 2


def test_the_feed_dates_an_event_by_its_last_change(client, workshop: Event) -> None:
    Event.objects.filter(pk=workshop.pk).update(
        updated_at=timezone.now() - datetime.timedelta(days=5)
    )
    workshop.refresh_from_db()
    workshop.title = "Atelier renommé"
    workshop.save()
    feed = client.get(reverse("events:events-feed")).content.decode()
    assert f"<updated>{workshop.updated_at.astimezone(datetime.UTC):%Y-%m-%dT%H:%M}" in feed


def test_reminders_pass_over_anonymous_attendance(workshop: Event, agents_domains) -> None:
    registration.register(workshop, make_agent("ann"))
    Registration.objects.create(event=workshop, user=None, status=Status.CONFIRMED)
    eve = workshop.starts_at - datetime.timedelta(hours=20)
    assert send_reminders(now=eve, site_url="https://communs.example").sent == 1
