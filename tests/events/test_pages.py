"""The events pages and the Atom feed."""

from __future__ import annotations

import datetime
from xml.etree import ElementTree

from django.urls import reverse
from django.utils import timezone

from communs.events.models import Event, Kind

ATOM = "{http://www.w3.org/2005/Atom}"


def make_past(db) -> Event:
    start = timezone.now() - datetime.timedelta(days=10)
    return Event.objects.create(
        slug="passe",
        title="Wébinaire passé",
        kind=Kind.WEBINAR,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=1),
        video_url="https://tube.example.org/videos/embed/abc",
        description="Écrire à jean.dupont@example.org <script>alert(1)</script> **gras**",
    )


def test_the_list_splits_upcoming_and_past(client, workshop: Event) -> None:
    past = make_past(None)
    page = client.get(reverse("events:event-list")).content.decode()
    upcoming_part, past_part = page.split('id="past-title"')
    assert workshop.get_absolute_url() in upcoming_part
    assert past.get_absolute_url() in past_part and past.get_absolute_url() not in upcoming_part
    only_sprints = client.get(reverse("events:event-list") + "?kind=sprint").content.decode()
    assert past.get_absolute_url() not in only_sprints


def test_bad_filters_answer_400(client, db) -> None:
    assert client.get("/events/?kind=<script>").status_code == 400
    assert client.get("/events/?page=zzz").status_code == 200  # the first page


def test_the_detail_page_renders_markdown_safely_and_keeps_the_video(client, db) -> None:
    past = make_past(db)
    page = client.get(past.get_absolute_url()).content.decode()
    assert past.video_url in page
    assert "<strong>gras</strong>" in page
    assert "<script>alert" not in page
    assert "jean.dupont@example.org" not in page


def test_the_atom_feed_lists_events_without_addresses(client, workshop: Event) -> None:
    make_past(None)
    response = client.get(reverse("events:events-feed"))
    assert response.status_code == 200
    feed = ElementTree.fromstring(response.content)  # noqa: S314 (our own answer, in a test)
    titles = [entry.find(f"{ATOM}title").text for entry in feed.findall(f"{ATOM}entry")]
    assert set(titles) == {workshop.title, "Wébinaire passé"}
    assert b"@example.org" not in response.content


def test_no_registrant_is_named_on_a_public_page_feed_or_calendar(
    client, workshop: Event, agents_domains
) -> None:
    from tests.accounts.people import make_agent

    from communs.events import registration

    for name in ("zoe.secret", "yann.secret", "xavier.secret"):
        registration.register(workshop, make_agent(name))
    for url in (
        reverse("events:event-list"),
        workshop.get_absolute_url(),
        reverse("events:events-feed"),
        reverse("events:events-calendar"),
        reverse("events:event-calendar", args=[workshop.slug]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert b".secret" not in response.content, url
