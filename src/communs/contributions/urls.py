from __future__ import annotations

app_name = "contributions"

urlpatterns: list = []
