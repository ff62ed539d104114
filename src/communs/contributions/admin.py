"""Admin pages for the tracked repositories: what was fetched, when, and the last error.

The counts are read-only here: ``communs contributions collect`` is their one writer.
"""

from __future__ import annotations

from django.contrib import admin

from communs.contributions.models import CommitCount, TrackedRepository


class CommitCountInline(admin.TabularInline):
    model = CommitCount
    fields = ["year", "public_sector", "domain", "person", "organisation", "commits", "authors"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(TrackedRepository)
class TrackedRepositoryAdmin(admin.ModelAdmin):
    list_display = ["url", "commits", "collected_at", "error"]
    search_fields = ["url"]
    readonly_fields = ["head", "fingerprint", "commits", "collected_at", "error"]
    raw_id_fields = ["repository"]
    filter_horizontal = ["software"]
    inlines = [CommitCountInline]
