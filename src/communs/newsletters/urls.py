from __future__ import annotations

from django.urls import path

from communs.newsletters import views
from communs.newsletters.feeds import IssueFeed

app_name = "newsletters"

urlpatterns = [
    path("", views.issue_list, name="issue-list"),
    path("feed.atom", IssueFeed(), name="newsletters-feed"),
    path("subscribe/", views.subscribe, name="newsletter-subscribe"),
    path("confirm/<str:token>/", views.confirm, name="newsletter-confirm"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="newsletter-unsubscribe"),
    path("<slug:slug>/", views.issue_detail, name="issue-detail"),
]
