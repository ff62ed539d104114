from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RepositoriesConfig(AppConfig):
    name = "communs.repositories"
    verbose_name = _("Repositories")
