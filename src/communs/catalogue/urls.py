from __future__ import annotations

from django.urls import include, path

urlpatterns: list = [
    # What agents and moderators do (propose, declare use, become referent, moderate).
    path("", include("communs.catalogue.action_urls")),
    # Entries proposed from valid publiccode.yml files found by the analysis.
    path("", include("communs.catalogue.candidate_urls")),
]
