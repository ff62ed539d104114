from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class WebConfig(AppConfig):
    name = "communs.web"
    verbose_name = "Web"

    def ready(self) -> None:
        from communs.figures import forget_after_migrate

        # Once per migrate or flush (sender: this app only), not once per app.
        post_migrate.connect(forget_after_migrate, sender=self, dispatch_uid="communs.figures")
