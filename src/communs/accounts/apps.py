from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    """People: accounts, profiles and roles (visitor, agent, moderator, administrator)."""

    name = "communs.accounts"
    verbose_name = _("accounts")

    def ready(self) -> None:
        # Registers the accounts' own parts of a person's data (docs/community.md).
        from communs.accounts import personal_data  # noqa: F401
