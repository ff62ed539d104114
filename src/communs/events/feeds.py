"""Atom feed of the events (``/events/feed.atom``): the latest announced first.

Summaries are plain text (the event's summary, its date and place), XML-safe, with
e-mail addresses hidden; who registered is never in it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils import formats
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.utils.translation import gettext as _

from communs.events.models import Event
from communs.opendata.feeds import public_text, site_name

ENTRIES = 50


class EventFeed(Feed):
    feed_type = Atom1Feed

    def title(self) -> str:
        return _("Events of %(site)s") % {"site": site_name()}

    def subtitle(self) -> str:
        return _("Webinars, meetings and sprints of the community, the latest first.")

    def link(self) -> str:
        return reverse("events:event-list")

    def feed_url(self) -> str:
        return reverse("events:events-feed")

    def items(self) -> Any:
        return Event.objects.order_by("-starts_at", "-pk")[:ENTRIES]

    def item_title(self, item: Event) -> str:
        return public_text(item.title)

    def item_description(self, item: Event) -> str:
        start = item.local_start()
        when = formats.date_format(start, "DATE_FORMAT")
        if not item.all_day:
            when += " " + formats.time_format(start, "TIME_FORMAT") + f" ({item.time_zone})"
        lines = [f"{item.get_kind_display()} · {when}"]
        if item.place:
            lines.append(public_text(item.place))
        if item.summary:
            lines.append(public_text(item.summary))
        # Atom summaries of type html: escape what people wrote before XML escapes it.
        return escape("\n\n".join(lines))

    def item_link(self, item: Event) -> str:
        return item.get_absolute_url()

    def item_guid(self, item: Event) -> str:
        return f"{item.get_absolute_url()}#event-{item.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, item: Event) -> datetime:
        return item.created_at

    def item_updateddate(self, item: Event) -> datetime:
        return item.updated_at

    def item_categories(self, item: Event) -> list[str]:
        return [str(item.get_kind_display())]
