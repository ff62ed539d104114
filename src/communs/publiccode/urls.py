"""The publiccode.yml pages: the validator and the draft."""

from __future__ import annotations

from django.urls import path

from communs.publiccode import views

urlpatterns = [
    path("", views.validate_page, name="publiccode-validate"),
    path("new/", views.draft_page, name="publiccode-new"),
]
