"""Routes of the open data, the feeds, the sitemap and robots.txt (at the site's root)."""

from __future__ import annotations

from django.contrib.sitemaps import views as sitemap_views
from django.urls import path
from django.views.decorators.http import require_safe

from communs.opendata import feeds, views
from communs.opendata.sitemaps import SITEMAPS, sitemap_section

urlpatterns = [
    path("open-data/", views.open_data, name="open-data"),
    # <str:…> holds no slash, and the view serves listed names only.
    path("open-data/<str:name>", views.open_data_file, name="open-data-file"),
    path("feeds/repositories.atom", feeds.RepositoriesFeed(), name="feed-repositories"),
    path("feeds/releases.atom", feeds.ReleasesFeed(), name="feed-releases"),
    path(
        "feeds/organisations/<slug:key>.atom",
        feeds.OrganisationFeed(),
        name="feed-organisation",
    ),
    path(
        "sitemap.xml",
        require_safe(sitemap_views.index),
        {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap-section"},
        name="sitemap",
    ),
    path("sitemap-<section>.xml", sitemap_section, name="sitemap-section"),
    path("robots.txt", views.robots_txt, name="robots-txt"),
]
