"""``communs newsletters import DIR``: the BlueHats gazettes as newsletter issues.

DIR is the ``gazettes`` folder (or the ``bluehats`` folder holding it). Every file is
read and checked before anything is written; a bad file stops the import with its
name. Then one transaction stores the issues, each found again by its file name
(``Issue.source``): running it twice changes nothing. The body is kept as Markdown,
tidied of the old site's raw HTML (``communs.events.frontmatter``), and only ever shown
through ``communs.markup``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from communs.events import frontmatter
from communs.events.frontmatter import FrontMatterError
from communs.newsletters.models import Issue

FIELDS = ("number", "title", "published_on", "body")
_NUMBER = re.compile(r"n°\s*(\d+)|(\d+)$")


@dataclass(frozen=True)
class IssueRecord:
    source: str
    slug: str
    values: dict[str, Any]


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


def number_of(title: str, stem: str) -> int | None:
    """``Gazette BlueHats 🧢 n°12`` or ``bluehats_12`` → 12."""
    for text in (title, stem):
        found = _NUMBER.search(text)
        if found:
            return int(found.group(1) or found.group(2))
    return None


def record_for(path: Path) -> IssueRecord:
    document = frontmatter.read(path)
    title = frontmatter.required_text(document, "title", 300)
    slug = slugify(path.stem.replace("_", "-"))[:200]
    if not slug:
        raise FrontMatterError(path, "the file name gives no usable slug")
    values = {
        "number": number_of(title, path.stem),
        "title": title,
        "published_on": frontmatter.required_date(document),
        "body": frontmatter.tidy_body(document.body).text,
    }
    return IssueRecord(source=path.name, slug=slug, values=values)


def read_issues(directory: Path) -> list[IssueRecord]:
    if (directory / "gazettes").is_dir():
        directory = directory / "gazettes"
    if not directory.is_dir():
        raise FrontMatterError(directory, "not a folder")
    files = sorted(directory.glob("*.md"))
    if not files:
        raise FrontMatterError(directory, "no .md file")
    records = [record_for(path) for path in files]
    slugs = [r.slug for r in records]
    if len(set(slugs)) != len(slugs):
        raise FrontMatterError(directory, "two files give the same slug")
    return records


def import_issues(directory: Path) -> ImportReport:
    records = read_issues(directory)
    report = ImportReport()
    now = timezone.now()
    with transaction.atomic():
        existing = {
            i.source: i for i in Issue.objects.filter(source__in=[r.source for r in records])
        }
        for record in records:
            issue = existing.get(record.source)
            if issue is None:
                slug, number = record.slug, 2
                while Issue.objects.filter(slug=slug).exists():
                    slug, number = f"{record.slug[:190]}-{number}", number + 1
                Issue.objects.create(
                    source=record.source, slug=slug, created_at=now, updated_at=now, **record.values
                )
                report.created += 1
                continue
            changed = [n for n in FIELDS if getattr(issue, n) != record.values[n]]
            if not changed:
                report.unchanged += 1
                continue
            for name in changed:
                setattr(issue, name, record.values[name])
            issue.updated_at = now
            issue.save(update_fields=[*changed, "updated_at"])
            report.updated += 1
    return report
