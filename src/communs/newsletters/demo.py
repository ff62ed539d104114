"""A made-up newsletter issue for the demo site: ``load_demo_issues()`` (no ../shared
needed). Idempotent: the issue is found again by its slug."""

from __future__ import annotations

import datetime

from django.utils import timezone

from communs.newsletters.models import Issue

BODY = """## Des nouvelles de la communauté

- Un [wébinaire sur la publication des codes sources](https://code.gouv.fr/) est prévu.
- Le catalogue accueille de nouvelles fiches de logiciels libres.

## Focus sur une contribution

Une équipe a reversé un correctif d'accessibilité à un projet libre qu'elle utilise.
"""


def load_demo_issues(today: datetime.date | None = None) -> int:
    """Store one demo issue dated today; returns how many were created."""
    _issue, created = Issue.objects.get_or_create(
        slug="demo-gazette",
        defaults={
            "title": "Gazette de démonstration",
            "published_on": today or timezone.localdate(),
            "body": BODY,
        },
    )
    return int(created)
