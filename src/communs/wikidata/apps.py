from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WikidataConfig(AppConfig):
    """Facts about software read from Wikidata, cached and refreshed by a command."""

    name = "communs.wikidata"
    verbose_name = _("Wikidata")
