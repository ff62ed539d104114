"""Events of the community (webinars, meetings, sprints) and the agents registered.

An event's times are stored as UTC instants with the time zone it takes place in
(``time_zone``), so pages and calendars show it at the right local time whatever the
server's zone. An event known only by its day (the BlueHats archive gives dates) is
``all_day``: it runs from midnight to the next midnight in its zone and shows as a date.

A registration is confirmed while there is room (``capacity``; none means no limit) and
waits otherwise; cancelling frees a seat for the first in the queue
(``communs.events.registration``).
"""

from __future__ import annotations

import datetime
import zoneinfo
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("Unknown time zone."), code="time_zone")


class Kind(models.TextChoices):
    WEBINAR = "webinar", _("webinar")
    MEETING = "meeting", _("meeting")
    SPRINT = "sprint", _("sprint")


class EventQuerySet(models.QuerySet):
    def upcoming(self, now: datetime.datetime | None = None) -> EventQuerySet:
        """Events not over yet (an all-day event ends at the next midnight)."""
        now = now or timezone.now()
        return self.filter(models.Q(ends_at__gte=now) | models.Q(ends_at=None, starts_at__gte=now))

    def past(self, now: datetime.datetime | None = None) -> EventQuerySet:
        now = now or timezone.now()
        return self.filter(models.Q(ends_at__lt=now) | models.Q(ends_at=None, starts_at__lt=now))


# What a calendar shows of an event: changing one of them makes a new revision.
RESCHEDULING_FIELDS = (
    "title",
    "starts_at",
    "ends_at",
    "all_day",
    "time_zone",
    "place",
    "online_url",
)


class Event(models.Model):
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    title = models.CharField(_("title"), max_length=300)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.WEBINAR)
    starts_at = models.DateTimeField(_("starts at"), db_index=True)
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    all_day = models.BooleanField(_("all day"), default=False)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Paris", validators=[validate_time_zone]
    )
    place = models.CharField(_("place"), max_length=300, blank=True)
    online_url = models.URLField(_("link to join online"), max_length=500, blank=True)
    video_url = models.URLField(_("video"), max_length=500, blank=True)
    # Further recordings and slides, as [{"kind": "video"|"slides", "url": …}].
    links = models.JSONField(_("other links"), default=list, blank=True)
    summary = models.CharField(_("summary"), max_length=1000, blank=True)
    description = models.TextField(_("description (Markdown)"), blank=True)
    capacity = models.PositiveIntegerField(
        _("capacity"), null=True, blank=True, help_text=_("Empty: no limit.")
    )
    registration_open = models.BooleanField(_("registration open"), default=False)
    # Where an imported event came from ("webinaires/aboutcode.md"): its identity on import.
    source = models.CharField(max_length=300, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Both set by save(): calendars read them as DTSTAMP/LAST-MODIFIED and SEQUENCE.
    updated_at = models.DateTimeField(default=timezone.now)
    sequence = models.PositiveIntegerField(_("calendar revision"), default=0, editable=False)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at", "pk"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at=None) | models.Q(ends_at__gte=models.F("starts_at")),
                name="event_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Every save is a change calendars must see (``updated_at``); a change of time,
        place or title is a new revision too (``sequence``, RFC 5545 3.8.7.4), so that
        a calendar which stored the event replaces it."""
        update_fields = kwargs.get("update_fields")
        self.updated_at = timezone.now()
        extra = ["updated_at"]
        if self.pk is not None and (
            update_fields is None or set(update_fields) & set(RESCHEDULING_FIELDS)
        ):
            stored = (
                type(self)
                .objects.filter(pk=self.pk)
                .values("sequence", *RESCHEDULING_FIELDS)
                .first()
            )
            if stored and any(stored[n] != getattr(self, n) for n in RESCHEDULING_FIELDS):
                # From the stored value: a stale instance must not move it backwards.
                self.sequence = stored["sequence"] + 1
                extra.append("sequence")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, *extra}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("events:event-detail", args=[self.slug])

    def zone(self) -> zoneinfo.ZoneInfo:
        try:
            return zoneinfo.ZoneInfo(self.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return zoneinfo.ZoneInfo("UTC")

    def local_start(self) -> datetime.datetime:
        return self.starts_at.astimezone(self.zone())

    def local_end(self) -> datetime.datetime | None:
        return self.ends_at.astimezone(self.zone()) if self.ends_at else None

    def is_past(self, now: datetime.datetime | None = None) -> bool:
        now = now or timezone.now()
        return (self.ends_at or self.starts_at) < now

    def accepts_registrations(self, now: datetime.datetime | None = None) -> bool:
        return self.registration_open and self.starts_at > (now or timezone.now())


class Registration(models.Model):
    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("confirmed")
        WAITING = "waiting", _("on the waiting list")
        CANCELLED = "cancelled", _("cancelled")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="registrations")
    # Empty once the person deleted their account: a past registration stays as an
    # anonymous attendance, so the event's counts do not change (events/personal.py).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="event_registrations",
    )
    status = models.CharField(max_length=20, choices=Status.choices)
    # The place in the queue: set again when someone registers anew after cancelling.
    queued_at = models.DateTimeField(default=timezone.now)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["queued_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["event", "user"], name="one_registration_per_person")
        ]
        indexes = [models.Index(fields=["event", "status", "queued_at"])]

    def __str__(self) -> str:
        return f"{self.event} · {self.status}"
