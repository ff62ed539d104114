"""Atom feeds: new repositories, new releases, per organisation and per saved search.

- ``/feeds/repositories.atom``: the repositories Communs saw last (by first seen).
  With the list page's parameters (``?q=…&license=…``) it is a saved search: the same
  :func:`communs.search.parse_params` and :func:`communs.search.search_repositories`
  as ``/repositories/``, newest created first unless ``sort`` says otherwise. A value
  the list page would ignore (``fork=maybe``) is a 400 here: a subscription must not
  silently follow a different search than the one asked for.
- ``/feeds/releases.atom``: the latest releases (GitHub's, read by the harvest).
- ``/feeds/organisations/<key>.atom``: new repositories of an organisation and of
  every organisation under it.

Every feed answers with an ``ETag`` (a hash of its body) and ``Last-Modified`` (its
newest entry), and with 304 when the reader's ``If-None-Match`` or ``If-Modified-Since``
says it holds the same feed: readers poll often, and most polls find nothing new.

What forges wrote is untrusted: summaries are HTML-escaped before Atom escapes them
again as XML (a reader renders ``type="html"`` summaries as HTML), characters that
XML 1.0 cannot hold are dropped, links are ``http(s)`` only, and no e-mail address
appears (none is given as an author; those in descriptions are hidden).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.db.models.fields.json import KeyTextTransform
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseBase
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.cache import get_conditional_response
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.utils.http import parse_http_date_safe, quote_etag
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from communs import search
from communs.figures import cached_statistic
from communs.repositories.models import Repository
from communs.search.query import SELECTION_PARAMS, SearchQuery
from communs.sources.models import Organisation
from communs.web import queries
from communs.web.present import http_url, redact_emails

ENTRIES = 50
# Characters XML 1.0 cannot hold (Django refuses to write them, which would be a 500).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# The list page's parameters that choose repositories; paging ones are not part of a
# saved search (a feed always shows its newest entries).
SEARCH_PARAMS = SELECTION_PARAMS
FEED_SORT = "created"


def xml_text(value: object) -> str:
    """``value`` as text an XML document can hold."""
    return _NOT_XML.sub("", str(value or ""))


def public_text(value: object) -> str:
    """Text from a forge for a feed: XML-safe, e-mail addresses hidden."""
    return redact_emails(xml_text(value), _("[e-mail address hidden]"))


def search_params(params: Any) -> dict[str, str]:
    """The non-empty search parameters of a query string, in the list page's order."""
    return {name: str(params.get(name)) for name in SEARCH_PARAMS if params.get(name)}


def publisher_name(repo: Repository) -> str:
    """Who publishes ``repo``: its organisation's name, else its owner's path."""
    organisation = repo.account.organisation if repo.account else None
    if organisation is None:
        organisation = repo.forge.organisation
    if organisation is not None:
        return public_text(organisation.name)
    return public_text(repo.owner or repo.forge.host)


def site_name() -> str:
    return str(settings.SITE_NAME)


class BadFeedRequest(Exception):
    """The query string asks for something no search can be: the feed answers 400."""


