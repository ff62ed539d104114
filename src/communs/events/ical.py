"""Events as iCalendar (RFC 5545), built with the ``icalendar`` library.

- ``UID`` is stable and global: ``event-<id>@<site host>``, so a calendar that
  subscribed updates the event in place instead of adding a copy;
- ``DTSTAMP`` is when the event was last changed (RFC 5545 3.8.7.2, for a published
  calendar without ``METHOD``), in UTC; so is ``LAST-MODIFIED``; ``SEQUENCE`` grows
  each time the title, time or place changes (``Event.save``);
- times carry their ``TZID`` and the calendar its ``VTIMEZONE`` blocks; an all-day
  event is a ``DATE`` with an exclusive ``DTEND`` the next day;
- text is escaped by the library (commas, semicolons, backslashes, new lines) and
  lines are folded at 75 octets. Descriptions are plain text: the summary and the
  page's address, never the Markdown.

Pure apart from the ``Event`` rows it reads: no request, no database query.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from urllib.parse import urlsplit

import icalendar

from communs.events.models import Event
from communs.markup import visible_text
from communs.web.present import redact_emails

PRODID = "-//Communs//Events//FR"


def uid_for(event: Event, site_url: str) -> str:
    host = urlsplit(site_url).hostname or "communs.invalid"
    return f"event-{event.pk}@{host}"


def _text(value: str) -> str:
    return redact_emails(visible_text(value or ""), "[…]").strip()


def component_for(event: Event, site_url: str) -> icalendar.Event:
    site_url = site_url.rstrip("/")
    page = site_url + event.get_absolute_url()
    item = icalendar.Event()
    item.add("uid", uid_for(event, site_url))
    item.add("dtstamp", event.updated_at.astimezone(datetime.UTC))
    item.add("last-modified", event.updated_at.astimezone(datetime.UTC))
    item.add("created", event.created_at.astimezone(datetime.UTC))
    item.add("sequence", event.sequence)
    item.add("summary", _text(event.title))
    if event.all_day:
        first = event.local_start().date()
        end = event.local_end()
        last = end.date() if end else first + datetime.timedelta(days=1)
        item.add("dtstart", first)
        item.add("dtend", max(last, first + datetime.timedelta(days=1)))
    else:
        item.add("dtstart", event.local_start())
        if event.ends_at:
            item.add("dtend", event.local_end())
    words = [_text(event.summary)] if event.summary else []
    if event.video_url:
        words.append(event.video_url)
    words.append(page)
    item.add("description", "\n\n".join(words))
    location = event.place or event.online_url
    if location:
        item.add("location", _text(location))
    item.add("url", event.online_url or page)
    item.add("categories", [str(event.get_kind_display())])
    return item


def calendar_for(events: Iterable[Event], site_url: str, name: str) -> bytes:
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", " ".join(_text(name).split()))
    days: list[datetime.date] = []
    for event in events:
        calendar.add_component(component_for(event, site_url))
        days.append(event.local_start().date())
    if days:
        # Zone rules for the years the events span, not icalendar's default 1970-2038.
        calendar.add_missing_timezones(
            first_date=datetime.date(min(days).year, 1, 1),
            last_date=datetime.date(max(days).year + 2, 1, 1),
        )
    return calendar.to_ical()
