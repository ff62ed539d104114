"""What the schedules remember between runs: the last "recently updated" sweep of each
forge, and when each entry of the embedded schedule last ran."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from communs.sources.models import Forge


class Sweep(models.Model):
    """The start of the last complete "recently updated" sweep of a forge: the next one
    asks for what changed since then (less a margin for clocks)."""

    forge = models.OneToOneField(Forge, on_delete=models.CASCADE, related_name="+")
    swept_at = models.DateTimeField(_("swept at"))

    class Meta:
        verbose_name = _("sweep")

    def __str__(self) -> str:
        return f"{self.forge_id} {self.swept_at:%Y-%m-%d %H:%M}"


class ScheduleMark(models.Model):
    """When an entry of the embedded schedule (`communs serve` without a broker) last
    ran, so that a restart does not run every entry again at once."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    last_run_at = models.DateTimeField(_("last run"))

    class Meta:
        verbose_name = _("schedule mark")

    def __str__(self) -> str:
        return f"{self.name} {self.last_run_at:%Y-%m-%d %H:%M}"
