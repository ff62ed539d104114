from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContributionsConfig(AppConfig):
    """Contributions upstream by public-sector people, counted from repository history."""

    name = "communs.contributions"
    verbose_name = _("Contributions")
