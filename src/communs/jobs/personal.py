"""What the jobs app holds about a person: the offers they proposed. No eraser: the
offers stay, their author cut (``proposed_by`` is ``SET_NULL``)."""

from __future__ import annotations

from typing import Any

from communs.accounts.personal_data import iso
from communs.jobs.models import JobOffer


def export_offers(user: Any) -> list[dict[str, Any]]:
    return [
        {
            "title": offer.title,
            "slug": offer.slug,
            "moderation": offer.moderation,
            "proposed_at": iso(offer.created_at),
            "expires_on": iso(offer.expires_on),
        }
        for offer in JobOffer.objects.filter(proposed_by=user).order_by("created_at")
    ]
