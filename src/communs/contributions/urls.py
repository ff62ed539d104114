"""/contributions/: the yearly report of contributions upstream (docs/community.md)."""

from __future__ import annotations

from django.urls import path

from communs.contributions import views

app_name = "contributions"

urlpatterns: list = [
    path("", views.latest, name="contributions-latest"),
    path("<int:year>/", views.year_page, name="contributions-year"),
    path("organisations/<slug:key>/", views.organisation_page, name="contributions-organisation"),
]
