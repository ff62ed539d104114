from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    """The audit log: who changed what, and when."""

    name = "communs.audit"
    verbose_name = _("audit log")
