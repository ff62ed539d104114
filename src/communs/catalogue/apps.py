from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogueConfig(AppConfig):
    """The catalogue of free software the administration uses (France's SILL)."""

    name = "communs.catalogue"
    verbose_name = _("software catalogue")
