from __future__ import annotations

app_name = "newsletters"

urlpatterns: list = []
