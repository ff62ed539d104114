"""``{% load contributions %}{% software_contributions software %}``: the block a
catalogue entry's page shows (``contributions/_software_block.html``)."""

from __future__ import annotations

from typing import Any

from django import template

from communs.contributions import queries

register = template.Library()


@register.inclusion_tag("contributions/_software_block.html")
def software_contributions(software: Any) -> dict[str, Any]:
    return {"software": software, "contributions": queries.for_software(software)}
