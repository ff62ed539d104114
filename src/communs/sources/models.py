"""What Communs harvests and for whom: forges, organisations and their accounts.

These rows come from a sources file (``communs sources import``) or an open-data import,
and everything else (repositories, scores, the catalogue) hangs from them.
"""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class ForgeKind(models.TextChoices):
    GITHUB = "github", "GitHub"
    GITLAB = "gitlab", "GitLab"
    GITEA = "gitea", "Gitea"
    FORGEJO = "forgejo", "Forgejo"
    GOGS = "gogs", "Gogs"
    BITBUCKET = "bitbucket", "Bitbucket"
    SOURCEHUT = "sourcehut", "SourceHut"


class ForgeScope(models.TextChoices):
    # A whole forge is dedicated to public code: every repository on it is listed.
    INSTANCE = "instance", _("whole forge")
    # A shared forge (github.com, gitlab.com…): only the listed owners are harvested.
    OWNERS = "owners", _("listed owners only")


class Organisation(models.Model):
    """A public body, from a ministry down to a lab.

    It is tied to the national directory of public services by ``pso_id``.
    """

    class Level(models.TextChoices):
        MINISTRY = "ministry", _("ministry")
        ORGANISATION = "organisation", _("organisation")

    class NameOrigin(models.TextChoices):
        # From weakest to strongest: an import replaces a name only by a stronger one,
        # and never replaces a name given by hand (empty origin).
        ACCOUNT = "account", _("named after its first account")
        SOURCES = "sources", _("named by a sources file")
        MINISTRIES = "ministries", _("named by the list of ministries")
        MANUAL = "", _("named by hand")

    # A stable, URL-safe key: the pso_id when there is one, else derived from the name.
    key = models.SlugField(max_length=200, unique=True)
    name = models.CharField(_("name"), max_length=300)
    name_origin = models.CharField(
        _("name given by"),
        max_length=20,
        choices=NameOrigin.choices,
        default=NameOrigin.MANUAL,
        blank=True,
    )
    pso_id = models.CharField(
        _("directory identifier"),
        max_length=64,
        unique=True,
        null=True,
        blank=True,
        help_text=_("Identifier in the national directory of public services (annuaire)."),
    )
    # Other identifiers (SIREN, SIRET, Wikidata…), as {"siren": "…"}.
    identifiers = models.JSONField(_("other identifiers"), default=dict, blank=True)
    level = models.CharField(
        _("level"), max_length=20, choices=Level.choices, default=Level.ORGANISATION
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
    )
    description = models.TextField(_("description"), blank=True)
    floss_policy_url = models.URLField(_("open-source policy"), max_length=500, blank=True)
    ospo_url = models.URLField(_("open-source programme office"), max_length=500, blank=True)
    website = models.URLField(_("website"), max_length=500, blank=True)
    avatar_url = models.URLField(_("avatar"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        indexes = [models.Index(Lower("name"), name="organisation_name_lower")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("organisation-detail", args=[self.key])

    def ancestors(self) -> list[Organisation]:
        """From the top (the ministry) down to the direct parent; cycles are cut."""
        chain: list[Organisation] = []
        seen = {self.pk}
        node = self.parent
        while node is not None and node.pk not in seen:
            chain.append(node)
            seen.add(node.pk)
            node = node.parent
        return list(reversed(chain))

    @property
    def ministry(self) -> Organisation | None:
        if self.level == self.Level.MINISTRY:
            return self
        for node in self.ancestors():
            if node.level == self.Level.MINISTRY:
                return node
        return None


class Forge(models.Model):
    """A code hosting platform.

    Its host key names it: ``gitlab.com``, or ``127.0.0.1:8123/gitlab`` for a forge
    served under a path prefix.
    """

    host = models.CharField(_("host key"), max_length=255, unique=True)
    kind = models.CharField(_("software"), max_length=20, choices=ForgeKind.choices)
    url = models.URLField(_("web URL"), max_length=500)
    api_url = models.URLField(_("API URL"), max_length=500)
    scope = models.CharField(
        _("scope"), max_length=20, choices=ForgeScope.choices, default=ForgeScope.OWNERS
    )
    # The organisation that runs a whole forge dedicated to public code.
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="forges",
    )
    ignored_since = models.DateField(_("ignored since"), null=True, blank=True)
    # Why it is ignored: given in the sources file, or "left the sources file".
    ignored_reason = models.CharField(_("why ignored"), max_length=200, blank=True)
    # The sources file that last listed it; empty for a forge added otherwise. Only forges
    # listed by a sources file are ignored when they leave it.
    source_file = models.CharField(_("sources file"), max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["host"]
        verbose_name = _("forge")
        verbose_name_plural = _("forges")

    def __str__(self) -> str:
        return self.host


class Account(models.Model):
    """An owner, group or sub-group on a forge (``etalab``, ``group/sub``).

    Its repositories are harvested for its organisation.
    """

    forge = models.ForeignKey(
        Forge, verbose_name=_("forge"), on_delete=models.CASCADE, related_name="accounts"
    )
    path = models.CharField(_("path"), max_length=255)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="accounts",
    )
    display_name = models.CharField(_("display name"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    website = models.URLField(_("website"), max_length=500, blank=True)
    avatar_url = models.URLField(_("avatar"), max_length=500, blank=True)
    ignored_since = models.DateField(_("ignored since"), null=True, blank=True)
    # Why it is ignored: given in the sources file, or "left the sources file".
    ignored_reason = models.CharField(_("why ignored"), max_length=200, blank=True)
    # As for forges: the sources file that last listed it, empty when added otherwise.
    source_file = models.CharField(_("sources file"), max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["forge__host", "path"]
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        constraints = [
            # Forges treat owner names case-insensitively: Etalab and etalab are one account.
            models.UniqueConstraint("forge", Lower("path"), name="account_unique_path"),
        ]

    def __str__(self) -> str:
        return f"{self.forge.host}/{self.path}"

    @property
    def url(self) -> str:
        return f"{self.forge.url.rstrip('/')}/{self.path}"
