"""``/agents/``: the opt-in directory of agents (docs/community.md)."""

from __future__ import annotations

from django.urls import path

from communs.accounts import directory_views

app_name = "directory"

urlpatterns: list = [
    path("", directory_views.agent_list, name="agent-list"),
    path("<int:pk>/", directory_views.agent_detail, name="agent-detail"),
]
