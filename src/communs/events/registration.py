"""Registering for an event, with a capacity and a waiting list.

Every change happens in one transaction that first locks the event's row
(``select_for_update``; on SQLite the transaction itself is exclusive, since Communs
opens them as ``IMMEDIATE``). Two people taking the last seat at once are therefore
served one after the other: the second sees the seat taken and waits. The decision of
who gets a seat is :func:`seats_for` (pure); the rest reads and writes rows.

- register: a seat if one is free, else the end of the waiting list;
- cancel: the seat (or the place in the queue) is given up; a freed seat goes to the
  first person waiting, who is told by e-mail once the transaction is committed;
- registering again after cancelling starts from the end of the queue;
- raising the capacity (the admin) gives the new seats to the first people waiting.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from communs.events.models import Event, Registration

Status = Registration.Status


class RegistrationClosed(Exception):
    """The event takes no registrations (past, or registration not open)."""


def seats_for(capacity: int | None, confirmed: int, waiting: Sequence[Any]) -> list[Any]:
    """Who among ``waiting`` (in queue order) gets a seat now that ``confirmed`` seats
    are taken out of ``capacity`` (None: no limit)."""
    if capacity is None:
        return list(waiting)
    free = max(0, capacity - confirmed)
    return list(waiting[:free])


def _locked(event: Event) -> Event:
    return Event.objects.select_for_update().get(pk=event.pk)


def register(event: Event, user: Any) -> Registration:
    """Register ``user``: confirmed when a seat is free, waiting otherwise. Registering
    twice changes nothing."""
    with transaction.atomic():
        event = _locked(event)
        if not event.accepts_registrations():
            raise RegistrationClosed
        row = Registration.objects.filter(event=event, user=user).first()
        if row is not None and row.status != Status.CANCELLED:
            return row
        confirmed = event.registrations.filter(status=Status.CONFIRMED).count()
        waiting = event.registrations.filter(status=Status.WAITING).exists()
        # Nobody jumps the queue: while people wait, a newcomer waits behind them.
        has_seat = not waiting and bool(seats_for(event.capacity, confirmed, [user]))
        status = Status.CONFIRMED if has_seat else Status.WAITING
        if row is None:
            row = Registration.objects.create(event=event, user=user, status=status)
        else:
            row.status = status
            row.queued_at = timezone.now()
            row.reminded_at = None
            row.save(update_fields=["status", "queued_at", "reminded_at"])
        return row


def cancel(event: Event, user: Any) -> list[Registration]:
    """Cancel ``user``'s registration; returns the registrations promoted from the
    waiting list (each is told by e-mail)."""
    with transaction.atomic():
        event = _locked(event)
        updated = Registration.objects.filter(event=event, user=user).exclude(
            status=Status.CANCELLED
        )
        if not updated.update(status=Status.CANCELLED):
            return []
        promoted = promote(event)
    for row in promoted:
        transaction.on_commit(lambda row=row: tell_promoted(row))
    return promoted


def fill_seats(event: Event) -> list[Registration]:
    """After the capacity rose: the new seats go to the first people waiting, who are
    told by e-mail. Nothing moves for an event already over."""
    with transaction.atomic():
        event = _locked(event)
        if event.is_past():
            return []
        promoted = promote(event)
    for row in promoted:
        transaction.on_commit(lambda row=row: tell_promoted(row))
    return promoted


def promote(event: Event) -> list[Registration]:
    """Give the free seats to the first people waiting. Call with the event locked."""
    confirmed = event.registrations.filter(status=Status.CONFIRMED).count()
    waiting = list(event.registrations.filter(status=Status.WAITING).order_by("queued_at", "pk"))
    chosen = seats_for(event.capacity, confirmed, waiting)
    if chosen:
        Registration.objects.filter(pk__in=[row.pk for row in chosen]).update(
            status=Status.CONFIRMED
        )
        for row in chosen:
            row.status = Status.CONFIRMED
    return chosen


def place_in_queue(row: Registration) -> int:
    """1 for the first person waiting."""
    return (
        Registration.objects.filter(
            event_id=row.event_id, status=Status.WAITING, queued_at__lte=row.queued_at
        )
        .exclude(queued_at=row.queued_at, pk__gt=row.pk)
        .count()
    )


def tell_promoted(row: Registration) -> None:
    from communs.catalogue.lifecycle import primary_address

    if row.user_id is None:  # the account is gone
        return
    address = primary_address(row.user)
    if not address:
        return
    event = row.event
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "event": event,
            "url": settings.SITE_URL.rstrip("/") + event.get_absolute_url(),
            "site_name": settings.SITE_NAME,
        }
        subject = " ".join(render_to_string("events/email/promoted_subject.txt", context).split())
        body = render_to_string("events/email/promoted.txt", context)
    EmailMessage(subject=subject, body=body, to=[address]).send()


def counts(event: Event) -> dict[str, int]:
    return event.registrations.aggregate(
        confirmed=Count("pk", filter=Q(status=Status.CONFIRMED)),
        waiting=Count("pk", filter=Q(status=Status.WAITING)),
    )
