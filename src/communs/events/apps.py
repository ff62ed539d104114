from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    """Community events: webinars, meetings, sprints; registration and calendars."""

    name = "communs.events"
    verbose_name = _("Events")

    def ready(self) -> None:
        from communs.accounts import personal_data
        from communs.events.personal import erase_registrations, export_registrations

        personal_data.register("events", export=export_registrations, erase=erase_registrations)
