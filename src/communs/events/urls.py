from __future__ import annotations

from django.urls import path

from communs.events import views
from communs.events.feeds import EventFeed

app_name = "events"

urlpatterns = [
    path("", views.event_list, name="event-list"),
    path("calendar.ics", views.calendar, name="events-calendar"),
    path("feed.atom", EventFeed(), name="events-feed"),
    path("<slug:slug>/", views.event_detail, name="event-detail"),
    path("<slug:slug>/event.ics", views.event_calendar, name="event-calendar"),
    path("<slug:slug>/register/", views.register, name="event-register"),
    path("<slug:slug>/cancel/", views.cancel, name="event-cancel"),
]
