"""Atom feed of the newsletter's issues (``/newsletters/feed.atom``), newest first.
Summaries are the issue's text without formatting; no subscriber is ever in it."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from communs.markup import render_markdown, visible_text
from communs.newsletters.models import Issue
from communs.opendata.feeds import public_text, site_name

ENTRIES = 30


class IssueFeed(Feed):
    feed_type = Atom1Feed

    def title(self) -> str:
        return _("Newsletter of %(site)s") % {"site": site_name()}

    def link(self) -> str:
        return reverse("newsletters:issue-list")

    def feed_url(self) -> str:
        return reverse("newsletters:newsletters-feed")

    def items(self) -> Any:
        return Issue.objects.order_by("-published_on", "-pk")[:ENTRIES]

    def item_title(self, item: Issue) -> str:
        return public_text(item.title)

    def item_description(self, item: Issue) -> str:
        words = visible_text(render_markdown(item.body, hidden_email=_("[e-mail address hidden]")))
        return escape(public_text(Truncator(" ".join(words.split())).chars(600)))

    def item_link(self, item: Issue) -> str:
        return item.get_absolute_url()

    def item_pubdate(self, item: Issue) -> datetime.datetime:
        return datetime.datetime.combine(item.published_on, datetime.time(), datetime.UTC)

    def item_updateddate(self, item: Issue) -> datetime.datetime:
        return item.updated_at
