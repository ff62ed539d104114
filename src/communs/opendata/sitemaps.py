"""The sitemap: ``/sitemap.xml`` is an index of sections, each paginated.

The sitemap protocol allows 50,000 addresses per file; the repositories section is
cut into pages of :data:`RepositorySitemap.limit` (``/sitemap-repositories.xml?p=2``),
so a million repositories make a hundred small files, each one query on the primary
key. Repositories gone from their forge are left out; so is everything outside the
public pages (admin, API, feeds).

The index is Django's view; a section is written by :func:`sitemap_section`, which
joins strings instead of rendering Django's template: ten thousand addresses through
the template engine cost seconds, as strings a few tens of milliseconds.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.sitemaps import Sitemap
from django.core.paginator import InvalidPage
from django.db.models import Max, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import escape
from django.views.decorators.http import require_safe

from communs.catalogue.models import Software
from communs.repositories.models import Repository
from communs.sources.models import Organisation

# Keys of the pages every installation has, in the order they come in the sitemap.
STATIC_PAGES = (
    "home",
    "repository-list",
    "organisation-list",
    "forge-list",
    "open-data",
    "catalogue:list",
    "catalogue:instances",
)


class StaticSitemap(Sitemap):
    changefreq = "daily"

    def items(self) -> tuple[str, ...]:
        return STATIC_PAGES

    def location(self, item: str) -> str:
        return reverse(item)


class OrganisationSitemap(Sitemap):
    changefreq = "weekly"
    limit = 10_000

    def items(self) -> QuerySet:
        return Organisation.objects.order_by("pk").values_list("key", "updated_at")

    def location(self, item: tuple[str, datetime]) -> str:
        return reverse("organisation-detail", args=[item[0]])

    def lastmod(self, item: tuple[str, datetime]) -> datetime:
        return item[1]

    def get_latest_lastmod(self) -> datetime | None:
        return Organisation.objects.aggregate(latest=Max("updated_at"))["latest"]


class SoftwareSitemap(Sitemap):
    """Published catalogue entries (proposals wait for a moderator, out of sight)."""

    changefreq = "weekly"
    limit = 10_000

    def items(self) -> QuerySet:
        return Software.objects.published().order_by("pk").values_list("slug", "updated_at")

    def location(self, item: tuple[str, datetime]) -> str:
        return reverse("catalogue:software", args=[item[0]])

    def lastmod(self, item: tuple[str, datetime]) -> datetime:
        return item[1]

    def get_latest_lastmod(self) -> datetime | None:
        return Software.objects.published().aggregate(latest=Max("updated_at"))["latest"]


class RepositorySitemap(Sitemap):
    changefreq = "weekly"
    # Well under the protocol's 50,000: each page renders in a fraction of a second.
    limit = 10_000

    def items(self) -> QuerySet:
        return (
            Repository.objects.filter(gone_since__isnull=True)
            .order_by("pk")
            .values_list("pk", "pushed_at", "updated_at")
        )

    def location(self, item: tuple[int, datetime | None, datetime | None]) -> str:
        # One reverse() for all: a page holds ten thousand of them.
        return _repository_path_prefix() + f"{item[0]}/"

    def lastmod(self, item: tuple[int, datetime | None, datetime | None]) -> datetime | None:
        moments = [moment for moment in item[1:] if moment is not None]
        return max(moments) if moments else None

    def get_latest_lastmod(self) -> datetime | None:
        # Django's default reads every item; the last push, from its index, is enough
        # for the index file's hint.
        return self.items().aggregate(latest=Max("pushed_at"))["latest"]


def _repository_path_prefix() -> str:
    """``/repositories/`` as the detail route spells it (the id follows)."""
    sample = reverse("repository-detail", args=[1])
    return sample[: -len("1/")]


SITEMAPS: dict[str, type[Sitemap]] = {
    "pages": StaticSitemap,
    "organisations": OrganisationSitemap,
    "catalogue": SoftwareSitemap,
    "repositories": RepositorySitemap,
}


@require_safe
def sitemap_section(request: HttpRequest, section: str) -> HttpResponse:
    """One page of a section (``?p=`` numbers them from 1), as the protocol's XML."""
    sitemap_class = SITEMAPS.get(section)
    if sitemap_class is None:
        raise Http404("No such sitemap section.")
    sitemap = sitemap_class()
    try:
        items = sitemap.paginator.page(request.GET.get("p", 1)).object_list
    except InvalidPage as error:
        raise Http404("No such sitemap page.") from error
    root = request.build_absolute_uri("/").rstrip("/")
    has_lastmod = hasattr(sitemap, "lastmod")
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
    ]
    for item in items:
        entry = f"<url><loc>{escape(root + sitemap.location(item))}</loc>"
        moment = sitemap.lastmod(item) if has_lastmod else None
        if moment is not None:
            entry += f"<lastmod>{moment.date().isoformat()}</lastmod>"
        parts.append(f"{entry}<changefreq>{sitemap.changefreq}</changefreq></url>\n")
    parts.append("</urlset>\n")
    return HttpResponse("".join(parts), content_type="application/xml; charset=utf-8")
