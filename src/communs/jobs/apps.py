from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    """Job offers: moderated, filtered, expiring by themselves."""

    name = "communs.jobs"
    verbose_name = _("Job offers")

    def ready(self) -> None:
        from communs.accounts import personal_data
        from communs.jobs.personal import export_offers

        personal_data.register("jobs", export=export_offers)
