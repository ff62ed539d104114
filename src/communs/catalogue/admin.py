"""Admin pages for the catalogue: find and fix rows by hand (moderation has its own pages)."""

from __future__ import annotations

from django.contrib import admin

from communs.catalogue.models import (
    AttributeDefinition,
    AttributeValue,
    Category,
    Instance,
    Provider,
    Referent,
    Software,
    Usage,
)


class AttributeValueInline(admin.TabularInline):
    model = AttributeValue
    extra = 0


@admin.register(Software)
class SoftwareAdmin(admin.ModelAdmin):
    list_display = ("name", "status", "moderation", "licence", "is_free", "updated_at")
    list_filter = ("status", "moderation", "is_free", "categories")
    search_fields = ("name", "slug", "function", "wikidata_id")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("parent", "repository", "proposed_by")
    filter_horizontal = ("categories",)
    inlines = (AttributeValueInline,)
    # An uploaded logo is set by the upload page, which checks and re-encodes it.
    readonly_fields = ("logo",)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name_fr", "name_en", "slug", "parent")
    search_fields = ("name_fr", "name_en", "slug")
    prepopulated_fields = {"slug": ("name_fr",)}


@admin.register(AttributeDefinition)
class AttributeDefinitionAdmin(admin.ModelAdmin):
    list_display = ("key", "label_fr", "label_en", "kind")


@admin.register(Usage)
class UsageAdmin(admin.ModelAdmin):
    list_display = ("software", "organisation", "organisation_name", "created_at")
    search_fields = ("software__name", "organisation__name", "organisation_name")
    raw_id_fields = ("software", "agent", "organisation")


@admin.register(Referent)
class ReferentAdmin(admin.ModelAdmin):
    list_display = ("software", "organisation", "is_expert", "lapsed", "confirmed_at")
    list_filter = ("is_expert", "lapsed")
    search_fields = ("software__name",)
    raw_id_fields = ("software", "agent", "organisation")


@admin.register(Instance)
class InstanceAdmin(admin.ModelAdmin):
    list_display = ("name", "software", "software_name", "organisation_name", "public")
    list_filter = ("public",)
    search_fields = ("name", "url", "software__name", "organisation_name")
    raw_id_fields = ("software", "organisation")


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    list_display = ("name", "website")
    search_fields = ("name",)
    filter_horizontal = ("software",)
