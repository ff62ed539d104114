from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContributionsConfig(AppConfig):
    """Contributions upstream by public-sector people, counted from repository history."""

    name = "communs.contributions"
    verbose_name = _("Contributions")

    def ready(self) -> None:
        from communs.accounts import personal_data
        from communs.contributions.personal import export_contributions

        # No eraser: deleting the account cuts ``CommitCount.person`` and the counts stay,
        # anonymous.
        personal_data.register("contributions", export=export_contributions)
