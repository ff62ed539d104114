from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include("communs.api.urls")),
    # Open data, feeds, sitemap and robots.txt.
    path("", include("communs.opendata.urls")),
    path("publiccode/", include("communs.publiccode.urls")),
    path("catalogue/", include("communs.catalogue.urls")),
    path("accounts/", include("communs.accounts.urls")),
    path("events/", include("communs.events.urls")),
    path("newsletters/", include("communs.newsletters.urls")),
    path("jobs/", include("communs.jobs.urls")),
    path("contributions/", include("communs.contributions.urls")),
    path("agents/", include("communs.accounts.directory_urls")),
    path("", include("communs.web.urls")),
]
