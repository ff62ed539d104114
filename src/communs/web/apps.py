from __future__ import annotations

from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "communs.web"
    verbose_name = "Web"
