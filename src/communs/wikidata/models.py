"""The Wikidata cache: what was last read for each item, and when.

One row per Wikidata item id. ``facts`` is ``WikidataFacts.to_dict()`` from the last
read that succeeded; a failed read keeps those facts and says why in ``error``, so a
Wikidata outage never empties the catalogue's borrowed fields. ``fetched_at`` is the
last attempt, which ``communs wikidata refresh --older-than DAYS`` compares against.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from communs.wikidata.client import WikidataFacts


class WikidataEntity(models.Model):
    qid = models.CharField(_("Wikidata identifier"), max_length=16, primary_key=True)
    fetched_at = models.DateTimeField(_("last read"), null=True, blank=True, db_index=True)
    facts = models.JSONField(_("facts"), default=dict, blank=True)
    # Why the last read failed ("" when it worked), in English as the client says it.
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("Wikidata item")
        verbose_name_plural = _("Wikidata items")
        ordering = ["qid"]

    def __str__(self) -> str:
        return self.qid

    def read_facts(self) -> WikidataFacts | None:
        """The cached facts, or None when the item was never read successfully."""
        if not self.facts:
            return None
        return WikidataFacts.from_dict(self.facts)
