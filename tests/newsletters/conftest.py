"""Issues and subscribers for the newsletter tests."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from communs.newsletters.models import Issue, Subscriber


@pytest.fixture(autouse=True)
def fresh_rate_limits() -> None:
    """The subscription form's per-client counter starts at zero in every test."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def issue(db) -> Issue:
    return Issue.objects.create(
        slug="bluehats-40",
        number=40,
        title="Gazette n°40",
        published_on=datetime.date(2026, 1, 15),
        body="## Nouvelles\n\nÉcrire à jean.dupont@example.org. <script>alert(1)</script> **gras**",
    )


def confirmed(count: int, prefix: str = "reader") -> list[Subscriber]:
    now = timezone.now()
    return [
        Subscriber.objects.create(email=f"{prefix}{n}@example.org", confirmed_at=now)
        for n in range(count)
    ]
