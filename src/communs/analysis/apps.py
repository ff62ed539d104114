from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalysisConfig(AppConfig):
    """The stored analyses (``models``), the pipeline that fills them and the commands;
    the analysis itself is pure Python."""

    name = "communs.analysis"
    verbose_name = _("analysis")
