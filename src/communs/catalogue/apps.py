from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogueConfig(AppConfig):
    """The catalogue of free software the administration uses (France's SILL)."""

    name = "communs.catalogue"
    verbose_name = _("software catalogue")

    def ready(self) -> None:
        # The open-data registry publishes the catalogue with the other datasets.
        from communs.catalogue import exports
        from communs.opendata.datasets import Dataset, register_dataset

        register_dataset(
            Dataset(
                name="catalogue",
                title=_("Software catalogue"),
                description=_(
                    "The free software the administration uses and recommends, with its "
                    "licence, status, categories, and how many users and referents each "
                    "organisation has (no person is named)."
                ),
                fields=exports.SOFTWARE_FIELDS,
                rows=exports.software_rows,
            )
        )
        register_dataset(
            Dataset(
                name="catalogue-instances",
                title=_("Deployed instances of catalogue software"),
                description=_(
                    "Services that public organisations run with software of the catalogue: "
                    "name, address, organisation and audience."
                ),
                fields=exports.INSTANCE_FIELDS,
                rows=exports.instance_rows,
            )
        )
