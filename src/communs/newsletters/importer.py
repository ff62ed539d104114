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
from pathlib import Path

from django.utils.text import slugify

from communs.events import frontmatter
from communs.events.frontmatter import FrontMatterError
from communs.events.storing import FileRecord, ImportReport, store_records
from communs.newsletters.models import Issue

FIELDS = ("number", "title", "published_on", "body")
_NUMBER = re.compile(r"n°\s*(\d+)|(\d+)$")


def number_of(title: str, stem: str) -> int | None:
    """``Gazette BlueHats 🧢 n°12`` or ``bluehats_12`` → 12."""
    for text in (title, stem):
        found = _NUMBER.search(text)
        if found:
            return int(found.group(1) or found.group(2))
    return None


def record_for(path: Path) -> FileRecord:
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
    return FileRecord(source=path.name, slug=slug, values=values)


def read_issues(directory: Path) -> list[FileRecord]:
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
    return store_records(Issue, read_issues(directory), FIELDS)
