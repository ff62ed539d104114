"""The iCalendar files parse back with ``icalendar`` and say the right things."""

from __future__ import annotations

import datetime
import zoneinfo
from pathlib import Path

import icalendar
import pytest
from django.urls import reverse

from communs.events.importer import import_events
from communs.events.models import Event


def parse(response) -> icalendar.Calendar:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    return icalendar.Calendar.from_ical(response.content)


def test_one_event_round_trips_with_its_zone_and_escaped_text(
    client, workshop: Event, settings
) -> None:
    settings.SITE_URL = "https://communs.example.gouv.fr"
    calendar = parse(client.get(reverse("events:event-calendar", args=[workshop.slug])))
    [item] = calendar.walk("VEVENT")
    assert str(item["UID"]) == f"event-{workshop.pk}@communs.example.gouv.fr"
    assert str(item["SUMMARY"]) == workshop.title  # commas, semicolons, \\ and new line back
    assert str(item["LOCATION"]) == "Salle 1, Paris"
    start = item.decoded("DTSTART")
    assert start == workshop.starts_at
    assert start.tzinfo is not None and item["DTSTART"].params["TZID"] == "Europe/Paris"
    assert item.decoded("DTEND") == workshop.ends_at
    assert item.decoded("DTSTAMP") == workshop.updated_at.replace(microsecond=0)
    assert item.decoded("DTSTAMP").utcoffset() == datetime.timedelta(0)
    assert "https://communs.example.gouv.fr/events/atelier/" in str(item["DESCRIPTION"])
    assert calendar.walk("VTIMEZONE"), "the zone the times name is described"
    # The raw text escapes what RFC 5545 says to escape.
    raw = client.get(reverse("events:event-calendar", args=[workshop.slug])).content.decode()
    assert "SUMMARY:Atelier\\, avec\\; des\\\\ caractères\\nà échapper" in raw.replace("\r\n ", "")


@pytest.mark.django_db
def test_the_whole_calendar_has_every_imported_event_as_all_day(client, shared: Path) -> None:
    import_events(shared / "data" / "bluehats")
    calendar = parse(client.get(reverse("events:events-calendar")))
    items = {str(item["UID"]): item for item in calendar.walk("VEVENT")}
    assert len(items) == Event.objects.count()
    aboutcode = Event.objects.get(slug="aboutcode")
    item = next(i for i in items.values() if str(i["SUMMARY"]) == aboutcode.title)
    assert item.decoded("DTSTART") == datetime.date(2024, 11, 8)
    assert item.decoded("DTEND") == datetime.date(2024, 11, 9)
    assert aboutcode.video_url in str(item["DESCRIPTION"])
    # UIDs are stable: a second download names the same events.
    again = parse(client.get(reverse("events:events-calendar")))
    assert {str(i["UID"]) for i in again.walk("VEVENT")} == set(items)


def test_an_event_in_another_zone_keeps_its_local_time(client, db) -> None:
    zone = zoneinfo.ZoneInfo("America/Cayenne")
    start = datetime.datetime(2031, 3, 1, 9, 30, tzinfo=zone)
    event = Event.objects.create(
        slug="guyane", title="Guyane", starts_at=start, time_zone="America/Cayenne"
    )
    [item] = parse(client.get(reverse("events:event-calendar", args=[event.slug]))).walk("VEVENT")
    assert item["DTSTART"].params["TZID"] == "America/Cayenne"
    assert item.decoded("DTSTART").hour == 9
    assert item.decoded("DTSTART") == start


def test_an_unknown_event_is_404(client, db) -> None:
    assert client.get("/events/nothing/event.ics").status_code == 404
