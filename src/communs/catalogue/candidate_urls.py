"""Catalogue entries proposed from valid publiccode.yml files, under /catalogue/."""

from __future__ import annotations

from django.urls import path

from communs.catalogue import candidate_views

urlpatterns: list = [
    path("candidates/", candidate_views.candidates, name="candidates"),
    path(
        "candidates/<int:repository_id>/propose/",
        candidate_views.propose,
        name="candidate-propose",
    ),
]
