"""What the analysis stores: one analysis per repository, and its dependencies in a table.

The pure core (``communs.analysis``, ``communs.scoring``) computes; these rows keep the
latest verdict so that pages, the API and the search read it without reading code again.
A repository that could not be analysed keeps a row too, with the reason, so that a
page can say why and the next run does not retry it until its content moves.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from communs.repositories.models import Repository


class RepositoryAnalysis(models.Model):
    """The latest analysis of a repository's default branch, with its scores.

    ``pushed_at`` and ``content_changed_at`` are the repository's dates when the analysis
    was made: the pipeline analyses again only when one of them moved since.
    """

    class Status(models.TextChoices):
        ANALYSED = "analysed", _("analysed")
        # Not read on purpose (too large, empty, not supported by the forge): the reason says.
        SKIPPED = "skipped", _("skipped")
        # Something went wrong (the forge failed, a damaged archive): may work next time.
        FAILED = "failed", _("failed")

    repository = models.OneToOneField(
        Repository,
        verbose_name=_("repository"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="analysis",
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    # Why it was skipped or failed, or why an analysis is partial (in English, as the
    # pure core writes it; pages translate the usual ones).
    reason = models.TextField(_("reason"), blank=True)
    # ``Analysis.to_dict()``; None when nothing was read.
    analysis = models.JSONField(_("analysis"), null=True, blank=True)
    license_expression = models.CharField(_("detected licence"), max_length=200, blank=True)
    license_confidence = models.FloatField(_("licence confidence"), null=True, blank=True)
    license_mismatch = models.BooleanField(_("licence mismatch"), null=True, blank=True)
    # {"codegouv": Score.to_dict(), "vitality": …, "readiness": …}
    scores = models.JSONField(_("scores"), default=dict, blank=True)
    codegouv_score = models.IntegerField(_("code.gouv.fr score"), null=True, blank=True)
    vitality = models.IntegerField(_("vitality index"), null=True, blank=True)
    readiness = models.IntegerField(_("publication readiness"), null=True, blank=True)
    has_publiccode = models.BooleanField(_("has publiccode.yml"), null=True, blank=True)
    has_contributing = models.BooleanField(_("has CONTRIBUTING"), null=True, blank=True)
    publiccode_valid = models.BooleanField(_("valid publiccode.yml"), null=True, blank=True)
    # {"file", "valid", "results": [{"key", "message", "line", "column", ...}]}
    publiccode = models.JSONField(_("publiccode.yml validation"), null=True, blank=True)
    pushed_at = models.DateTimeField(_("last push analysed"), null=True, blank=True)
    content_changed_at = models.DateTimeField(_("content change analysed"), null=True, blank=True)
    archive_bytes = models.BigIntegerField(_("archive size"), null=True, blank=True)
    analysed_at = models.DateTimeField(_("analysed"))
    duration_ms = models.FloatField(_("duration (ms)"), default=0)

    class Meta:
        verbose_name = _("repository analysis")
        verbose_name_plural = _("repository analyses")
        indexes = [
            models.Index(fields=["-codegouv_score"], name="analysis_codegouv"),
            models.Index(fields=["status", "analysed_at"], name="analysis_status"),
        ]

    def __str__(self) -> str:
        return f"analysis of repository {self.repository_id} ({self.status})"

    def to_dict(self) -> dict[str, Any]:
        """The stored analysis as JSON for the API (the pages read the same)."""
        return {
            "repository": self.repository_id,
            "status": self.status,
            "reason": self.reason or None,
            "analysed_at": self.analysed_at.isoformat() if self.analysed_at else None,
            "duration_ms": round(self.duration_ms, 2),
            "archive_bytes": self.archive_bytes,
            "pushed_at": self.pushed_at.isoformat() if self.pushed_at else None,
            "content_changed_at": (
                self.content_changed_at.isoformat() if self.content_changed_at else None
            ),
            "license": {
                "declared": self.repository.license or None,
                "detected": self.license_expression or None,
                "confidence": self.license_confidence,
                "mismatch": self.license_mismatch,
            },
            "scores": self.scores,
            "publiccode": self.publiccode,
            "analysis": self.analysis,
        }


class DeclaredDependency(models.Model):
    """One dependency a repository's manifests declare, split from its package URL so
    that "who depends on X" and "most used packages" are indexed queries.

    Rows of a repository are replaced whenever it is analysed again.
    """

    repository = models.ForeignKey(
        Repository,
        verbose_name=_("repository"),
        on_delete=models.CASCADE,
        related_name="declared_dependencies",
    )
    # The package URL's type ("npm", "pypi", "maven"…), namespace ("@angular",
    # "org.springframework"; "" when none) and name, as the purl spells them.
    purl_type = models.CharField(_("package type"), max_length=32)
    namespace = models.CharField(_("namespace"), max_length=255, blank=True)
    name = models.CharField(_("package"), max_length=255)
    constraint = models.CharField(_("version constraint"), max_length=255, blank=True)
    scope = models.CharField(_("scope"), max_length=16, blank=True)
    manifest = models.CharField(_("manifest"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("declared dependency")
        verbose_name_plural = _("declared dependencies")
        indexes = [
            models.Index(
                fields=["purl_type", "namespace", "name", "repository"], name="dependency_package"
            ),
            models.Index(fields=["repository"], name="dependency_repository"),
        ]

    def __str__(self) -> str:
        return self.purl

    @property
    def purl(self) -> str:
        return package_purl(self.purl_type, self.namespace, self.name)


def package_purl(purl_type: str, namespace: str, name: str) -> str:
    """The version-less package URL of a package (``pkg:npm/%40angular/core``)."""
    from packageurl import PackageURL

    return PackageURL(type=purl_type, namespace=namespace or None, name=name).to_string()
