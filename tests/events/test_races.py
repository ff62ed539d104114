"""Many agents taking the last seats at once (PostgreSQL: real row locks, real threads)."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.db import connection, connections
from django.utils import timezone
from tests.accounts.people import make_agent

from communs.events import registration
from communs.events.models import Event, Registration

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks are PostgreSQL's; SQLite serialises"
)


@pytest.mark.django_db(transaction=True)
def test_concurrent_registrations_never_exceed_the_capacity(settings) -> None:
    settings.AGENT_DOMAINS = ["gouv.fr"]
    start = timezone.now() + datetime.timedelta(days=2)
    event = Event.objects.create(
        slug="course", title="Course", starts_at=start, capacity=3, registration_open=True
    )
    people = [make_agent(f"runner{n}") for n in range(12)]
    leaving = {people[1].pk, people[5].pk}
    barrier = threading.Barrier(len(people))
    errors: list[BaseException] = []

    def run(person) -> None:
        try:
            barrier.wait()
            registration.register(event, person)
            if person.pk in leaving:
                registration.cancel(event, person)
        except BaseException as error:  # reported below, not lost in the thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(p,)) for p in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    confirmed = Registration.objects.filter(event=event, status=Registration.Status.CONFIRMED)
    waiting = Registration.objects.filter(event=event, status=Registration.Status.WAITING)
    assert confirmed.count() == 3
    assert waiting.count() == 12 - 2 - 3
    # Nobody waits while a seat is free, and the seats went to the earliest in the queue.
    first_waiting = waiting.order_by("queued_at").first()
    assert all(row.queued_at <= first_waiting.queued_at for row in confirmed)
