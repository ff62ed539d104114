"""Atom feed of the job offers (``/jobs/feed.atom``): published, not expired, newest
first. Expired offers leave it by themselves (the same filter as the list)."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils import formats
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.utils.translation import gettext as _

from communs.jobs.models import JobOffer
from communs.opendata.feeds import public_text, site_name

ENTRIES = 50


class JobOfferFeed(Feed):
    feed_type = Atom1Feed

    def title(self) -> str:
        return _("Job offers on %(site)s") % {"site": site_name()}

    def link(self) -> str:
        return reverse("jobs:job-list")

    def feed_url(self) -> str:
        return reverse("jobs:jobs-feed")

    def items(self) -> Any:
        return (
            JobOffer.objects.visible()
            .select_related("organisation")
            .prefetch_related("skills")
            .order_by("-published_at", "-pk")[:ENTRIES]
        )

    def item_title(self, item: JobOffer) -> str:
        return public_text(item.title)

    def item_description(self, item: JobOffer) -> str:
        lines = []
        if item.organisation:
            lines.append(public_text(item.organisation.name))
        where = public_text(item.place)
        if item.remote:
            where = f"{where} ({_('remote work possible')})" if where else _("remote work possible")
        if where:
            lines.append(where)
        skills = ", ".join(public_text(s.name) for s in item.skills.all())
        if skills:
            lines.append(skills)
        lines.append(
            _("Until %(day)s") % {"day": formats.date_format(item.expires_on, "DATE_FORMAT")}
        )
        return escape("\n".join(lines))

    def item_link(self, item: JobOffer) -> str:
        return item.get_absolute_url()

    def item_pubdate(self, item: JobOffer) -> datetime.datetime:
        return item.published_at or item.created_at

    def item_categories(self, item: JobOffer) -> list[str]:
        return [public_text(s.name) for s in item.skills.all()]
