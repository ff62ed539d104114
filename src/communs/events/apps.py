from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    """Community events: webinars, meetings, sprints; registration and calendars."""

    name = "communs.events"
    verbose_name = _("Events")
