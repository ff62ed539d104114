"""A few made-up events for the demo site: ``load_demo_events()`` (no ../shared needed).

Idempotent: events are found again by their slug. Times are relative to now, so the
demo always has upcoming events (one full, with registration open) and past ones.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from communs.events.models import Event, Kind

DEMO_EVENTS = [
    # slug, title, kind, days from now, hours, capacity, place, summary
    (
        "demo-webinaire-forges",
        "Wébinaire : publier son code sur une forge publique",
        Kind.WEBINAR, 7, 1, 100, "",
        "Comment ouvrir un dépôt, choisir une licence et accueillir des contributions.",
    ),
    (
        "demo-sprint-accessibilite",
        "Sprint accessibilité des logiciels libres",
        Kind.SPRINT, 21, 7, 2, "DINUM, 20 avenue de Ségur, Paris",
        "Une journée pour corriger des défauts d'accessibilité.",
    ),
    (
        "demo-rencontre-referents",
        "Rencontre des référents du catalogue",
        Kind.MEETING, -30, 3, None, "Lyon",
        "Retour sur l'année des référents de logiciels libres.",
    ),
]  # fmt: skip


def load_demo_events(now: datetime.datetime | None = None) -> int:
    """Store the demo events; returns how many were created."""
    now = (now or timezone.now()).replace(minute=0, second=0, microsecond=0)
    created = 0
    for slug, title, kind, days, hours, capacity, place, summary in DEMO_EVENTS:
        starts_at = (now + datetime.timedelta(days=days)).replace(hour=9)
        _event, made = Event.objects.get_or_create(
            slug=slug,
            defaults={
                "title": title,
                "kind": kind,
                "starts_at": starts_at,
                "ends_at": starts_at + datetime.timedelta(hours=hours),
                "place": place,
                "online_url": "https://webinaire.numerique.gouv.fr/" if not place else "",
                "summary": summary,
                "description": f"{summary}\n\n- Programme à venir\n- Questions et réponses",
                "capacity": capacity,
                "registration_open": days > 0,
            },
        )
        created += made
    return created
