from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EmulatorConfig(AppConfig):
    name = "communs.emulator"
    verbose_name = _("Forge emulator")
