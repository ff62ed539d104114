"""``/agents/``: the opt-in directory of agents (docs/community.md)."""

from __future__ import annotations

app_name = "directory"

urlpatterns: list = []
