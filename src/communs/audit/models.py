"""The audit log: one row per change, saying who did what to which object, and when.

Rows are written only through ``communs.audit.log.record`` and never changed after.
The actor is kept twice: as a link (which may be cut when an account is deleted) and
as a label frozen at the time, so the history still reads right afterwards. The label
is a display name, never an e-mail address: the history is shown on public pages.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_label = models.CharField(_("actor"), max_length=200, blank=True)
    # A verb and an object, e.g. "software.propose", "usage.declare", "referent.lapse".
    action = models.CharField(_("action"), max_length=64, db_index=True)
    target_type = models.ForeignKey(
        ContentType, verbose_name=_("target type"), on_delete=models.CASCADE, related_name="+"
    )
    # Text, so that any kind of primary key fits.
    target_id = models.CharField(_("target id"), max_length=64)
    target = GenericForeignKey("target_type", "target_id")
    target_label = models.CharField(_("target"), max_length=300, blank=True)
    # {"field": {"before": …, "after": …}}, plus free notes such as {"reason": …}.
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id", "-at"], name="audit_target")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.target_label}"
