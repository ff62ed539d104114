"""The admin page of the repository index: find, filter and correct a repository."""

from __future__ import annotations

from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _

from communs.repositories.models import Repository


@admin.register(Repository)
class RepositoryAdmin(admin.ModelAdmin):
    list_display = (
        "full_path",
        "forge",
        "account",
        "license",
        "language",
        "stars",
        "is_fork",
        "is_archived",
        "pushed_at",
        "gone_since",
    )
    list_filter = ("forge", "is_fork", "is_archived", "license", "gone_since")
    list_select_related = ("forge", "account")
    # Paths and descriptions are what people remember of a repository.
    search_fields = ("full_path", "name", "description", "url", "native_id")
    # Tens of thousands of accounts: a select box would load them all on every page.
    raw_id_fields = ("forge", "account")
    readonly_fields = ("first_seen_at", "last_harvested_at", "previous_names")
    date_hierarchy = "pushed_at"
    ordering = ("forge__host", "full_path")
    list_per_page = 50
    # Forges give full URLs; a bare host typed in the form means https, not http.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    # Counting a million rows on every page is slow; the filters show counts where useful.
    show_full_result_count = False
    fieldsets = (
        (None, {"fields": ("forge", "native_id", "account", "full_path", "name", "url")}),
        (
            _("Description"),
            {
                "fields": (
                    "description",
                    "homepage",
                    "default_branch",
                    "license",
                    "language",
                    "languages",
                    "topics",
                )
            },
        ),
        (
            _("State"),
            {"fields": ("is_fork", "is_archived", "is_template", "gone_since", "previous_names")},
        ),
        (
            _("Figures"),
            {"fields": ("stars", "forks", "watchers", "open_issues")},
        ),
        (
            _("Dates"),
            {
                "fields": (
                    "created_at",
                    "updated_at",
                    "pushed_at",
                    "first_seen_at",
                    "last_harvested_at",
                )
            },
        ),
    )
