from __future__ import annotations

from django.urls import include, path

from communs.catalogue import feeds, views

app_name = "catalogue"

urlpatterns: list = [
    path("", views.software_list, name="list"),
    path("software/<slug:slug>/", views.software_detail, name="software"),
    path("instances/", views.instance_list, name="instances"),
    path("mine/", views.my_software, name="mine"),
    path("catalogue.json", views.export_json, name="export-json"),
    path("catalogue.csv", views.export_csv, name="export-csv"),
    path("feeds/new.atom", feeds.NewSoftwareFeed(), name="feed-new"),
    path("feeds/updated.atom", feeds.UpdatedSoftwareFeed(), name="feed-updated"),
    path(
        "feeds/categories/<slug:slug>/new.atom",
        feeds.NewSoftwareFeed(),
        name="feed-new-category",
    ),
    path(
        "feeds/categories/<slug:slug>/updated.atom",
        feeds.UpdatedSoftwareFeed(),
        name="feed-updated-category",
    ),
    # What agents and moderators do (propose, declare use, become referent, moderate).
    path("", include("communs.catalogue.action_urls")),
    # Entries proposed from valid publiccode.yml files found by the analysis.
    path("", include("communs.catalogue.candidate_urls")),
]
