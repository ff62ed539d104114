"""What the history keeps: a snapshot of the index's figures each day, and a time
series per repository that grows only when the repository's figures change.

A snapshot is one :class:`Snapshot` row (the totals) with its :class:`SnapshotCount`
rows (repositories per ministry, licence, language and forge), counted by the same
functions as the stats page and ``/api/v1/stats``. A repository's series is its
:class:`RepositoryPoint` rows: a point holds the figures from its day until the next
point, so a repository that does not move costs no row (see ``snapshots.py``).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from communs.repositories.models import Repository


class Snapshot(models.Model):
    """The whole index's figures on one day (at most one snapshot a day)."""

    day = models.DateField(_("day"), unique=True)
    taken_at = models.DateTimeField(_("taken at"))
    repositories = models.PositiveIntegerField(_("repositories"))
    licensed = models.PositiveIntegerField(_("with a known licence"))
    forks = models.PositiveIntegerField(_("forks"))
    archived = models.PositiveIntegerField(_("archived"))
    # A sum over every repository: past 2**31 on a large index.
    stars = models.PositiveBigIntegerField(_("stars"))
    organisations = models.PositiveIntegerField(_("organisations"))
    ministries = models.PositiveIntegerField(_("ministries"))
    forges = models.PositiveIntegerField(_("forges followed"))
    accounts = models.PositiveIntegerField(_("accounts followed"))

    class Meta:
        verbose_name = _("snapshot")
        verbose_name_plural = _("snapshots")
        ordering = ["day"]

    def __str__(self) -> str:
        return self.day.isoformat()


class SnapshotCount(models.Model):
    """Present repositories with one value of one dimension, on the snapshot's day."""

    class Dimension(models.TextChoices):
        MINISTRY = "ministry", _("ministry")
        LICENSE = "license", _("licence")
        LANGUAGE = "language", _("language")
        FORGE = "forge", _("forge")

    snapshot = models.ForeignKey(Snapshot, on_delete=models.CASCADE, related_name="counts")
    dimension = models.CharField(_("dimension"), max_length=16, choices=Dimension.choices)
    # A ministry's key, an SPDX id (or "unknown"), a language ("" unknown), a forge's host.
    value = models.CharField(_("value"), max_length=255, blank=True)
    # A ministry's name on that day (it may be renamed since); empty otherwise.
    label = models.CharField(_("label"), max_length=300, blank=True)
    count = models.PositiveIntegerField(_("repositories"))

    class Meta:
        verbose_name = _("snapshot count")
        verbose_name_plural = _("snapshot counts")
        constraints = [
            models.UniqueConstraint(
                fields=["snapshot", "dimension", "value"], name="history_count_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.snapshot_id} {self.dimension} {self.value}: {self.count}"


class RepositoryPoint(models.Model):
    """A repository's figures from ``day`` until its next point: written only on the
    days they differ from the point before (or for its first snapshot)."""

    repository = models.ForeignKey(
        Repository, on_delete=models.CASCADE, related_name="history_points"
    )
    day = models.DateField(_("day"))
    stars = models.PositiveIntegerField(_("stars"))
    forks = models.PositiveIntegerField(_("forks"))
    open_issues = models.PositiveIntegerField(_("open issues"))
    pushed_at = models.DateTimeField(_("last push"), null=True, blank=True)

    class Meta:
        verbose_name = _("repository point")
        verbose_name_plural = _("repository points")
        constraints = [
            # Also the index that finds a repository's latest point before a day.
            models.UniqueConstraint(fields=["repository", "day"], name="history_point_unique")
        ]
        # Taking a day again and pruning select by day alone.
        indexes = [models.Index(fields=["day"], name="history_point_day")]

    def __str__(self) -> str:
        return f"{self.repository_id} {self.day}"
