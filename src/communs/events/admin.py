from __future__ import annotations

from django.contrib import admin

from communs.events.models import Event, Registration


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "starts_at", "capacity", "registration_open"]
    list_filter = ["kind", "registration_open"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = ["event", "status", "queued_at", "reminded_at"]
    list_filter = ["status"]
    raw_id_fields = ["event", "user"]
