from __future__ import annotations

from django.contrib import admin

from communs.jobs.models import JobOffer, Skill


@admin.register(JobOffer)
class JobOfferAdmin(admin.ModelAdmin):
    list_display = ["title", "organisation", "moderation", "expires_on"]
    list_filter = ["moderation", "remote"]
    search_fields = ["title", "slug"]
    raw_id_fields = ["organisation", "proposed_by"]


admin.site.register(Skill)
