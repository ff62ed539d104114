"""Job offers: proposed by agents, published (or rejected) by moderators, and gone
from the list and the feed by themselves once their expiry date has passed.

Expiry is a filter (``JobOfferQuerySet.visible``), not a job: an offer expires at the
end of its ``expires_on`` day in the site's time zone, and no cron has to run.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communs.sources.models import Organisation

MAX_DESCRIPTION = 10_000


class Skill(models.Model):
    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=80)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Moderation(models.TextChoices):
    PROPOSED = "proposed", _("proposed")
    PUBLISHED = "published", _("published")
    REJECTED = "rejected", _("rejected")


class JobOfferQuerySet(models.QuerySet):
    def visible(self, today: datetime.date | None = None) -> JobOfferQuerySet:
        """Published and not expired: what the list and the feed show."""
        today = today or timezone.localdate()
        return self.filter(moderation=Moderation.PUBLISHED, expires_on__gte=today)


class JobOffer(models.Model):
    slug = models.SlugField(max_length=220, unique=True)
    title = models.CharField(_("title"), max_length=200)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="job_offers",
    )
    place = models.CharField(_("place"), max_length=200, blank=True)
    remote = models.BooleanField(_("remote work possible"), default=False)
    skills = models.ManyToManyField(Skill, verbose_name=_("skills"), blank=True)
    # Bounded so a pasted book is refused with a message, not rendered on every visit.
    description = models.TextField(
        _("description (Markdown)"), max_length=MAX_DESCRIPTION, blank=True
    )
    link = models.URLField(_("link to the offer"), max_length=500)
    expires_on = models.DateField(_("expires on"), db_index=True)
    moderation = models.CharField(
        max_length=20, choices=Moderation.choices, default=Moderation.PROPOSED, db_index=True
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="job_offers",
    )
    created_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)

    objects = JobOfferQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-created_at", "-pk"]
        verbose_name = _("job offer")
        verbose_name_plural = _("job offers")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("jobs:job-detail", args=[self.slug])

    def is_expired(self, today: datetime.date | None = None) -> bool:
        return self.expires_on < (today or timezone.localdate())
