"""The software catalogue (France's SILL): entries, who uses them, who helps, where they run.

A ``Software`` is an entry of the catalogue. Agents declare that they use it (``Usage``)
or offer to answer colleagues' questions about it (``Referent``); ``Instance`` rows are
services deployed from it; ``Provider`` rows are companies offering support. Categories
and custom attributes are defined by moderators and administrators.

No model here ever exposes a person's e-mail address: public views count users and
referents per organisation (see ``communs.catalogue.queries``).
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from communs.search.licences import is_free_licence

WIKIDATA_ID = re.compile(r"Q[1-9][0-9]{0,11}")


def validate_wikidata_id(value: str) -> None:
    if value and not WIKIDATA_ID.fullmatch(value):
        raise ValidationError(
            _("A Wikidata identifier looks like Q42."), code="invalid_wikidata_id"
        )


def validate_environments(value: object) -> None:
    if not isinstance(value, list) or any(v not in Environment.values for v in value):
        raise ValidationError(
            _("Environments must be a list of: %(codes)s."),
            params={"codes": ", ".join(Environment.values)},
            code="invalid_environments",
        )


MAX_PACKAGES = 20


def parse_package(value: str) -> tuple[str, str, str]:
    """``(type, namespace, name)`` of a package URL, as ``DeclaredDependency`` stores
    them; ``ValueError`` when ``value`` is not one. A version, qualifiers or subpath
    are dropped: a software is its package, whatever the version depended on."""
    from packageurl import PackageURL

    purl = PackageURL.from_string(value.strip())
    return purl.type, purl.namespace or "", purl.name


def validate_packages(value: object) -> None:
    if not isinstance(value, list) or len(value) > MAX_PACKAGES:
        raise ValidationError(
            _("Give at most %(count)d package URLs."),
            params={"count": MAX_PACKAGES},
            code="invalid_packages",
        )
    for item in value:
        try:
            parse_package(item if isinstance(item, str) else "")
        except ValueError:
            raise ValidationError(
                _("%(value)s is not a package URL (pkg:npm/left-pad, pkg:pypi/django)."),
                params={"value": str(item)[:100]},
                code="invalid_package",
            ) from None


class Environment(models.TextChoices):
    LINUX = "linux", "Linux"
    WINDOWS = "windows", "Windows"
    MACOS = "macos", "macOS"
    BROWSER = "browser", _("web browser")
    ANDROID = "android", "Android"
    IOS = "ios", "iOS"
    SERVER = "server", _("server")


class SoftwareType(models.TextChoices):
    DESKTOP = "desktop", _("desktop or mobile")
    CLOUD = "cloud", _("cloud service")
    STACK = "stack", _("technical stack")


class Status(models.TextChoices):
    OBSERVATION = "observation", _("in observation")
    RECOMMENDED = "recommended", _("recommended")
    DEREFERENCED = "dereferenced", _("dereferenced")


class Moderation(models.TextChoices):
    # Proposed by an agent, visible only to its author and moderators until approved.
    PROPOSED = "proposed", _("proposed")
    PUBLISHED = "published", _("published")


class Category(models.Model):
    """A node of the taxonomy moderators edit (a sector, or a category inside one)."""

    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    name_fr = models.CharField(_("name in French"), max_length=200)
    name_en = models.CharField(_("name in English"), max_length=200, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent category"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
    )

    class Meta:
        ordering = ["name_fr"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name_fr

    def get_absolute_url(self) -> str:
        return reverse("catalogue:list") + f"?category={self.slug}"

    def name(self, language: str | None = None) -> str:
        """The name in ``language`` (the active one by default), French when missing."""
        lang = (language or get_language() or "fr")[:2]
        return (self.name_en if lang == "en" else "") or self.name_fr

    def clean(self) -> None:
        # A category may not be its own ancestor: walk up, bounded by the table size.
        seen = {self.pk}
        node = self.parent
        while node is not None:
            if node.pk in seen:
                raise ValidationError({"parent": _("A category cannot be its own ancestor.")})
            seen.add(node.pk)
            node = node.parent


class SoftwareQuerySet(models.QuerySet):
    def published(self) -> SoftwareQuerySet:
        return self.filter(moderation=Moderation.PUBLISHED)


class Software(models.Model):
    """An entry of the catalogue."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    # A one-line summary of what it does (the SILL's "fonction").
    function = models.CharField(_("function"), max_length=300, blank=True)
    description_fr = models.TextField(_("description in French (Markdown)"), blank=True)
    description_en = models.TextField(_("description in English (Markdown)"), blank=True)
    licence = models.CharField(_("licence (SPDX expression)"), max_length=300, blank=True)
    # Follows from the licence at every save (OSI approved or FSF free), kept for filters.
    is_free = models.BooleanField(_("free licence"), default=False, editable=False)
    website = models.URLField(_("website"), max_length=600, blank=True)
    repository_url = models.URLField(_("source repository URL"), max_length=600, blank=True)
    repository = models.ForeignKey(
        "repositories.Repository",
        verbose_name=_("harvested repository"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="catalogue_entries",
    )
    logo_url = models.URLField(_("logo URL"), max_length=600, blank=True)
    # An uploaded logo, re-encoded as PNG: the file's name under MEDIA_ROOT/logos/
    # ("<sha256>.png", communs.catalogue.logos), served at /catalogue/logos/<name>.
    logo = models.CharField(_("logo"), max_length=80, blank=True)
    # The packages this software is published as, as version-less package URLs
    # ("pkg:npm/%40angular/core"): repositories declaring one of them depend on it.
    packages = models.JSONField(
        _("packages"), default=list, blank=True, validators=[validate_packages]
    )
    categories = models.ManyToManyField(
        Category, verbose_name=_("categories"), blank=True, related_name="software"
    )
    # Codes of Environment, as a JSON list: ["linux", "windows"].
    environments = models.JSONField(
        _("environments"), default=list, blank=True, validators=[validate_environments]
    )
    software_type = models.CharField(
        _("type"), max_length=20, choices=SoftwareType.choices, blank=True
    )
    version_recommended = models.CharField(_("recommended version"), max_length=100, blank=True)
    version_minimal = models.CharField(_("minimal version"), max_length=100, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OBSERVATION
    )
    dereferenced_reason = models.TextField(_("reason for dereferencing"), blank=True)
    dereferenced_on = models.DateField(_("dereferenced on"), null=True, blank=True)
    last_recommended_version = models.CharField(
        _("last recommended version"), max_length=100, blank=True
    )
    wikidata_id = models.CharField(
        _("Wikidata identifier"),
        max_length=16,
        blank=True,
        validators=[validate_wikidata_id],
        db_index=True,
    )
    comptoir_id = models.PositiveIntegerField(
        _("Comptoir du Libre identifier"), null=True, blank=True
    )
    # The id in the 2022 SILL files: the key that makes the import idempotent.
    sill_id = models.PositiveIntegerField(_("SILL identifier"), null=True, blank=True, unique=True)
    similar = models.ManyToManyField(
        "self",
        verbose_name=_("similar software"),
        through="SimilarSoftware",
        symmetrical=True,
        blank=True,
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent software"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="plugins",
        help_text=_("For a plugin or extension: the software it extends."),
    )
    moderation = models.CharField(
        _("moderation"), max_length=20, choices=Moderation.choices, default=Moderation.PROPOSED
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="proposed_software",
    )
    added_at = models.DateTimeField(_("added"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now, db_index=True)

    objects = SoftwareQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("software")
        verbose_name_plural = _("software")
        constraints = [
            models.CheckConstraint(
                condition=~Q(parent=F("pk")), name="software_not_its_own_parent"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: object, **kwargs: object) -> None:
        self.is_free = is_free_licence(self.licence)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "licence" in update_fields:
            kwargs["update_fields"] = {*update_fields, "is_free"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("catalogue:software", args=[self.slug])

    def clean(self) -> None:
        if self.parent_id is not None and self.parent_id == self.pk:
            raise ValidationError({"parent": _("Software cannot be its own parent.")})

    @property
    def is_published(self) -> bool:
        return self.moderation == Moderation.PUBLISHED

    def description(self, language: str | None = None) -> str:
        """The Markdown description in ``language`` (the active one), else the other one."""
        lang = (language or get_language() or "fr")[:2]
        if lang == "en":
            return self.description_en or self.description_fr
        return self.description_fr or self.description_en


class SimilarSoftware(models.Model):
    """One pair of similar software; the relation is symmetrical, and never reflexive."""

    from_software = models.ForeignKey(Software, on_delete=models.CASCADE, related_name="+")
    to_software = models.ForeignKey(Software, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["from_software", "to_software"], name="similar_software_unique"
            ),
            models.CheckConstraint(
                condition=~Q(from_software=F("to_software")), name="similar_software_not_itself"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_software_id} ~ {self.to_software_id}"

    def clean(self) -> None:
        if self.from_software_id == self.to_software_id:
            raise ValidationError(_("Software cannot be similar to itself."))


class AttributeDefinition(models.Model):
    """A custom attribute administrators define ("in a support contract", "RGAA")."""

    class Kind(models.TextChoices):
        BOOLEAN = "boolean", _("yes or no")
        TEXT = "text", _("text")

    key = models.SlugField(_("key"), max_length=80, unique=True)
    label_fr = models.CharField(_("label in French"), max_length=200)
    label_en = models.CharField(_("label in English"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.BOOLEAN)

    class Meta:
        ordering = ["key"]
        verbose_name = _("custom attribute")
        verbose_name_plural = _("custom attributes")

    def __str__(self) -> str:
        return self.label_fr

    def label(self, language: str | None = None) -> str:
        lang = (language or get_language() or "fr")[:2]
        return (self.label_en if lang == "en" else "") or self.label_fr


class AttributeValue(models.Model):
    """The value of one custom attribute for one software.

    Booleans are stored as ``"true"`` or ``"false"``; :attr:`typed_value` reads them back.
    """

    software = models.ForeignKey(
        Software, on_delete=models.CASCADE, related_name="attribute_values"
    )
    definition = models.ForeignKey(
        AttributeDefinition, on_delete=models.CASCADE, related_name="values"
    )
    value = models.TextField(_("value"), blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["software", "definition"], name="attribute_value_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.definition.key}={self.value}"

    @property
    def typed_value(self) -> bool | str:
        if self.definition.kind == AttributeDefinition.Kind.BOOLEAN:
            return self.value == "true"
        return self.value


class Usage(models.Model):
    """An agent (or, from an import, an organisation) declares using a software."""

    software = models.ForeignKey(Software, on_delete=models.CASCADE, related_name="usages")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="software_usages",
    )
    organisation = models.ForeignKey(
        "sources.Organisation",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="software_usages",
    )
    # The organisation's name as an import wrote it, when no Organisation row matches.
    organisation_name = models.CharField(_("organisation name"), max_length=300, blank=True)
    use_case = models.TextField(_("use case"), blank=True)
    version = models.CharField(_("version"), max_length=100, blank=True)
    os = models.CharField(_("operating system"), max_length=100, blank=True)
    service_url = models.URLField(_("service URL"), max_length=600, blank=True)
    created_at = models.DateTimeField(_("declared"), default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("use")
        verbose_name_plural = _("uses")
        constraints = [
            models.UniqueConstraint(
                fields=["software", "agent"],
                condition=Q(agent__isnull=False),
                name="usage_one_per_agent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.software} ({self.organisation_label})"

    @property
    def organisation_label(self) -> str:
        return self.organisation.name if self.organisation_id else self.organisation_name


class Referent(models.Model):
    """An agent who answers colleagues' questions about a software.

    Every year a referent is asked to confirm (``confirmed_at``); one who does not is
    flagged ``lapsed`` rather than removed, so the history stays.
    """

    software = models.ForeignKey(Software, on_delete=models.CASCADE, related_name="referents")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        on_delete=models.CASCADE,
        related_name="software_referents",
    )
    # The agent's organisation when they became referent, for the counts per organisation.
    organisation = models.ForeignKey(
        "sources.Organisation",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="software_referents",
    )
    is_expert = models.BooleanField(_("expert"), default=False)
    use_case = models.TextField(_("use case"), blank=True)
    confirmed_at = models.DateTimeField(_("last confirmed"), null=True, blank=True)
    lapsed = models.BooleanField(_("lapsed"), default=False)
    created_at = models.DateTimeField(_("became referent"), default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("referent")
        verbose_name_plural = _("referents")
        constraints = [
            models.UniqueConstraint(fields=["software", "agent"], name="referent_one_per_agent"),
        ]

    def __str__(self) -> str:
        return f"{self.software} ({self.pk})"


class Instance(models.Model):
    """A service deployed from a software by an organisation."""

    # Null when the service runs software that is not in the catalogue (the 2022 SILL
    # lists 41 such services); ``software_name`` then says what it runs.
    software = models.ForeignKey(
        Software, null=True, blank=True, on_delete=models.CASCADE, related_name="instances"
    )
    software_name = models.CharField(_("software name"), max_length=300, blank=True)
    organisation = models.ForeignKey(
        "sources.Organisation",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="software_instances",
    )
    organisation_name = models.CharField(_("organisation name"), max_length=300, blank=True)
    name = models.CharField(_("name"), max_length=300)
    url = models.URLField(_("URL"), max_length=600, blank=True)
    description = models.TextField(_("description"), blank=True)
    # Who may use it ("public agents", "everybody"…), as the organisation writes it.
    audience = models.TextField(_("audience"), blank=True)
    public = models.BooleanField(_("open to the public"), default=True)
    # The id in the 2022 SILL services file: the key that makes the import idempotent.
    sill_service_id = models.PositiveIntegerField(
        _("SILL service identifier"), null=True, blank=True, unique=True
    )
    created_at = models.DateTimeField(_("added"), default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("instance")
        verbose_name_plural = _("instances")

    def __str__(self) -> str:
        return self.name

    @property
    def organisation_label(self) -> str:
        return self.organisation.name if self.organisation_id else self.organisation_name

    @property
    def software_label(self) -> str:
        return self.software.name if self.software_id else self.software_name


class Provider(models.Model):
    """A company that offers services (support, hosting, development) for software."""

    name = models.CharField(_("name"), max_length=300)
    website = models.URLField(_("website"), max_length=600, blank=True)
    software = models.ManyToManyField(
        Software, verbose_name=_("software"), blank=True, related_name="providers"
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("provider")
        verbose_name_plural = _("providers")

    def __str__(self) -> str:
        return self.name


class CategoryFollow(models.Model):
    """A person follows a category: they receive e-mail digests of its news.

    ``last_sent_at`` is where the next digest starts: entries added or updated after it
    are news. It starts at the follow (following is not a request for the back
    catalogue) and moves, with the message sent, to the moment the digest was computed,
    so that no change is announced twice, even after an interrupted run.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="category_follows",
    )
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.CASCADE, related_name="follows"
    )
    created_at = models.DateTimeField(_("followed since"), default=timezone.now)
    last_sent_at = models.DateTimeField(_("news announced up to"), default=timezone.now)
    # The language the person used the site in when they followed: the digest's language.
    language = models.CharField(_("language"), max_length=8, blank=True)

    class Meta:
        ordering = ["user", "category"]
        verbose_name = _("followed category")
        verbose_name_plural = _("followed categories")
        constraints = [
            models.UniqueConstraint(fields=["user", "category"], name="category_follow_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.category}"
