"""Storing what a folder of front-matter files says, for the events and the newsletters.

Each record is found again by its file (``source``): a new file is a new row (its slug
made free), a changed file updates only the fields that moved, an unchanged one is left
alone, so an import run twice changes nothing. One transaction: all or nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from communs.web.present import free_slug


@dataclass(frozen=True)
class FileRecord:
    """One file read and checked: where it came from, its wanted slug, its fields."""

    source: str
    slug: str
    values: dict[str, Any]


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def store_records(
    model: type[models.Model], records: Sequence[FileRecord], fields: Sequence[str]
) -> ImportReport:
    """Create, update or leave each record's row of ``model`` (see the module doc)."""
    report = ImportReport()
    now = timezone.now()
    with transaction.atomic():
        sources = [record.source for record in records]
        existing = {row.source: row for row in model.objects.filter(source__in=sources)}
        taken = set(model.objects.values_list("slug", flat=True))
        for record in records:
            row = existing.get(record.source)
            if row is None:
                slug = free_slug(record.slug, taken)
                taken.add(slug)
                model.objects.create(
                    source=record.source, slug=slug, created_at=now, updated_at=now, **record.values
                )
                report.created += 1
                continue
            changed = [name for name in fields if getattr(row, name) != record.values[name]]
            if not changed:
                report.unchanged += 1
                continue
            for name in changed:
                setattr(row, name, record.values[name])
            row.updated_at = now
            row.save(update_fields=[*changed, "updated_at"])
            report.updated += 1
    return report
