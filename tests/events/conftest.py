"""People and events for the events tests."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from communs.events.models import Event, Kind


@pytest.fixture
def agents_domains(settings) -> None:
    settings.AGENT_DOMAINS = ["gouv.fr"]


@pytest.fixture
def workshop(db) -> Event:
    """In three days, 2 seats, registration open."""
    start = (timezone.now() + datetime.timedelta(days=3)).replace(microsecond=0)
    return Event.objects.create(
        slug="atelier",
        title="Atelier, avec; des\\ caractères\nà échapper",
        kind=Kind.SPRINT,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        place="Salle 1, Paris",
        capacity=2,
        registration_open=True,
    )
