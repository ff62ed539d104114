"""Stored analyses in the admin: read-only, since `communs analyse` writes them."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from communs.analysis.models import RepositoryAnalysis


@admin.register(RepositoryAnalysis)
class RepositoryAnalysisAdmin(admin.ModelAdmin):
    list_display = (
        "repository",
        "status",
        "codegouv_score",
        "vitality",
        "readiness",
        "license_expression",
        "license_mismatch",
        "publiccode_valid",
        "analysed_at",
    )
    list_filter = ("status", "license_mismatch", "publiccode_valid", "has_publiccode")
    search_fields = ("repository__full_path", "reason", "license_expression")
    list_select_related = ("repository__forge",)
    raw_id_fields = ("repository",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: RepositoryAnalysis | None = None
    ) -> bool:
        return False
