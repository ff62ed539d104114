"""Harvest runs in the admin: read-only, since a run is a record of what happened."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from communs.harvest.models import COUNT_FIELDS, HarvestRun, OwnerProgress


class OwnerProgressInline(admin.TabularInline):
    model = OwnerProgress
    fields = ("owner", "step", "cursor", "reason", "updated_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: HarvestRun | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: HarvestRun | None = None) -> bool:
        return False


@admin.register(HarvestRun)
class HarvestRunAdmin(admin.ModelAdmin):
    inlines = [OwnerProgressInline]
    list_display = (
        "forge",
        "status",
        "started_at",
        "finished_at",
        "owners",
        "owners_failed",
        "new",
        "updated",
        "unchanged",
        "gone",
        "requests",
        "not_modified",
        "errors",
    )
    list_filter = ("status", "forge")
    list_select_related = ("forge",)
    search_fields = ("forge__host", "error")
    date_hierarchy = "started_at"
    ordering = ("-started_at",)
    fieldsets = (
        (
            None,
            {"fields": ("forge", "status", "started_at", "finished_at", "heartbeat_at", "error")},
        ),
        (_("Counts"), {"fields": COUNT_FIELDS}),
        (
            _("Resumption"),
            {"fields": ("only", "resumptions", "hostname", "pid"), "classes": ("collapse",)},
        ),
    )

    def get_readonly_fields(self, request: HttpRequest, obj: HarvestRun | None = None) -> list[str]:
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: HarvestRun | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: HarvestRun | None = None) -> bool:
        return False
