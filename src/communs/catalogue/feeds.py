"""Atom feeds of the catalogue: new entries and updated entries, all or per category.

- ``/catalogue/feeds/new.atom`` and ``/catalogue/feeds/updated.atom``;
- ``/catalogue/feeds/categories/<slug>/new.atom`` and ``…/updated.atom``: the entries
  of a category and of the categories under it.

Only published entries appear. Summaries are the one-line function and the Markdown
description as plain text, XML-safe, with e-mail addresses hidden; no author is given.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.syndication.views import Feed
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.utils.translation import gettext as _

from communs.catalogue.models import Category, Software
from communs.opendata.feeds import public_text

ENTRIES = 50


class NewSoftwareFeed(Feed):
    """The entries most recently added to the catalogue."""

    feed_type = Atom1Feed
    order = "-added_at"
    kind = "new"

    def get_object(self, request: HttpRequest, slug: str | None = None) -> Category | None:
        if slug is None:
            return None
        return get_object_or_404(Category, slug=slug)

    def title(self, category: Category | None) -> str:
        if category is None:
            return (
                _("New software in the catalogue")
                if self.kind == "new"
                else _("Updated software in the catalogue")
            )
        name = public_text(category.name())
        if self.kind == "new":
            return _("New software in the category %(name)s") % {"name": name}
        return _("Updated software in the category %(name)s") % {"name": name}

    def link(self, category: Category | None) -> str:
        url = reverse("catalogue:list")
        return url + f"?category={category.slug}" if category else url

    def feed_url(self, category: Category | None) -> str:
        name = f"catalogue:feed-{self.kind}"
        if category is None:
            return reverse(name)
        return reverse(name + "-category", args=[category.slug])

    def subtitle(self, category: Category | None) -> str:
        return _("Entries of the software catalogue, newest first.")

    def items(self, category: Category | None) -> Any:
        rows = Software.objects.published()
        if category is not None:
            ids = [category.pk, *category.children.values_list("pk", flat=True)]
            rows = rows.filter(pk__in=Software.objects.filter(categories__in=ids).values("pk"))
        return rows.prefetch_related("categories").order_by(self.order, "-pk")[:ENTRIES]

    def item_title(self, item: Software) -> str:
        return public_text(item.name)

    def item_description(self, item: Software) -> str:
        # Atom summaries of type html: escape what people wrote before XML escapes it.
        text = public_text(item.function or "")
        description = public_text(item.description())
        if description:
            text = f"{text}\n\n{description}" if text else description
        return escape(text)

    def item_link(self, item: Software) -> str:
        return item.get_absolute_url()

    def item_guid(self, item: Software) -> str:
        # Stable per entry and per kind: an update is a new entry in the updates feed.
        stamp = item.updated_at if self.kind == "updated" else item.added_at
        return f"{item.get_absolute_url()}#{self.kind}-{stamp.isoformat()}"

    item_guid_is_permalink = False

    def item_pubdate(self, item: Software) -> datetime:
        return item.added_at

    def item_updateddate(self, item: Software) -> datetime:
        return item.updated_at if self.kind == "updated" else item.added_at

    def item_categories(self, item: Software) -> list[str]:
        return [public_text(c.name()) for c in item.categories.all()]


class UpdatedSoftwareFeed(NewSoftwareFeed):
    """The entries most recently changed (new ones included)."""

    order = "-updated_at"
    kind = "updated"
