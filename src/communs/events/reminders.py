"""E-mail reminders the day before an event (``communs events remind``).

Run it once a day (or more often: it is idempotent). It writes to each person with a
confirmed seat at an event that starts tomorrow, in the event's own time zone, or later
today (a run missed yesterday still reminds). A reminder is claimed by a conditional
update (``reminded_at`` still empty) in the same transaction as the sending: two runs at
once cannot both write to the same person, and a failing mail server leaves the
reminder to the next run. Registering again after cancelling clears ``reminded_at``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from communs.events.models import Event, Registration


@dataclass
class Summary:
    sent: int = 0
    skipped: int = 0


def due_window(now: datetime.datetime) -> tuple[datetime.datetime, datetime.datetime]:
    """From now to two days ahead: no time zone's "tomorrow" ends later (UTC-12 at its
    midnight), and :func:`is_due` keeps only the events due in their own zone."""
    latest = now + datetime.timedelta(days=2)
    return now, latest


def is_due(event: Event, now: datetime.datetime) -> bool:
    """The event starts later today or tomorrow, by the calendar of its own zone."""
    local_now = now.astimezone(event.zone())
    start = event.local_start()
    return now < event.starts_at and start.date() <= local_now.date() + datetime.timedelta(days=1)


def send_reminders(now: datetime.datetime | None = None, site_url: str | None = None) -> Summary:
    from communs.catalogue.lifecycle import primary_address

    now = now or timezone.now()
    site_url = (settings.SITE_URL if site_url is None else site_url).rstrip("/")
    summary = Summary()
    start, end = due_window(now)
    events = [
        e for e in Event.objects.filter(starts_at__gt=start, starts_at__lte=end) if is_due(e, now)
    ]
    connection = get_connection()
    for event in events:
        # A row without a user is an anonymous attendance left by a deleted account.
        pending = (
            event.registrations.filter(status=Registration.Status.CONFIRMED, reminded_at=None)
            .exclude(user=None)
            .select_related("user")
        )
        for row in pending:
            address = primary_address(row.user) if row.user.is_active else ""
            with transaction.atomic():
                claimed = Registration.objects.filter(
                    pk=row.pk, status=Registration.Status.CONFIRMED, reminded_at=None
                ).update(reminded_at=now)
                if not claimed:
                    continue  # another run got there first
                if not address:
                    summary.skipped += 1
                    continue
                message = reminder_for(event, address, site_url)
                message.connection = connection
                message.send()
                summary.sent += 1
    return summary


def reminder_for(event: Event, address: str, site_url: str) -> EmailMessage:
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "event": event,
            "start": event.local_start(),
            "url": site_url + event.get_absolute_url(),
            "ical_url": site_url + reverse("events:event-calendar", args=[event.slug]),
            "site_name": settings.SITE_NAME,
        }
        subject = " ".join(render_to_string("events/email/reminder_subject.txt", context).split())
        body = render_to_string("events/email/reminder.txt", context)
    return EmailMessage(subject=subject, body=body, to=[address])


def run_remind(options: dict[str, Any], stdout: Any) -> Summary:
    summary = send_reminders(site_url=options.get("site_url"))
    stdout.write(
        _("Reminders sent: %(sent)d; without an address: %(skipped)d")
        % {"sent": summary.sent, "skipped": summary.skipped}
    )
    return summary
