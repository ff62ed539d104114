from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PubliccodeConfig(AppConfig):
    """Only the ``communs publiccode`` command; the validator itself is pure Python."""

    name = "communs.publiccode"
    verbose_name = _("publiccode.yml")
