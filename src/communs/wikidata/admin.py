"""The Wikidata cache in the admin: read-only, since rows are what Wikidata last said."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from communs.wikidata.models import WikidataEntity


@admin.register(WikidataEntity)
class WikidataEntityAdmin(admin.ModelAdmin):
    list_display = ("qid", "fetched_at", "error")
    search_fields = ("qid",)
    fields = ("qid", "fetched_at", "facts", "error")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
