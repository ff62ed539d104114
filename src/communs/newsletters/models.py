"""Newsletters: the issues (the BlueHats gazette archive and new ones), the people
subscribed (an address, not an account) and one delivery row per issue and recipient.

A subscriber is *pending* until they follow the link of the confirmation e-mail
(double opt-in); only confirmed subscribers receive issues. Unsubscribing deletes the
row, with its deliveries: nothing of the address is kept.

``Delivery`` is how sending resumes after an interruption: the rows are planned first,
then each is marked sent in the same transaction as its message is handed to the mail
backend (``communs.newsletters.sending``).
"""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Issue(models.Model):
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    number = models.PositiveIntegerField(_("number"), null=True, blank=True)
    title = models.CharField(_("title"), max_length=300)
    published_on = models.DateField(_("published on"), db_index=True)
    body = models.TextField(_("body (Markdown)"), blank=True)
    # Where an imported issue came from ("bluehats_12.md"): its identity on import.
    source = models.CharField(max_length=300, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-published_on", "-number", "-pk"]
        verbose_name = _("newsletter issue")
        verbose_name_plural = _("newsletter issues")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("newsletters:issue-detail", args=[self.slug])


class Subscriber(models.Model):
    # Stored lower-cased: one row per address whatever the case typed.
    email = models.EmailField(_("e-mail address"), max_length=254, unique=True)
    language = models.CharField(max_length=8, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("subscriber")
        verbose_name_plural = _("subscribers")

    def __str__(self) -> str:
        # Never the address: this text lands in logs and the audit trail.
        return f"subscriber #{self.pk}"

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


class Delivery(models.Model):
    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="deliveries")
    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="deliveries")
    planned_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issue", "subscriber"], name="one_delivery_per_issue")
        ]
        indexes = [models.Index(fields=["issue", "sent_at"])]

    def __str__(self) -> str:
        return f"{self.issue} → #{self.subscriber_id}"
