"""The catalogue as public data: ``catalogue.json`` in the shape of the SILL's public
``sill.json``, and flat rows (software, instances) for the open-data CSV and JSON files.

People never appear: the SILL's public export replaced users' and referents' addresses
by counts per organisation (``userAndReferentCountByOrganization``), and so does this
one. Texts written by people go through the same e-mail redaction as the pages.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Count
from django.urls import reverse

from communs.catalogue.models import (
    AttributeValue,
    Environment,
    Instance,
    Moderation,
    Provider,
    Referent,
    SimilarSoftware,
    Software,
    Usage,
)
from communs.opendata.schemas import TableField
from communs.web.present import redact_emails

HIDDEN = "[e-mail address hidden]"

# Our environments → the operating systems of the SILL's "desktop/mobile" software type.
SILL_OS = {
    "linux": "linux",
    "windows": "windows",
    "macos": "mac",
    "android": "android",
    "ios": "ios",
}
SILL_TYPES = {"desktop": "desktop/mobile", "cloud": "cloud", "stack": "stack"}


def _text(value: str) -> str:
    return redact_emails(value or "", HIDDEN)


def redacted(value: Any) -> Any:
    """``value`` with every e-mail address in every text (keys too) hidden: the last word
    on personal data, whatever field an agent or an import wrote one in."""
    if isinstance(value, str):
        return _text(value) if "@" in value else value
    if isinstance(value, dict):
        return {redacted(key): redacted(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [redacted(item) for item in value]
    return value


def _millis(moment: datetime | None) -> int | None:
    return int(moment.timestamp() * 1000) if moment else None


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def counts_by_organisation(software_ids: list[int] | None = None) -> dict[int, dict[str, dict]]:
    """software id → organisation name → ``{"userCount", "referentCount"}`` (no one named).

    Users and referents without an organisation are counted under ``""``.
    """
    result: dict[int, dict[str, dict[str, int]]] = defaultdict(dict)
    usages = Usage.objects.all()
    referents = Referent.objects.filter(lapsed=False)
    if software_ids is not None:
        usages = usages.filter(software_id__in=software_ids)
        referents = referents.filter(software_id__in=software_ids)
    for row in usages.values("software_id", "organisation__name", "organisation_name").annotate(
        n=Count("pk")
    ):
        name = row["organisation__name"] or row["organisation_name"] or ""
        entry = result[row["software_id"]].setdefault(name, {"userCount": 0, "referentCount": 0})
        entry["userCount"] += row["n"]
    for row in referents.values("software_id", "organisation__name").annotate(n=Count("pk")):
        name = row["organisation__name"] or ""
        entry = result[row["software_id"]].setdefault(name, {"userCount": 0, "referentCount": 0})
        entry["referentCount"] += row["n"]
    return result


@dataclass
class Related:
    """What an export row shows of an entry's relations, read for all entries at once.

    A handful of flat queries over the whole catalogue, rather than Django's prefetching,
    which builds a queryset per entry and relation (most of an export's time).
    """

    categories: list[tuple[str, str]] = field(default_factory=list)  # (slug, French name)
    similar: list[tuple[str, str]] = field(default_factory=list)  # (slug, name)
    providers: list[tuple[str, str]] = field(default_factory=list)  # (name, website)
    attributes: dict[str, bool | str] = field(default_factory=dict)
    instances: list[Instance] = field(default_factory=list)
    has_expert: bool = False


def published_with_relations() -> list[tuple[Software, Related]]:
    """Every published entry, by name, with its relations."""
    rows = list(Software.objects.published().select_related("parent").order_by("name", "pk"))
    related = {software.pk: Related() for software in rows}
    ids = list(related)
    links = Software.categories.through.objects.filter(software_id__in=ids)
    for software_id, slug, name in links.order_by("category__name_fr").values_list(
        "software_id", "category__slug", "category__name_fr"
    ):
        related[software_id].categories.append((slug, name))
    pairs = SimilarSoftware.objects.filter(
        from_software_id__in=ids, to_software__moderation=Moderation.PUBLISHED
    )
    for software_id, slug, name in pairs.order_by("to_software__name").values_list(
        "from_software_id", "to_software__slug", "to_software__name"
    ):
        related[software_id].similar.append((slug, name))
    offers = Provider.software.through.objects.filter(software_id__in=ids)
    for software_id, name, website in offers.order_by("provider__name").values_list(
        "software_id", "provider__name", "provider__website"
    ):
        related[software_id].providers.append((name, website))
    for value in AttributeValue.objects.filter(software_id__in=ids).select_related("definition"):
        related[value.software_id].attributes[value.definition.key] = value.typed_value
    for instance in Instance.objects.filter(software_id__in=ids).select_related("organisation"):
        related[instance.software_id].instances.append(instance)
    experts = Referent.objects.filter(software_id__in=ids, lapsed=False, is_expert=True)
    for software_id in experts.values_list("software_id", flat=True).distinct():
        related[software_id].has_expert = True
    return [(software, related[software.pk]) for software in rows]


def software_to_sill(
    software: Software, related: Related, counts: dict[str, dict[str, int]], site: str = ""
) -> dict[str, Any]:
    """One entry in the shape of the public ``sill.json`` (Catalogi's compiled data)."""
    attributes = related.attributes
    software_type: dict[str, Any] = {"type": SILL_TYPES.get(software.software_type, "")}
    if software.software_type == "desktop":
        software_type["os"] = {
            sill: code in software.environments for code, sill in SILL_OS.items()
        }
    dereferencing = None
    if software.status == "dereferenced":
        dereferencing = {
            "reason": _text(software.dereferenced_reason) or None,
            "time": _millis(
                datetime.combine(software.dereferenced_on, datetime.min.time())
                if software.dereferenced_on
                else None
            ),
            "lastRecommendedVersion": software.last_recommended_version or None,
        }
    return {
        "softwareId": software.pk,
        "softwareName": software.name,
        "slug": software.slug,
        "url": site + software.get_absolute_url(),
        "softwareDescription": _text(software.function or software.description_fr),
        "generalInfoMd": _text(software.description_fr),
        "generalInfoMdEn": _text(software.description_en),
        # An uploaded logo (our own PNG) before the address a source gave.
        "logoUrl": (
            site + reverse("catalogue:logo-file", args=[software.logo])
            if software.logo
            else software.logo_url or None
        ),
        "websiteUrl": software.website or None,
        "codeRepositoryUrl": software.repository_url or None,
        "license": software.licence,
        "isLibreSoftware": software.is_free,
        "addedTime": _millis(software.added_at),
        "updateTime": _millis(software.updated_at),
        "status": software.status,
        "isStillInObservation": software.status == "observation",
        "dereferencing": dereferencing,
        "parentSoftware": (
            {"softwareName": software.parent.name, "isInSill": True}
            if software.parent and software.parent.is_published
            else None
        ),
        "similarSoftwares": [
            {"softwareName": name, "isInSill": True} for _slug, name in related.similar
        ],
        "wikidataId": software.wikidata_id or None,
        "comptoirDuLibreId": software.comptoir_id,
        "sillId": software.sill_id,
        "softwareType": software_type,
        "environments": list(software.environments),
        "versionMin": software.version_minimal or None,
        "versionRecommended": software.version_recommended or None,
        "categories": [name for _slug, name in related.categories],
        "isPresentInSupportContract": bool(attributes.get("in_support_contract", False)),
        "isFromFrenchPublicService": bool(attributes.get("from_public_sector", False)),
        "customAttributes": attributes,
        "serviceProviders": [
            {"name": name, "website": website or None} for name, website in related.providers
        ],
        "userAndReferentCountByOrganization": counts,
        "userCount": sum(c["userCount"] for c in counts.values()),
        "referentCount": sum(c["referentCount"] for c in counts.values()),
        "hasExpertReferent": related.has_expert,
        "instances": [instance_to_sill(i) for i in related.instances],
    }


def instance_to_sill(instance: Instance) -> dict[str, Any]:
    return {
        "id": instance.pk,
        "organization": instance.organisation_label,
        "targetAudience": _text(instance.audience),
        "publicUrl": instance.url or None,
        "isPublic": instance.public,
        "name": instance.name,
    }


def catalogue_document(site: str = "") -> list[dict[str, Any]]:
    """Every published entry, as ``catalogue.json`` lists them (a few hundred: in memory)."""
    rows = published_with_relations()
    counts = counts_by_organisation([s.pk for s, _related in rows])
    return [redacted(software_to_sill(s, r, counts.get(s.pk, {}), site)) for s, r in rows]


# --- flat rows for the open-data files -------------------------------------------------

SOFTWARE_FIELDS: tuple[TableField, ...] = (
    TableField("id", "integer", "The entry's id in Communs.", required=True, unique=True),
    TableField("slug", "string", "The entry's key in its page's address.", required=True),
    TableField("name", "string", "The software's name.", required=True),
    TableField("function", "string", "What it does, in a line (French)."),
    TableField("licence", "string", "Its licence, as an SPDX expression."),
    TableField(
        "is_free",
        "boolean",
        "Whether the licence is free: approved by the OSI or free for the FSF (every part "
        "of an AND, one side of an OR).",
        required=True,
    ),
    TableField(
        "status",
        "string",
        "observation, recommended or dereferenced.",
        required=True,
        enum=("observation", "recommended", "dereferenced"),
    ),
    TableField("version_minimal", "string", "The oldest version to use."),
    TableField("version_recommended", "string", "The version to use."),
    TableField("website", "string", "Its website.", format="uri"),
    TableField("repository_url", "string", "Its source repository.", format="uri"),
    TableField("wikidata_id", "string", "Its Wikidata item (Q…)."),
    TableField("comptoir_id", "integer", "Its id on the Comptoir du Libre.", minimum=0),
    TableField("sill_id", "integer", "Its id in the French SILL.", minimum=0),
    TableField(
        "categories",
        "array",
        "The slugs of its categories; comma-joined in the CSV file.",
        csv_type="string",
    ),
    TableField(
        "environments",
        "array",
        "Where it runs (" + ", ".join(Environment.values) + "); comma-joined in the CSV file.",
        csv_type="string",
    ),
    TableField("parent", "string", "The slug of the software it extends, for a plugin."),
    TableField(
        "similar",
        "array",
        "The slugs of similar software; comma-joined in the CSV file.",
        csv_type="string",
    ),
    TableField("users", "integer", "How many uses are declared.", required=True, minimum=0),
    TableField(
        "referents", "integer", "How many active referents it has.", required=True, minimum=0
    ),
    TableField(
        "organisations",
        "object",
        'Users and referents per organisation: {"name": {"userCount": 2, "referentCount": '
        "1}}; no person is named.",
        required=True,
    ),
    TableField("instances", "integer", "How many deployed services are listed.", required=True),
    TableField("added_at", "datetime", "When it entered the catalogue. ISO 8601, in UTC."),
    TableField("updated_at", "datetime", "When its entry last changed. ISO 8601, in UTC."),
)

INSTANCE_FIELDS: tuple[TableField, ...] = (
    TableField("id", "integer", "The instance's id in Communs.", required=True, unique=True),
    TableField("name", "string", "The service's name.", required=True),
    TableField("url", "string", "Where the service is.", format="uri"),
    TableField("software", "string", "The slug of the catalogue entry it runs, if any."),
    TableField("software_name", "string", "The software it runs."),
    TableField("organisation", "string", "The organisation that runs it."),
    TableField("audience", "string", "Who may use it."),
    TableField("public", "boolean", "Whether anybody may use it.", required=True),
    TableField("description", "string", "What the service is."),
)


def software_rows() -> Iterator[dict[str, object]]:
    rows = published_with_relations()
    counts = counts_by_organisation([s.pk for s, _related in rows])
    for software, related in rows:
        per_org = counts.get(software.pk, {})
        yield redacted(
            {
                "id": software.pk,
                "slug": software.slug,
                "name": software.name,
                "function": _text(software.function),
                "licence": software.licence,
                "is_free": software.is_free,
                "status": software.status,
                "version_minimal": software.version_minimal,
                "version_recommended": software.version_recommended,
                "website": software.website,
                "repository_url": software.repository_url,
                "wikidata_id": software.wikidata_id,
                "comptoir_id": software.comptoir_id,
                "sill_id": software.sill_id,
                "categories": sorted(slug for slug, _name in related.categories),
                "environments": list(software.environments),
                "parent": software.parent.slug
                if software.parent and software.parent.is_published
                else None,
                "similar": sorted(slug for slug, _name in related.similar),
                "users": sum(c["userCount"] for c in per_org.values()),
                "referents": sum(c["referentCount"] for c in per_org.values()),
                "organisations": per_org,
                "instances": len(related.instances),
                "added_at": _iso(software.added_at),
                "updated_at": _iso(software.updated_at),
            }
        )


def instance_rows() -> Iterator[dict[str, object]]:
    from communs.catalogue.queries import instances

    for instance in instances().iterator(chunk_size=500):
        yield redacted(
            {
                "id": instance.pk,
                "name": instance.name,
                "url": instance.url,
                "software": instance.software.slug if instance.software_id else None,
                "software_name": instance.software_label,
                "organisation": instance.organisation_label,
                "audience": _text(instance.audience),
                "public": instance.public,
                "description": _text(instance.description),
            }
        )
