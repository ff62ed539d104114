from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "communs.api"
    verbose_name = _("API")

    def ready(self) -> None:
        from communs.api import checks  # noqa: F401 - registers the system checks
