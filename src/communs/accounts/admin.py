"""Admin pages for profiles: administrators make moderators here (the flag, or the
"moderators" group on the user's page)."""

from __future__ import annotations

from django.contrib import admin

from communs.accounts.models import Profile


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "public", "directory", "moderator"]
    list_filter = ["moderator", "public", "directory"]
    search_fields = ["user__username", "user__email", "organisation__name"]
    autocomplete_fields = ["organisation"]
    raw_id_fields = ["user"]
