"""What the events app holds about a person: their registrations (docs/community.md)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from communs.accounts.personal_data import iso
from communs.events import registration
from communs.events.models import Registration


def export_registrations(user: Any) -> list[dict[str, Any]]:
    rows = Registration.objects.filter(user=user).select_related("event").order_by("queued_at")
    return [
        {
            "event": row.event.title,
            "event_slug": row.event.slug,
            "starts_at": iso(row.event.starts_at),
            "status": row.status,
            "registered_at": iso(row.queued_at),
            "reminded_at": iso(row.reminded_at),
        }
        for row in rows
    ]


def erase_registrations(user: Any) -> None:
    """Give up the seats at upcoming events first, so that the people waiting get them,
    and drop those rows; past registrations stay without the person (``SET_NULL``), so
    an event still counts who attended."""
    upcoming = Registration.objects.filter(user=user, event__starts_at__gt=timezone.now())
    for row in upcoming.exclude(status=Registration.Status.CANCELLED).select_related("event"):
        registration.cancel(row.event, user)
    upcoming.delete()
    Registration.objects.filter(user=user).update(user=None)
