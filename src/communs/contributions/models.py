"""Commit counts of public-sector people in the repositories of catalogue software.

``TrackedRepository`` is one history Communs fetches (by its clone address: a catalogue
entry may name a repository Communs has not harvested); ``CommitCount`` the numbers
drawn from it. No author address is stored, not even hashed: a row says how many commits
and distinct addresses a year, a domain, and (when the address is a verified one of a
Communs account) an account and its organisation had. Deleting an account cuts the link
(``SET_NULL``) and leaves the numbers, anonymous.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TrackedRepository(models.Model):
    url = models.URLField(_("clone URL"), max_length=600, unique=True)
    repository = models.ForeignKey(
        "repositories.Repository",
        verbose_name=_("harvested repository"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    software = models.ManyToManyField(
        "catalogue.Software", verbose_name=_("software"), related_name="tracked_repositories"
    )
    # The default branch's commit when last counted, and a digest of what the matching
    # depended on (domains, accounts' addresses and organisations): a collect skips the
    # repository when neither moved.
    head = models.CharField(_("last commit seen"), max_length=64, blank=True)
    fingerprint = models.CharField(_("matching fingerprint"), max_length=64, blank=True)
    commits = models.PositiveIntegerField(_("commits"), default=0)
    collected_at = models.DateTimeField(_("collected"), null=True, blank=True)
    error = models.CharField(_("last error"), max_length=400, blank=True)

    class Meta:
        ordering = ["url"]
        verbose_name = _("tracked repository")
        verbose_name_plural = _("tracked repositories")

    def __str__(self) -> str:
        return self.url


class CommitCount(models.Model):
    tracked = models.ForeignKey(TrackedRepository, on_delete=models.CASCADE, related_name="counts")
    year = models.PositiveSmallIntegerField(_("year"), db_index=True)
    public_sector = models.BooleanField(_("public sector"), default=False)
    # The author address's domain when it is a public-sector one; "" otherwise (a
    # personal address matched through an account, or a commit from outside).
    domain = models.CharField(_("domain"), max_length=253, blank=True)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="commit_counts",
    )
    organisation = models.ForeignKey(
        "sources.Organisation",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="commit_counts",
    )
    commits = models.PositiveIntegerField(_("commits"))
    authors = models.PositiveIntegerField(_("distinct author addresses"))

    class Meta:
        ordering = ["tracked", "year", "domain"]
        verbose_name = _("commit count")
        verbose_name_plural = _("commit counts")

    def __str__(self) -> str:
        return f"{self.tracked} {self.year} {self.domain}: {self.commits}"
