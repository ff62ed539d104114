"""What a harvest records: its runs (one per forge), and the forge answers kept for ETags."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communs.sources.models import Forge


class HarvestRun(models.Model):
    """One harvest of one forge: when, how it ended, what it found and what it cost.

    Lifecycle: a run is created ``running``; each page of a listing is saved together
    with its owner's advanced cursor (:class:`OwnerProgress`, see
    :mod:`communs.harvest.state`) in one transaction. It ends ``succeeded``, ``failed``
    (the forge, or some of its owners, could not be listed: ``error`` says why) or
    ``interrupted`` (stopped by a signal). A run whose ``finished_at`` is empty may be
    resumed by the next harvest of its forge: an interrupted one, or a ``running`` one
    whose process died (``kill -9``).
    The process running it holds ``claim``; every write checks it still does.
    """

    class Status(models.TextChoices):
        RUNNING = "running", _("running")
        SUCCEEDED = "succeeded", _("succeeded")
        FAILED = "failed", _("failed")
        INTERRUPTED = "interrupted", _("interrupted")

    forge = models.ForeignKey(
        Forge, verbose_name=_("forge"), on_delete=models.CASCADE, related_name="harvest_runs"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.RUNNING
    )
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    # The last page saved: a running run whose heartbeat is old was abandoned.
    heartbeat_at = models.DateTimeField(_("last saved"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    owners = models.PositiveIntegerField(_("owners"), default=0)
    owners_done = models.PositiveIntegerField(_("owners listed"), default=0)
    owners_failed = models.PositiveIntegerField(_("owners failed"), default=0)
    pages = models.PositiveIntegerField(_("pages"), default=0)
    new = models.PositiveIntegerField(_("new"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    renamed = models.PositiveIntegerField(_("renamed or moved"), default=0)
    gone = models.PositiveIntegerField(_("gone"), default=0)
    content_changed = models.PositiveIntegerField(_("to analyse"), default=0)
    enriched = models.PositiveIntegerField(_("enriched"), default=0)

    requests = models.PositiveIntegerField(_("requests"), default=0)
    not_modified = models.PositiveIntegerField(_("304 answers"), default=0)
    retries = models.PositiveIntegerField(_("retries"), default=0)
    errors = models.PositiveIntegerField(_("request errors"), default=0)

    # The owners asked for (``--owner``), lowercased; null when every owner is harvested.
    # A run is resumed only by a harvest asking the same.
    only = models.JSONField(_("owners asked for"), null=True, blank=True)
    claim = models.CharField(_("claim"), max_length=32, blank=True)
    hostname = models.CharField(_("host name"), max_length=255, blank=True)
    pid = models.PositiveIntegerField(_("process id"), null=True, blank=True)
    resumptions = models.PositiveIntegerField(_("resumptions"), default=0)

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("harvest run")
        verbose_name_plural = _("harvest runs")
        indexes = [models.Index(fields=["forge", "-started_at"], name="harvestrun_forge_started")]

    def __str__(self) -> str:
        return f"{self.forge.host} {self.started_at:%Y-%m-%d %H:%M} {self.status}"

    @property
    def repositories(self) -> int:
        """Repositories listed by this run (a repository listed twice counts twice)."""
        return self.new + self.updated + self.unchanged

    @property
    def resumable(self) -> bool:
        return self.finished_at is None and self.status in (
            self.Status.RUNNING,
            self.Status.INTERRUPTED,
        )

    def counts(self) -> dict[str, int]:
        """The run's figures, for pages and logs."""
        return {name: getattr(self, name) for name in COUNT_FIELDS}


COUNT_FIELDS: tuple[str, ...] = (
    "owners",
    "owners_done",
    "owners_failed",
    "pages",
    "new",
    "updated",
    "unchanged",
    "renamed",
    "gone",
    "content_changed",
    "enriched",
    "requests",
    "not_modified",
    "retries",
    "errors",
)


class OwnerProgress(models.Model):
    """Where one owner of a run stands: its step, and its next page while it is listed.

    Written in the same transaction as the page it follows (``store.commit_page``). The
    owner ``""`` is the whole instance of the forge.
    """

    class Step(models.TextChoices):
        LISTING = "listing", _("listing")
        CHECKING = "checking", _("checking missing repositories")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    run = models.ForeignKey(
        HarvestRun, verbose_name=_("run"), on_delete=models.CASCADE, related_name="progress"
    )
    owner = models.CharField(_("owner"), max_length=255, blank=True)
    step = models.CharField(_("step"), max_length=20, choices=Step.choices)
    cursor = models.TextField(_("next page"), blank=True)
    reason = models.TextField(_("why it failed"), blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["run", "owner"]
        verbose_name = _("owner progress")
        verbose_name_plural = _("owner progress")
        constraints = [
            models.UniqueConstraint(fields=["run", "owner"], name="ownerprogress_unique_owner")
        ]

    def __str__(self) -> str:
        return f"{self.owner or '*'}: {self.step}"


class ListingEntry(models.Model):
    """The URL that answered an owner's first page (a user's listing rather than an
    organisation's), so that the next harvest asks it directly, and conditionally.

    For owners listed by GitHub GraphQL (with a token), ``fingerprint`` sums up the owner
    as a probe sees it (its count and newest repositories) after its last complete
    listing: the next harvest probes many owners per request and lists again only those
    whose fingerprint moved (or is older than a week).
    """

    forge = models.ForeignKey(
        Forge, verbose_name=_("forge"), on_delete=models.CASCADE, related_name="listing_entries"
    )
    owner = models.CharField(_("owner"), max_length=255)
    url = models.TextField(_("first page"), blank=True)
    fingerprint = models.TextField(_("fingerprint"), blank=True)
    fingerprinted_at = models.DateTimeField(_("fingerprinted"), null=True, blank=True)

    class Meta:
        verbose_name = _("listing entry")
        verbose_name_plural = _("listing entries")
        constraints = [
            models.UniqueConstraint(fields=["forge", "owner"], name="listingentry_unique_owner")
        ]

    def __str__(self) -> str:
        return self.url


class StoredResponse(models.Model):
    """A forge's last answer to one URL with its ETag, so the next request can be
    conditional and a ``304 Not Modified`` reuses this body.

    Keyed by the SHA-256 of the URL (URLs are too long for a unique index); the body is
    the client's opaque bytes, zlib-compressed.
    """

    key = models.CharField(_("URL hash"), max_length=64, unique=True)
    url = models.TextField(_("URL"))
    etag = models.CharField(_("ETag"), max_length=500)
    body = models.BinaryField(_("body (compressed)"))
    size = models.PositiveIntegerField(_("size"), default=0)
    stored_at = models.DateTimeField(_("stored"), auto_now=True)

    class Meta:
        verbose_name = _("stored response")
        verbose_name_plural = _("stored responses")

    def __str__(self) -> str:
        return self.url


class PendingIndex(models.Model):
    """A repository a harvest stored, changed or marked gone, whose search entry is not
    redone yet. Written in the transaction of the change, so that a harvest killed before
    it indexed leaves the work to the next one; the harvest command drains it."""

    repository_id = models.BigIntegerField(_("repository"), primary_key=True)

    class Meta:
        verbose_name = _("repository to index")
        verbose_name_plural = _("repositories to index")

    def __str__(self) -> str:
        return str(self.repository_id)
