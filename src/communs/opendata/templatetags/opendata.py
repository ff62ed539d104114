"""``{% load opendata %}{% feed_links %}``: the Atom feeds a page offers to feed readers.

Every page offers the latest repositories and releases; the repository list adds the
feed of its own search, and an organisation's page the feed of that organisation, so
that a browser or reader subscribing from the page gets what the page shows.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django import template
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from communs import search
from communs.opendata.feeds import search_params

register = template.Library()


def page_feeds(request: HttpRequest) -> list[tuple[str, str]]:
    """``(title, url)`` of the feeds for the page ``request`` asked for."""
    feeds = [
        (_("Latest repositories"), reverse("feed-repositories")),
        (_("Latest releases"), reverse("feed-releases")),
    ]
    match = getattr(request, "resolver_match", None)
    name = getattr(match, "url_name", None)
    if name == "repository-list":
        params = search_params(request.GET)
        # A value the search ignores would make the feed answer 400: leave it out.
        for ignored in search.parse_params(params, facets=()).ignored:
            params.pop(ignored, None)
        if params:
            url = f"{reverse('feed-repositories')}?{urlencode(params)}"
            feeds.insert(0, (_("Repositories matching this search"), url))
    elif name == "organisation-detail" and "key" in match.kwargs:
        url = reverse("feed-organisation", args=[match.kwargs["key"]])
        feeds.insert(0, (_("New repositories of this organisation"), url))
    return feeds


@register.simple_tag(takes_context=True)
def feed_links(context: template.Context) -> SafeString:
    """``<link rel="alternate" type="application/atom+xml">`` elements for the page."""
    request = context.get("request")
    if request is None:
        return SafeString("")
    return format_html_join(
        "\n  ",
        '<link rel="alternate" type="application/atom+xml" title="{}" href="{}">',
        page_feeds(request),
    )
