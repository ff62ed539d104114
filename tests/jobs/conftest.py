"""Offers for the jobs tests: published, proposed, expired."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
from django.utils import timezone
from tests.accounts.people import make_agent

from communs.jobs.models import JobOffer, Moderation, Skill
from communs.sources.models import Organisation


@dataclass
class Offers:
    python: JobOffer
    gitlab: JobOffer
    proposal: JobOffer
    expired: JobOffer
    dinum: Organisation


@pytest.fixture
def offers(db, settings) -> Offers:
    settings.AGENT_DOMAINS = ["gouv.fr"]
    today = timezone.localdate()
    dinum = Organisation.objects.create(key="dinum", name="DINUM")
    python = Skill.objects.create(slug="python", name="Python")
    gitlab_skill = Skill.objects.create(slug="gitlab", name="GitLab")
    author = make_agent("paul.leroy")

    def offer(slug: str, **fields) -> JobOffer:
        fields.setdefault("moderation", Moderation.PUBLISHED)
        fields.setdefault("published_at", timezone.now())
        fields.setdefault("expires_on", today + datetime.timedelta(days=30))
        fields.setdefault("link", "https://emploi.example.gouv.fr/" + slug)
        return JobOffer.objects.create(slug=slug, title=slug.title(), proposed_by=author, **fields)

    first = offer("dev-python", organisation=dinum, place="Paris", remote=True)
    first.skills.add(python)
    second = offer("admin-gitlab", place="Lyon")
    second.skills.add(gitlab_skill)
    proposal = offer("secret-proposal", moderation=Moderation.PROPOSED, published_at=None)
    # Expired yesterday: in the database, on no list.
    expired = offer("old-offer", expires_on=today - datetime.timedelta(days=1), remote=True)
    expired.skills.add(python)
    return Offers(first, second, proposal, expired, dinum)
