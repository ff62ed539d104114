"""Registering for an event: roles, capacity, waiting list and promotion."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from tests.accounts.people import make_agent, make_person, sign_in

from communs.events import registration
from communs.events.models import Event, Registration

Status = Registration.Status


def status_of(event: Event, user) -> str | None:
    row = Registration.objects.filter(event=event, user=user).first()
    return row.status if row else None


def test_seats_for_is_the_queue_cut_at_the_free_seats() -> None:
    assert registration.seats_for(2, 1, ["a", "b", "c"]) == ["a"]
    assert registration.seats_for(2, 2, ["a"]) == []
    assert registration.seats_for(2, 5, ["a"]) == []
    assert registration.seats_for(None, 100, ["a", "b"]) == ["a", "b"]


def test_the_third_agent_waits_and_is_promoted_when_someone_cancels(
    workshop: Event, agents_domains, django_capture_on_commit_callbacks
) -> None:
    ann, ben, cleo, dan = (make_agent(name) for name in ("ann", "ben", "cleo", "dan"))
    for person in (ann, ben, cleo, dan):
        registration.register(workshop, person)
    assert [status_of(workshop, p) for p in (ann, ben, cleo, dan)] == [
        Status.CONFIRMED, Status.CONFIRMED, Status.WAITING, Status.WAITING
    ]  # fmt: skip
    assert registration.place_in_queue(Registration.objects.get(user=dan)) == 2

    with django_capture_on_commit_callbacks(execute=True):
        promoted = registration.cancel(workshop, ben)
    assert [row.user for row in promoted] == [cleo]
    assert [status_of(workshop, p) for p in (ann, ben, cleo, dan)] == [
        Status.CONFIRMED, Status.CANCELLED, Status.CONFIRMED, Status.WAITING
    ]  # fmt: skip
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["cleo@culture.gouv.fr"]
    assert workshop.title.split(",")[0] in mail.outbox[0].subject

    # Ben comes back: behind Dan, who was waiting first.
    registration.register(workshop, ben)
    assert status_of(workshop, ben) == Status.WAITING
    registration.cancel(workshop, ann)
    assert status_of(workshop, dan) == Status.CONFIRMED
    assert status_of(workshop, ben) == Status.WAITING
    assert workshop.registrations.filter(status=Status.CONFIRMED).count() == 2


def test_registering_twice_or_cancelling_twice_changes_nothing(
    workshop: Event, agents_domains
) -> None:
    ann = make_agent("ann")
    first = registration.register(workshop, ann)
    assert registration.register(workshop, ann).pk == first.pk
    assert workshop.registrations.count() == 1
    registration.cancel(workshop, ann)
    assert registration.cancel(workshop, ann) == []


def test_a_newcomer_does_not_jump_the_queue_when_capacity_grows(
    workshop: Event, agents_domains
) -> None:
    people = [make_agent(f"p{n}") for n in range(3)]
    for person in people:
        registration.register(workshop, person)
    Event.objects.filter(pk=workshop.pk).update(capacity=4)
    newcomer = make_agent("late")
    registration.register(workshop, newcomer)
    assert status_of(workshop, newcomer) == Status.WAITING
    # The next change gives the free seats in queue order.
    registration.cancel(workshop, people[0])
    workshop.refresh_from_db()
    assert status_of(workshop, people[2]) == Status.CONFIRMED
    assert status_of(workshop, newcomer) == Status.CONFIRMED


def test_a_past_or_closed_event_takes_no_registration(workshop: Event, agents_domains) -> None:
    Event.objects.filter(pk=workshop.pk).update(registration_open=False)
    with pytest.raises(registration.RegistrationClosed):
        registration.register(workshop, make_agent("ann"))
    Event.objects.filter(pk=workshop.pk).update(
        registration_open=True, starts_at=timezone.now() - datetime.timedelta(hours=1), ends_at=None
    )
    with pytest.raises(registration.RegistrationClosed):
        registration.register(workshop, make_agent("ben"))


@pytest.mark.parametrize(
    ("role", "expected"),
    [("visitor", 302), ("unverified", 403), ("outsider", 403), ("agent", 302), ("moderator", 302)],
)
def test_only_agents_register_through_the_page(
    client, workshop: Event, agents_domains, role, expected
) -> None:
    person = make_person(role)
    sign_in(client, person)
    response = client.post(reverse("events:event-register", args=[workshop.slug]))
    assert response.status_code == expected
    registered = workshop.registrations.exists()
    if role in ("agent", "moderator"):
        assert registered and response["Location"] == workshop.get_absolute_url()
    else:
        assert not registered
        if role == "visitor":
            assert "/accounts/login/" in response["Location"]


def test_the_page_shows_the_place_and_cancels(client, workshop: Event, agents_domains) -> None:
    people = [make_agent(f"p{n}") for n in range(3)]
    for person in people:
        registration.register(workshop, person)
    sign_in(client, people[2])
    page = client.get(workshop.get_absolute_url()).content.decode()
    assert "2 of 2 seats taken, 1 person waiting." in page or "2 places prises sur 2" in page
    assert "p0@culture.gouv.fr" not in page and "p0" not in page
    response = client.post(reverse("events:event-cancel", args=[workshop.slug]))
    assert response.status_code == 302
    assert status_of(workshop, people[2]) == Status.CANCELLED


def test_registering_for_a_closed_event_is_a_400_not_a_500(
    client, workshop: Event, agents_domains
) -> None:
    Event.objects.filter(pk=workshop.pk).update(registration_open=False)
    sign_in(client, make_agent("ann"))
    response = client.post(reverse("events:event-register", args=[workshop.slug]))
    assert response.status_code == 400
    assert client.get(reverse("events:event-register", args=[workshop.slug])).status_code == 405
