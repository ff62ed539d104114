"""``communs events import DIR``: the BlueHats webinars and meetings.

DIR is the ``bluehats`` folder (its ``webinaires/`` and ``rencontres/`` are read) or
one such folder itself. Every file is read and checked first (:func:`read_events`,
no database); a bad file stops the import with its name before anything is written.
Then everything is stored in one transaction, each event found again by its file
(``Event.source``): running the import twice changes nothing, and an event whose file
changed is updated. Events created by hand are never touched.

The files give a day, not a time: imported events are all-day events in
``Europe/Paris``. Video links are kept from the ``video`` block and from the videos
embedded in the body (``<iframe>``); slides become links too.
"""

from __future__ import annotations

import datetime
import zoneinfo
from pathlib import Path

from django.utils.text import slugify

from communs.events import frontmatter
from communs.events.frontmatter import FrontMatterError
from communs.events.models import Event, Kind
from communs.events.storing import FileRecord, ImportReport, store_records

TIME_ZONE = "Europe/Paris"
FOLDERS = {"webinaires": Kind.WEBINAR, "rencontres": Kind.MEETING}
FIELDS = (
    "title",
    "kind",
    "starts_at",
    "ends_at",
    "all_day",
    "time_zone",
    "video_url",
    "links",
    "summary",
    "description",
)


def _kind_for(folder: str, stem: str) -> str:
    if "sprint" in stem.lower():
        return Kind.SPRINT
    return FOLDERS.get(folder, Kind.MEETING)


def record_for(path: Path, folder: str) -> FileRecord:
    """One file as the values of an event (pure; raises :class:`FrontMatterError`)."""
    document = frontmatter.read(path)
    title = frontmatter.required_text(document, "title", 300)
    day = frontmatter.required_date(document)
    zone = zoneinfo.ZoneInfo(TIME_ZONE)
    starts_at = datetime.datetime.combine(day, datetime.time(), tzinfo=zone)
    next_day = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(), zone)
    body = frontmatter.tidy_body(document.body)
    video = frontmatter.source_url(document, "video")
    slides = frontmatter.source_url(document, "slides")
    videos = [video] if video else []
    videos += [url for url in body.videos if url not in videos]
    links = [{"kind": "video", "url": url} for url in videos[1:]]
    links += [{"kind": "slides", "url": url} for url in [slides, *body.slides] if url]
    summary = frontmatter.plain_words(frontmatter.optional_text(document, "description", 2000))
    values = {
        "title": title,
        "kind": _kind_for(folder, path.stem),
        "starts_at": starts_at.astimezone(datetime.UTC),
        "ends_at": next_day.astimezone(datetime.UTC),
        "all_day": True,
        "time_zone": TIME_ZONE,
        "video_url": videos[0] if videos else "",
        "links": links,
        "summary": summary[:1000],
        "description": body.text,
    }
    if len(values["video_url"]) > 500:
        raise FrontMatterError(path, "the video address is longer than 500 characters")
    slug = slugify(path.stem)[:200]
    if not slug:
        raise FrontMatterError(path, "the file name gives no usable slug")
    return FileRecord(source=f"{folder}/{path.name}", slug=slug, values=values)


def folders_of(directory: Path) -> list[tuple[str, Path]]:
    if not directory.is_dir():
        raise FrontMatterError(directory, "not a folder")
    found = [(name, directory / name) for name in FOLDERS if (directory / name).is_dir()]
    if found:
        return found
    if any(directory.glob("*.md")):
        return [(directory.name, directory)]
    raise FrontMatterError(directory, "no webinaires/ nor rencontres/ folder, and no .md file")


def read_events(directory: Path) -> list[FileRecord]:
    """Every event of DIR, checked; the first bad file raises, naming it."""
    records: list[FileRecord] = []
    for folder, path in folders_of(directory):
        for file in sorted(path.glob("*.md")):
            records.append(record_for(file, folder))
    sources = [r.source for r in records]
    if len(set(sources)) != len(sources):
        raise FrontMatterError(directory, "the same file is listed twice")
    return records


def import_events(directory: Path) -> ImportReport:
    return store_records(Event, read_events(directory), FIELDS)
