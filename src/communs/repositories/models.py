"""The index of public source code: one row per repository, whatever its forge."""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from communs.sources.models import Account, Forge


class Repository(models.Model):
    """A repository on a forge.

    Its identity is ``(forge, native_id)``, the forge's own id, because names change:
    a rename keeps the row and appends the old path to ``previous_names``. Rows loaded
    from open data that carries no id have ``native_id`` empty until a harvest fills it,
    and are matched by path meanwhile. A repository that disappears is marked
    ``gone_since``, never deleted.
    """

    forge = models.ForeignKey(
        Forge, verbose_name=_("forge"), on_delete=models.PROTECT, related_name="repositories"
    )
    # NULL rather than "" so that the unique constraint ignores rows without an id.
    native_id = models.CharField(_("forge's id"), max_length=64, null=True, blank=True)  # noqa: DJ001
    account = models.ForeignKey(
        Account,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="repositories",
    )
    # The path on the forge with its groups: "group/sub/name".
    full_path = models.CharField(_("path"), max_length=500)
    name = models.CharField(_("name"), max_length=255)
    url = models.URLField(_("URL"), max_length=600)
    description = models.TextField(_("description"), blank=True)
    default_branch = models.CharField(_("default branch"), max_length=255, blank=True)
    is_fork = models.BooleanField(_("fork"), null=True, blank=True)
    # The web address of the repository a fork was copied from, as
    # communs.forges.records.normal_url writes it; blank when not a fork or not said.
    fork_parent_url = models.URLField(_("forked from"), max_length=600, blank=True)
    is_archived = models.BooleanField(_("archived"), default=False)
    is_template = models.BooleanField(_("template"), default=False)
    homepage = models.URLField(_("homepage"), max_length=600, blank=True)
    created_at = models.DateTimeField(_("created"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), null=True, blank=True)
    pushed_at = models.DateTimeField(_("last push"), null=True, blank=True)
    stars = models.PositiveIntegerField(_("stars"), default=0)
    forks = models.PositiveIntegerField(_("forks"), default=0)
    watchers = models.PositiveIntegerField(_("watchers"), default=0)
    open_issues = models.PositiveIntegerField(_("open issues"), default=0)
    # An SPDX expression ("MIT", "GPL-3.0-or-later"), "NOASSERTION" when the forge
    # says "other", empty when unknown.
    license = models.CharField(_("licence"), max_length=200, blank=True)
    language = models.CharField(_("language"), max_length=100, blank=True)
    # {"Python": 12345, "HTML": 678}: bytes per language, as the forge reports them.
    languages = models.JSONField(_("languages"), default=dict, blank=True)
    topics = models.JSONField(_("topics"), default=list, blank=True)
    first_seen_at = models.DateTimeField(_("first seen"), auto_now_add=True)
    last_harvested_at = models.DateTimeField(_("last harvested"), null=True, blank=True)
    gone_since = models.DateTimeField(_("gone since"), null=True, blank=True)
    previous_names = models.JSONField(_("previous names"), default=list, blank=True)
    # When the content last changed as far as a harvest can tell (first seen by a harvest,
    # or pushed_at / updated_at moved): analysis compares it with when it last looked, so
    # a repository whose dates did not move is not analysed again.
    content_changed_at = models.DateTimeField(_("content changed"), null=True, blank=True)
    # What GitHub's GraphQL adds (``harvest`` with a token): the names at the root of the
    # default branch, directories with a trailing slash ("docs/"); the latest release as
    # {"tag", "name", "published_at", "url"}; and when that was last read.
    root_files = models.JSONField(_("files at the root"), default=list, blank=True)
    latest_release = models.JSONField(_("latest release"), null=True, blank=True)
    enriched_at = models.DateTimeField(_("enriched"), null=True, blank=True)

    class Meta:
        ordering = ["forge__host", "full_path"]
        verbose_name = _("repository")
        verbose_name_plural = _("repositories")
        constraints = [
            models.UniqueConstraint(
                fields=["forge", "native_id"],
                condition=models.Q(native_id__isnull=False),
                name="repository_unique_native_id",
            ),
        ]
        indexes = [
            models.Index("forge", Lower("full_path"), name="repository_path_lower"),
            models.Index(fields=["-pushed_at"], name="repository_pushed"),
            models.Index(fields=["-first_seen_at"], name="repository_first_seen"),
            models.Index(fields=["-stars"], name="repository_stars"),
            models.Index(fields=["forge", "content_changed_at"], name="repository_changed"),
            # A software page lists the forks of its repository: by parent URL, whose
            # path may differ in case; only forks whose parent is known are indexed.
            models.Index(
                Lower("fork_parent_url"),
                condition=~models.Q(fork_parent_url=""),
                name="repository_fork_parent",
            ),
            # Lists and figures leave out repositories gone from their forge; partial
            # indexes keep those filtered counts from reading every row.
            *(
                models.Index(
                    fields=[name], condition=models.Q(gone_since__isnull=True), name=f"live_{name}"
                )
                for name in ("license", "language", "account", "forge")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.forge.host}/{self.full_path}"

    def get_absolute_url(self) -> str:
        return reverse("repository-detail", args=[self.pk])

    @property
    def owner(self) -> str:
        """The owner path: everything before the last slash ("group/sub" for "group/sub/name")."""
        return self.full_path.rsplit("/", 1)[0] if "/" in self.full_path else ""
