"""A few made-up job offers for the demo site: ``load_demo_jobs()`` (no ../shared
needed). Idempotent: offers are found again by their slug; expiry dates are relative
to today, so the demo list is never empty."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.text import slugify

from communs.jobs.models import JobOffer, Moderation, Skill

DEMO_JOBS = [
    # title, place, remote, skills, days to expiry
    ("Développeuse ou développeur Python", "Paris", True, ["Python", "Django"], 45),
    ("Administratrice ou administrateur de forge GitLab", "Lyon", False, ["GitLab", "Linux"], 30),
    ("Chef ou cheffe de projet open source", "Rennes", True, ["Gestion de projet"], 60),
]  # fmt: skip


def load_demo_jobs(today: datetime.date | None = None) -> int:
    """Store the demo offers, published; returns how many were created."""
    today = today or timezone.localdate()
    created = 0
    for title, place, remote, skills, days in DEMO_JOBS:
        offer, made = JobOffer.objects.get_or_create(
            slug=f"demo-{slugify(title)}"[:220],
            defaults={
                "title": title,
                "place": place,
                "remote": remote,
                "link": "https://choisirleservicepublic.gouv.fr/",
                "expires_on": today + datetime.timedelta(days=days),
                "description": "Offre d'exemple pour la démonstration.",
                "moderation": Moderation.PUBLISHED,
                "published_at": timezone.now(),
            },
        )
        if made:
            offer.skills.set(
                [
                    Skill.objects.get_or_create(slug=slugify(n), defaults={"name": n})[0]
                    for n in skills
                ]
            )
            created += 1
    return created
