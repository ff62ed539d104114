"""Admin pages for forges, organisations and accounts: find, filter and fix rows by hand."""

from __future__ import annotations

from django.contrib import admin
from django.db import models
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from communs.sources.models import Account, Forge, Organisation


class IgnoredFilter(admin.SimpleListFilter):
    """Ignored or harvested: whether ``ignored_since`` is set."""

    title = _("ignored")
    parameter_name = "ignored"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple]:
        return [("yes", _("ignored")), ("no", _("harvested"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "yes":
            return queryset.filter(ignored_since__isnull=False)
        if self.value() == "no":
            return queryset.filter(ignored_since__isnull=True)
        return queryset


# Addresses typed without a scheme are https (Django 6's default, chosen now).
URL_FIELDS = {models.URLField: {"assume_scheme": "https"}}


class AccountInline(admin.TabularInline):
    model = Account
    fields = ("path", "organisation", "ignored_since", "ignored_reason")
    autocomplete_fields = ("organisation",)
    extra = 0
    show_change_link = True
    formfield_overrides = URL_FIELDS


@admin.register(Forge)
class ForgeAdmin(admin.ModelAdmin):
    list_display = (
        "host",
        "kind",
        "scope",
        "organisation",
        "account_count",
        "ignored_since",
        "source_file",
    )
    list_filter = ("kind", "scope", IgnoredFilter, "source_file")
    search_fields = ("host", "url", "organisation__name")
    autocomplete_fields = ("organisation",)
    readonly_fields = ("created_at", "updated_at")
    formfield_overrides = URL_FIELDS
    inlines = (AccountInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # One query for the account counts rather than one per row.
        queryset = super().get_queryset(request).select_related("organisation")
        return queryset.annotate(account_count=Count("accounts"))

    @admin.display(description=_("accounts"), ordering="account_count")
    def account_count(self, forge: Forge) -> int:
        return forge.account_count


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "level", "pso_id", "parent", "name_origin", "updated_at")
    list_filter = ("level", "name_origin")
    search_fields = ("name", "key", "pso_id")
    autocomplete_fields = ("parent",)
    readonly_fields = ("created_at", "updated_at")
    formfield_overrides = URL_FIELDS
    list_select_related = ("parent",)


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ("path", "forge", "organisation", "ignored_since", "ignored_reason")
    list_filter = (IgnoredFilter, "forge__kind", "source_file", "forge")
    search_fields = ("path", "display_name", "forge__host", "organisation__name")
    autocomplete_fields = ("forge", "organisation")
    readonly_fields = ("created_at", "updated_at")
    formfield_overrides = URL_FIELDS
    list_select_related = ("forge", "organisation")
