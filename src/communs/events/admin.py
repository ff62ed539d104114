from __future__ import annotations

from typing import Any

from django.contrib import admin

from communs.events import registration
from communs.events.models import Event, Registration


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "starts_at", "capacity", "registration_open"]
    list_filter = ["kind", "registration_open"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    # Set by Event.save(): what calendars and feeds read to see a change.
    readonly_fields = ["created_at", "updated_at", "sequence"]

    def save_model(self, request: Any, obj: Event, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        # More seats (or no limit any more): the people waiting must not stay waiting.
        if change and "capacity" in form.changed_data:
            registration.fill_seats(obj)


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = ["event", "status", "queued_at", "reminded_at"]
    list_filter = ["status"]
    raw_id_fields = ["event", "user"]
