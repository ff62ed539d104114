from __future__ import annotations

from django.urls import path

from communs.jobs import views
from communs.jobs.feeds import JobOfferFeed

app_name = "jobs"

urlpatterns = [
    path("", views.offer_list, name="job-list"),
    path("feed.atom", JobOfferFeed(), name="jobs-feed"),
    path("propose/", views.propose, name="job-propose"),
    path("moderation/", views.moderation, name="job-moderation"),
    path("<slug:slug>/", views.offer_detail, name="job-detail"),
    path("<slug:slug>/publish/", views.publish, name="job-publish"),
    path("<slug:slug>/reject/", views.reject, name="job-reject"),
]
