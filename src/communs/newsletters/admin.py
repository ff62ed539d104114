from __future__ import annotations

from django.contrib import admin

from communs.newsletters.models import Issue


@admin.register(Issue)
class IssueAdmin(admin.ModelAdmin):
    list_display = ["title", "number", "published_on"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}


# Subscribers are deliberately not in the admin: their addresses are seen by nobody.
