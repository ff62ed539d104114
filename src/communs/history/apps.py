from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HistoryConfig(AppConfig):
    """History: daily snapshots of the figures and time series per repository."""

    name = "communs.history"
    verbose_name = _("History")
