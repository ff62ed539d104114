from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NewslettersConfig(AppConfig):
    """Newsletters: archive, double opt-in subscription, resumable sending."""

    name = "communs.newsletters"
    verbose_name = _("Newsletters")

    def ready(self) -> None:
        from communs.accounts import personal_data
        from communs.newsletters.personal import erase_subscriptions, export_subscriptions

        personal_data.register(
            "newsletters", export=export_subscriptions, erase=erase_subscriptions
        )
