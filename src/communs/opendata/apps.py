from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpenDataConfig(AppConfig):
    """The open-data files, Atom feeds and sitemap: no models, only what reads the others."""

    name = "communs.opendata"
    verbose_name = _("open data")
