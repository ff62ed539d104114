from __future__ import annotations

from django.urls import path

from communs.web import dependency_views, stats_views, status_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("repositories/", views.repository_list, name="repository-list"),
    path("repositories/<int:pk>/", views.repository_detail, name="repository-detail"),
    path("organisations/", views.organisation_list, name="organisation-list"),
    path("organisations/<slug:key>/", views.organisation_detail, name="organisation-detail"),
    path("ministries/", stats_views.ministry_list, name="ministry-list"),
    path("ministries/<slug:key>/", stats_views.ministry_detail, name="ministry-detail"),
    path("stats/", stats_views.stats_page, name="stats"),
    path("dependencies/", dependency_views.dependency_list, name="dependency-list"),
    # A package as type/namespace/name: npm/@angular/core, pypi/django.
    path(
        "dependencies/<path:package>/",
        dependency_views.dependency_detail,
        name="dependency-detail",
    ),
    path("forges/", status_views.forge_list, name="forge-list"),
    # A host key may hold a port and a path (127.0.0.1:8123/gitlab).
    path("forges/<path:host>/", status_views.forge_detail, name="forge-detail"),
]
