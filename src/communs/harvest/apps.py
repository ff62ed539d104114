from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HarvestConfig(AppConfig):
    name = "communs.harvest"
    verbose_name = _("Harvest")
