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
            "organisation": offer.organisation.name if offer.organisation else "",
            "place": offer.place,
            "remote": offer.remote,
            "link": offer.link,
            "skills": [skill.name for skill in offer.skills.all()],
            "description": offer.description,
        }
        for offer in JobOffer.objects.filter(proposed_by=user)
        .select_related("organisation")
        .prefetch_related("skills")
        .order_by("created_at")
    ]
