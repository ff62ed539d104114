from __future__ import annotations

from django.urls import path

from communs.web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("repositories/", views.repository_list, name="repository-list"),
    path("repositories/<int:pk>/", views.repository_detail, name="repository-detail"),
    path("organisations/", views.organisation_list, name="organisation-list"),
    path("organisations/<slug:key>/", views.organisation_detail, name="organisation-detail"),
]
