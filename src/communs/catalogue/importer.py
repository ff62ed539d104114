"""``import_sill()``: the 2022 SILL files into the catalogue, in one transaction.

The files are read and checked first (``communs.catalogue.sill``, pure); only a clean
read reaches the database. Rows are keyed by the SILL's own ids (``Software.sill_id``,
``Instance.sill_service_id``), and a row is saved only when one of its fields differs,
so a second run of the same files changes nothing (not even ``updated_at``). Nothing
is ever deleted: an entry that left the files stays, as moderators may have kept it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from communs.audit.log import record
from communs.catalogue.models import (
    AttributeDefinition,
    AttributeValue,
    Category,
    Instance,
    Moderation,
    SimilarSoftware,
    Software,
)
from communs.catalogue.sill import ATTRIBUTES, SillCatalogue, SillSoftware, read_sill
from communs.repositories.models import Repository
from communs.sources.models import Organisation

# The audit action of an entry the import created or changed (the actor is the system).
IMPORT_ACTION = "software.import"

# English names of the SILL's sectors (the categories below them are French only).
SECTORS_EN = {
    "conception-et-developpement": "Design and development",
    "donnees-et-contenu": "Data and content",
    "espace-utilisateur-et-canal": "User space and channels",
    "integration-et-echanges": "Integration and exchanges",
    "logiciel-systeme-et-virtualisation": "System software and virtualisation",
    "operations": "Operations",
    "orchestration-et-logique-metier": "Orchestration and business logic",
    "reseau": "Network",
    "sauvegarde": "Backup",
    "securite": "Security",
    "stockage": "Storage",
}


@dataclass
class ImportReport:
    """What an import did, counted per kind of row: created, updated, unchanged."""

    counts: Counter[str] = field(default_factory=Counter)
    ignored_json_entries: list[int] = field(default_factory=list)
    unknown_references: list[str] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return sum(n for key, n in self.counts.items() if not key.endswith(":unchanged"))


def category_slug(name: str) -> str:
    # "Conception & Développement", "Conception et développement": one category.
    return slugify(name.replace("&", " et "))[:120]


def normalise_url(url: str) -> str:
    """A repository URL as a comparable key: no scheme case, no trailing slash or .git."""
    url = url.strip().lower().rstrip("/")
    return url.removesuffix(".git")


def url_matches(url: str) -> Q:
    """Repositories whose URL is ``url`` (normalised) give or take a slash or ``.git``."""
    return Q(url__iexact=url) | Q(url__iexact=url + "/") | Q(url__iexact=url + ".git")


def import_sill(directory: Path) -> ImportReport:
    """Import the SILL files in ``directory``; raises ``SillError`` before any write."""
    catalogue = read_sill(directory)
    with transaction.atomic():
        return store_catalogue(catalogue)


def store_catalogue(catalogue: SillCatalogue) -> ImportReport:
    report = ImportReport(
        ignored_json_entries=catalogue.ignored_json_entries,
        unknown_references=list(catalogue.unknown_references),
    )
    definitions = _store_definitions(report)
    categories = _store_categories(catalogue, report)
    by_sill_id = {s.sill_id: s for s in Software.objects.filter(sill_id__isnull=False)}
    taken_slugs = set(Software.objects.values_list("slug", flat=True))
    now = timezone.now()
    for entry in catalogue.software:
        software = by_sill_id.get(entry.sill_id)
        if software is None:
            software = Software(
                sill_id=entry.sill_id,
                slug=_free_slug(entry.name, entry.sill_id, taken_slugs),
                moderation=Moderation.PUBLISHED,
                added_at=entry.added_at,
                updated_at=now,
            )
            changes = _set_fields(software, entry)
            software.save()
            record(None, IMPORT_ACTION, software, changes)
            by_sill_id[entry.sill_id] = software
            report.counts["software:created"] += 1
        elif changes := _set_fields(software, entry):
            software.updated_at = now
            software.save()
            # The files win over edits made since: the log says what they overwrote.
            record(None, IMPORT_ACTION, software, changes)
            report.counts["software:updated"] += 1
        else:
            report.counts["software:unchanged"] += 1
        _store_categories_of(software, entry, categories, report)
        _store_attributes(software, entry, definitions, report)

    by_name = {s.name.casefold(): s for s in by_sill_id.values()}
    for entry in catalogue.software:
        software = by_sill_id[entry.sill_id]
        parent = by_sill_id.get(entry.parent_id) if entry.parent_id else None
        if parent is None and entry.parent_name:
            parent = by_name.get(entry.parent_name.casefold())
            if parent is None:
                report.unknown_references.append(f"{entry.name} < {entry.parent_name}")
        if software.parent_id != (parent.pk if parent else None):
            Software.objects.filter(pk=software.pk).update(parent=parent, updated_at=now)
            report.counts["parent:updated"] += 1
    _store_similar(catalogue, by_sill_id, report)
    _store_instances(catalogue, by_sill_id, report)
    link_repositories(Software.objects.filter(sill_id__isnull=False), report)
    return report


def _set_fields(software: Software, entry: SillSoftware) -> dict[str, Any]:
    """Copy the entry's fields onto ``software``; the fields that changed, as the audit
    log records them (empty when none did)."""
    dereferenced = entry.status == "dereferenced"
    values: dict[str, Any] = {
        "name": entry.name,
        "function": entry.function,
        "status": entry.status,
        "licence": entry.licence,
        "wikidata_id": entry.wikidata_id,
        "comptoir_id": entry.comptoir_id,
        "version_minimal": entry.version_minimal,
        "last_recommended_version": (entry.version_maximal or entry.version_minimal)
        if dereferenced
        else "",
        "description_fr": entry.description_fr,
        "description_en": entry.description_en,
        "logo_url": entry.logo_url,
        "website": entry.website,
        "repository_url": entry.repository_url,
    }
    changes: dict[str, Any] = {}
    for name, value in values.items():
        before = getattr(software, name)
        if before != value:
            setattr(software, name, value)
            changes[name] = {"before": before if software.pk else None, "after": value}
    return changes


def _free_slug(name: str, sill_id: int, taken: set[str]) -> str:
    slug = slugify(name)[:180] or f"sill-{sill_id}"
    if slug in taken:
        slug = f"{slug}-{sill_id}"
    taken.add(slug)
    return slug


def _store_definitions(report: ImportReport) -> dict[str, AttributeDefinition]:
    definitions = {d.key: d for d in AttributeDefinition.objects.filter(key__in=ATTRIBUTES)}
    for key, (label_fr, label_en, kind) in ATTRIBUTES.items():
        # Labels administrators edited are theirs: only missing definitions are created.
        if key not in definitions:
            definitions[key] = AttributeDefinition.objects.create(
                key=key, label_fr=label_fr, label_en=label_en, kind=kind
            )
            report.counts["attribute definition:created"] += 1
    return definitions


def _store_categories(catalogue: SillCatalogue, report: ImportReport) -> dict[str, Category]:
    wanted: dict[str, tuple[str, str]] = {}  # slug → (French name, parent slug)
    spellings: dict[str, Counter[str]] = {}
    for entry in catalogue.software:
        if entry.sector:
            slug = category_slug(entry.sector)
            spellings.setdefault(slug, Counter())[entry.sector] += 1
            if entry.category:
                wanted.setdefault(category_slug(entry.category), (entry.category, slug))
    for slug, names in spellings.items():
        # The spelling most entries use names the sector.
        wanted[slug] = (names.most_common(1)[0][0], "")
    existing = {c.slug: c for c in Category.objects.filter(slug__in=wanted)}
    # Sectors first, so that their children find them.
    for slug, (name, parent_slug) in sorted(wanted.items(), key=lambda item: bool(item[1][1])):
        if slug not in existing:
            existing[slug] = Category.objects.create(
                slug=slug,
                name_fr=name[:200],
                name_en=SECTORS_EN.get(slug, ""),
                parent=existing.get(parent_slug),
            )
            report.counts["category:created"] += 1
    return existing


def _store_categories_of(
    software: Software, entry: SillSoftware, categories: dict[str, Category], report: ImportReport
) -> None:
    slugs = {category_slug(name) for name in (entry.sector, entry.category) if name}
    wanted = {categories[slug].pk for slug in slugs}
    current = set(software.categories.values_list("pk", flat=True))
    # Categories moderators added stay: the import only adds the ones the files give.
    missing = wanted - current
    if missing:
        software.categories.add(*missing)
        report.counts["category link:created"] += len(missing)


def _store_attributes(
    software: Software,
    entry: SillSoftware,
    definitions: dict[str, AttributeDefinition],
    report: ImportReport,
) -> None:
    current = {v.definition_id: v for v in software.attribute_values.all()}
    for key, value in entry.attributes.items():
        definition = definitions[key]
        stored = current.get(definition.pk)
        if stored is None:
            AttributeValue.objects.create(software=software, definition=definition, value=value)
            report.counts["attribute:created"] += 1
        elif stored.value != value:
            stored.value = value
            stored.save(update_fields=["value"])
            report.counts["attribute:updated"] += 1


def _store_similar(
    catalogue: SillCatalogue, by_sill_id: dict[int, Software], report: ImportReport
) -> None:
    pairs = set()
    for entry in catalogue.software:
        for other in entry.similar_ids:
            a, b = by_sill_id[entry.sill_id].pk, by_sill_id[other].pk
            if a != b:
                pairs.update({(a, b), (b, a)})
    ids = [s.pk for s in by_sill_id.values()]
    existing = set(
        SimilarSoftware.objects.filter(from_software_id__in=ids).values_list(
            "from_software_id", "to_software_id"
        )
    )
    missing = pairs - existing
    SimilarSoftware.objects.bulk_create(
        [SimilarSoftware(from_software_id=a, to_software_id=b) for a, b in sorted(missing)]
    )
    if missing:
        report.counts["similar link:created"] += len(missing) // 2


def _store_instances(
    catalogue: SillCatalogue, by_sill_id: dict[int, Software], report: ImportReport
) -> None:
    names = {s.organisation_name for s in catalogue.services}
    organisations: dict[str, Organisation] = {}
    if names:
        query = Q()
        for name in names:
            query |= Q(name__iexact=name)
        for organisation in Organisation.objects.filter(query).order_by("pk"):
            organisations.setdefault(organisation.name.casefold(), organisation)
    by_name = {s.name.casefold(): s for s in by_sill_id.values()}
    existing = {
        i.sill_service_id: i for i in Instance.objects.filter(sill_service_id__isnull=False)
    }
    for service in catalogue.services:
        software = (
            by_sill_id[service.software_id]
            if service.software_id
            else by_name.get(service.software_name.casefold())
        )
        organisation = organisations.get(service.organisation_name.casefold())
        values: dict[str, Any] = {
            "software_id": software.pk if software else None,
            "software_name": "" if software else service.software_name[:300],
            "organisation_id": organisation.pk if organisation else None,
            "organisation_name": service.organisation_name[:300],
            "name": service.name[:300],
            "url": service.url,
            "description": service.description,
            "audience": service.audience,
            "public": service.public,
        }
        instance = existing.get(service.sill_service_id)
        if instance is None:
            Instance.objects.create(sill_service_id=service.sill_service_id, **values)
            report.counts["instance:created"] += 1
            continue
        changed = [name for name, value in values.items() if getattr(instance, name) != value]
        if changed:
            for name in changed:
                setattr(instance, name, values[name])
            instance.save(update_fields=changed)
            report.counts["instance:updated"] += 1
        else:
            report.counts["instance:unchanged"] += 1


def link_repositories(software: Any, report: ImportReport | None = None) -> int:
    """Link each entry whose repository URL is a harvested repository's; returns how many.

    Called after an import; a harvest that stores new repositories may call it again.
    An entry already linked keeps its link.
    """
    candidates = {
        normalise_url(s.repository_url): s
        for s in software.filter(repository__isnull=True).exclude(repository_url="")
    }
    if not candidates:
        return 0
    query = Q()
    for url in candidates:
        query |= url_matches(url)
    linked = 0
    for repository in Repository.objects.filter(query).only("pk", "url"):
        entry = candidates.pop(normalise_url(repository.url), None)
        if entry is not None:
            Software.objects.filter(pk=entry.pk).update(repository=repository)
            linked += 1
    if report is not None and linked:
        report.counts["repository link:created"] += linked
    return linked