def conditional(request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
    """A feed's answer with its ``ETag``, or 304 when the reader holds it already.

    The ETag hashes the body, so it is exact (the language, an edited description):
    ``If-None-Match`` wins over ``If-Modified-Since``, which Django's ``Feed`` sets from
    the newest entry and which misses an entry edited without a newer date.
    """
    if request.method not in ("GET", "HEAD") or response.status_code != 200:
        return response
    if not isinstance(response, HttpResponse):
        return response
    digest = hashlib.blake2b(response.content, digest_size=16).hexdigest()
    response["ETag"] = quote_etag(digest)
    last_modified = parse_http_date_safe(response.get("Last-Modified", ""))
    return get_conditional_response(
        request, etag=response["ETag"], last_modified=last_modified, response=response
    )


class _AtomFeed(Feed):
    """An Atom feed whose id is its own address (Django would reuse the page's link,
    which two feeds may share), answering 304 to a reader that holds it already."""

    feed_type = Atom1Feed

    def __call__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        return conditional(request, super().__call__(request, *args, **kwargs))

    def get_feed(self, obj: Any, request: HttpRequest) -> Atom1Feed:
        feed = super().get_feed(obj, request)
        feed.feed["id"] = feed.feed["feed_url"]
        return feed

    def author_name(self) -> str:
        return site_name()


class _RepositoryEntries(_AtomFeed):
    """Entries that are repositories: shared by the repository feeds."""

    def item_title(self, repo: Repository) -> str:
        return public_text(f"{repo.full_path} ({repo.forge.host})")

    def item_link(self, repo: Repository) -> str:
        return repo.get_absolute_url()

    def item_description(self, repo: Repository) -> str:
        parts = [escape(public_text(repo.description))] if repo.description else []
        facts = [
            value
            for value in (
                _("Licence: %(licence)s") % {"licence": repo.license} if repo.license else "",
                _("Language: %(language)s") % {"language": repo.language} if repo.language else "",
            )
            if value
        ]
        if facts:
            parts.append(escape(xml_text(" · ".join(facts))))
        on_forge = http_url(repo.url)
        if on_forge:
            parts.append(f'<a href="{escape(xml_text(on_forge))}">{escape(_("On its forge"))}</a>')
        return "".join(f"<p>{part}</p>" for part in parts)

    def item_author_name(self, repo: Repository) -> str:
        return publisher_name(repo)

    def item_author_email(self, repo: Repository) -> None:
        return None  # never: a public feed shows no address

    def item_pubdate(self, repo: Repository) -> datetime | None:
        return repo.created_at or repo.first_seen_at

    def item_updateddate(self, repo: Repository) -> datetime | None:
        return repo.first_seen_at

    def item_categories(self, repo: Repository) -> list[str]:
        topics = repo.topics if isinstance(repo.topics, list) else []
        return [public_text(topic) for topic in topics if isinstance(topic, str) and topic]


def _latest(rows: QuerySet[Repository]) -> list[Repository]:
    return list(
        rows.select_related("forge__organisation", "account__organisation").order_by(
            "-first_seen_at", "-pk"
        )[:ENTRIES]
    )


@dataclass(frozen=True, slots=True)
class SavedSearch:
    """What a repositories feed shows: a search, or (``query`` None) the newest ones."""

    query: SearchQuery | None
    params: dict[str, str]
    feed_path: str


class RepositoriesFeed(_RepositoryEntries):
    """``/feeds/repositories.atom``: the newest repositories, or a saved search."""

    def __call__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return super().__call__(request, *args, **kwargs)
        except BadFeedRequest as error:
            return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")

    def get_object(self, request: HttpRequest, *args: Any, **kwargs: Any) -> SavedSearch:
        params = search_params(request.GET)
        if not params:
            return SavedSearch(None, {}, request.path)
        query = search.parse_params(params, facets=())
        if query.ignored:
            raise BadFeedRequest(
                _("These parameters have values a search does not know: %(names)s.")
                % {"names": ", ".join(query.ignored)}
            )
        query = replace(query, page=1, per_page=ENTRIES, cursor="", facets=())
        if not query.sort:
            query = replace(query, sort=FEED_SORT)
        return SavedSearch(query, params, f"{request.path}?{urlencode(params)}")

    def title(self, obj: SavedSearch) -> str:
        if obj.query is None:
            return _("Latest repositories")
        return public_text(_("Repositories: %(search)s") % {"search": describe(obj.params)})

    def subtitle(self, obj: SavedSearch) -> str:
        if obj.query is None:
            return _("The repositories Communs found last on the forges it follows.")
        return _("The repositories matching this search.")

    def link(self, obj: SavedSearch) -> str:
        url = reverse("repository-list")
        return f"{url}?{urlencode(obj.params)}" if obj.params else url

    def feed_url(self, obj: SavedSearch) -> str:
        return obj.feed_path

    def items(self, obj: SavedSearch) -> list[Repository]:
        if obj.query is None:
            return _latest(Repository.objects.filter(gone_since__isnull=True))
        found = search.search_repositories(obj.query)
        ids = [repo.pk for repo in found.items]
        rows = Repository.objects.select_related(
            "forge__organisation", "account__organisation"
        ).in_bulk(ids)
        return [rows[pk] for pk in ids if pk in rows]


FILTER_LABELS = {
    "license": gettext_lazy("licence"),
    "language": gettext_lazy("language"),
    "forge": gettext_lazy("forge"),
    "organisation": gettext_lazy("organisation"),
    "ministry": gettext_lazy("ministry"),
    "fork": gettext_lazy("forks"),
    "archived": gettext_lazy("archived"),
    "template": gettext_lazy("templates"),
    "publiccode": gettext_lazy("publiccode.yml"),
    "contributing": gettext_lazy("contribution guide"),
    "free": gettext_lazy("free licence"),
    "pushed_within": gettext_lazy("pushed within (days)"),
    "gone": gettext_lazy("gone included"),
    "sort": gettext_lazy("sort"),
}


def describe(params: dict[str, str]) -> str:
    """A saved search in a few words: ``“words” · licence: MIT``."""
    parts = []
    if params.get("q"):
        parts.append(f"“{params['q'][:100]}”")
    for name, value in params.items():
        if name != "q":
            parts.append(f"{FILTER_LABELS.get(name, name)}: {value[:100]}")
    return " · ".join(parts)


class OrganisationFeed(_RepositoryEntries):
    """``/feeds/organisations/<key>.atom``: new repositories of an organisation's tree."""

    def get_object(self, request: HttpRequest, key: str) -> Organisation:
        return get_object_or_404(Organisation, key=key)

    def title(self, obj: Organisation) -> str:
        return public_text(_("New repositories of %(name)s") % {"name": obj.name})

    def subtitle(self, obj: Organisation) -> str:
        return public_text(
            _("The repositories of %(name)s and of the organisations under it, newest first.")
            % {"name": obj.name}
        )

    def link(self, obj: Organisation) -> str:
        return obj.get_absolute_url()

    def items(self, obj: Organisation) -> list[Repository]:
        return _latest(queries.organisation_repositories(queries.subtree_ids(obj)))


class ReleasesFeed(_AtomFeed):
    """``/feeds/releases.atom``: the latest release of each repository, newest first.

    Releases are what GitHub's GraphQL reports (``Repository.latest_release``, filled
    by a harvest with a token); other forges' repositories have none yet.
    """

    def title(self) -> str:
        return _("Latest releases")

    def subtitle(self) -> str:
        return _("The latest release of each repository, newest first.")

    def link(self) -> str:
        return reverse("repository-list")

    def items(self) -> list[Repository]:
        # Sorting on a JSON key reads every repository with a release (no index can
        # serve it): the ids are kept with the pages' figures, counted anew when a
        # harvest stores data (releases only come with harvests).
        ids = cached_statistic("feeds.latest-releases", latest_release_ids)
        rows = Repository.objects.select_related(
            "forge__organisation", "account__organisation"
        ).in_bulk(ids)
        return [rows[pk] for pk in ids if pk in rows]

    @staticmethod
    def _release(repo: Repository) -> dict[str, Any]:
        return repo.latest_release if isinstance(repo.latest_release, dict) else {}

    def item_title(self, repo: Repository) -> str:
        release = self._release(repo)
        label = str(release.get("name") or release.get("tag") or "")
        return public_text(f"{repo.full_path} {label}")

    def item_link(self, repo: Repository) -> str:
        release = self._release(repo)
        url = http_url(release.get("url"))
        if url:
            return xml_text(url)
        # No link of its own: the repository's page, told apart per release.
        return f"{repo.get_absolute_url()}#release-{quote(xml_text(release.get('tag')))}"

    def item_description(self, repo: Repository) -> str:
        release = self._release(repo)
        text = _("Release %(tag)s of %(repository)s on %(forge)s.") % {
            "tag": release.get("tag") or "",
            "repository": repo.full_path,
            "forge": repo.forge.host,
        }
        if repo.description:
            text += " " + repo.description
        return escape(public_text(text))

    def item_author_name(self, repo: Repository) -> str:
        return publisher_name(repo)

    def item_author_email(self, repo: Repository) -> None:
        return None

    def item_pubdate(self, repo: Repository) -> datetime | None:
        return _parse_moment(self._release(repo).get("published_at"))

    def item_updateddate(self, repo: Repository) -> datetime | None:
        return self.item_pubdate(repo)


def latest_release_ids() -> list[int]:
    rows = (
        Repository.objects.filter(gone_since__isnull=True, latest_release__isnull=False)
        .annotate(release_published=KeyTextTransform("published_at", "latest_release"))
        # A date, not a JSON null (which SQLite's key text spells "null") nor junk:
        # ISO 8601 strings then sort in time order on both databases.
        .filter(release_published__regex=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T")
        .order_by("-release_published", "-pk")
        .values_list("pk", flat=True)
    )
    return list(rows[:ENTRIES])


def _parse_moment(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None
