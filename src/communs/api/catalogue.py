"""The software catalogue in the API: the list with the site's filters, and one entry.

A router that ``communs.api.v1`` mounts under ``/catalogue``. It reads through
``communs.catalogue.queries``, as the pages do, so a filter means the same in both;
lists are keyset-paged with the same opaque cursors as the repositories. No person
appears: users and referents are counts per organisation.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.db.models import F
from django.db.models.functions import Lower
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema
from pydantic import field_validator

from communs.api.cursor import MAX_CURSOR_LENGTH, CursorError
from communs.api.finder import BadParameter
from communs.api.paging import KeysetOrder, keyset_page
from communs.api.schemas import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    MAX_QUERY_LENGTH,
    MAX_VALUE_LENGTH,
    BadRequest,
    Error,
    TooManyRequests,
)
from communs.catalogue import queries
from communs.catalogue.exports import counts_by_organisation
from communs.catalogue.models import Software

router = Router(tags=["catalogue"])

ERRORS: dict[int, Any] = {304: None, 400: BadRequest, 429: TooManyRequests}

# Each sort of the list page, as an order the keyset pages follow.
ORDERS = {
    "name": KeysetOrder("catalogue-name", Lower("name"), False, str),
    "added": KeysetOrder("catalogue-added", F("added_at"), True, datetime),
    "updated": KeysetOrder("catalogue-updated", F("updated_at"), True, datetime),
    "users": KeysetOrder("catalogue-users", queries.user_count(), True, int),
    "referents": KeysetOrder("catalogue-referents", queries.referent_count(), True, int),
}

YesNo = Literal["yes", "no"]


def _no_nul(value: str | None) -> str | None:
    if value is not None and "\x00" in value:
        raise ValueError("must not contain a NUL character")
    return value


class CatalogueQuery(Schema):
    """The filters of the catalogue page, with the names it uses."""

    q: str = Field(
        "",
        max_length=MAX_QUERY_LENGTH,
        description="Text to look for in the name, function and descriptions.",
    )
    category: str = Field(
        "",
        max_length=MAX_VALUE_LENGTH,
        description="A category's slug: its software and that of the categories under it.",
    )
    organisation: str = Field(
        "",
        max_length=MAX_VALUE_LENGTH,
        description="An organisation's key: software it declares using or runs an instance of.",
    )
    environment: (
        Literal["linux", "windows", "macos", "browser", "android", "ios", "server"] | None
    ) = Field(None, description="Where the software runs.")
    licence: str = Field(
        "", max_length=MAX_VALUE_LENGTH, description="An SPDX expression, exactly as listed."
    )
    free: YesNo | None = Field(
        None, description="`yes`: a free licence (OSI approved or FSF free); `no`: not."
    )
    status: Literal["observation", "recommended", "dereferenced"] | None = Field(
        None, description="The entry's status."
    )
    referents: YesNo | None = Field(None, description="With (`yes`) or without active referents.")
    expert: YesNo | None = Field(None, description="With (`yes`) or without an expert referent.")
    sort: Literal["name", "added", "updated", "users", "referents"] = Field(
        "name",
        description="`name`, `added` or `updated` (newest first), `users` or `referents` "
        "(most first).",
    )
    cursor: str | None = Field(
        None,
        max_length=MAX_CURSOR_LENGTH,
        description="Where the page starts: the `next_cursor` of the previous page.",
    )
    limit: int = Field(
        DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="How many rows a page holds at most."
    )

    _text = field_validator("q", "category", "organisation", "licence", "cursor")(_no_nul)


class SoftwareRow(Schema):
    id: int
    slug: str = Field(description="The entry's key, in its page's address.", examples=["glpi"])
    name: str
    function: str = Field(description="What it does, in a line (French).")
    url: str = Field(description="Its page on this site.")
    licence: str = Field(description="Its licence, an SPDX expression.", examples=["GPL-2.0-only"])
    is_free: bool = Field(description="Whether the licence is OSI approved or FSF free.")
    status: str = Field(description="`observation`, `recommended` or `dereferenced`.")
    categories: list[str] = Field(description="The slugs of its categories.")
    environments: list[str]
    software_type: str = Field(description="`desktop`, `cloud`, `stack`, or empty.")
    version_minimal: str
    version_recommended: str
    website: str
    repository_url: str
    wikidata_id: str
    comptoir_id: int | None
    sill_id: int | None = Field(description="Its id in the French SILL.")
    parent: str | None = Field(description="The slug of the software it extends (plugins).")
    users: int = Field(description="How many uses are declared.")
    referents: int = Field(description="How many active referents it has.")
    added_at: str
    updated_at: str


class OrganisationCountOut(Schema):
    users: int
    referents: int


class InstanceOut(Schema):
    id: int
    name: str
    url: str
    organisation: str
    audience: str
    public: bool


class SoftwareDetail(SoftwareRow):
    description_fr: str = Field(description="Markdown, as written.")
    description_en: str = Field(description="Markdown, as written.")
    logo_url: str = Field(
        description="The uploaded logo (a PNG this site re-encoded), else the address a "
        "source gave; empty when there is none."
    )
    dereferenced_reason: str
    dereferenced_on: str | None
    last_recommended_version: str
    similar: list[str] = Field(description="The slugs of similar software.")
    plugins: list[str] = Field(description="The slugs of the software extending it.")
    has_expert: bool
    organisations: dict[str, OrganisationCountOut] = Field(
        description="Users and referents per organisation name; no person is named."
    )
    instances: list[InstanceOut]
    providers: list[dict[str, str]]
    attributes: dict[str, bool | str] = Field(description="Custom attributes by key.")
    repositories: list[int] = Field(description="Ids of the public repositories linked to it.")


class SoftwarePage(Schema):
    count: int = Field(description="How many entries match.")
    sort: str
    next_cursor: str | None
    next: str | None = Field(description="The next page's address, or null on the last.")
    results: list[SoftwareRow]


def _row(software: Software, request: HttpRequest) -> dict[str, Any]:
    return {
        "id": software.pk,
        "slug": software.slug,
        "name": software.name,
        "function": software.function,
        "url": request.build_absolute_uri(software.get_absolute_url()),
        "licence": software.licence,
        "is_free": software.is_free,
        "status": software.status,
        "categories": sorted(c.slug for c in software.categories.all()),
        "environments": list(software.environments),
        "software_type": software.software_type,
        "version_minimal": software.version_minimal,
        "version_recommended": software.version_recommended,
        "website": software.website,
        "repository_url": software.repository_url,
        "wikidata_id": software.wikidata_id,
        "comptoir_id": software.comptoir_id,
        "sill_id": software.sill_id,
        "parent": software.parent.slug
        if software.parent and software.parent.is_published
        else None,
        "users": software.user_count,
        "referents": software.referent_count,
        "added_at": software.added_at.isoformat(),
        "updated_at": software.updated_at.isoformat(),
    }


def _next_url(request: HttpRequest, cursor: str | None) -> str | None:
    if cursor is None:
        return None
    params = request.GET.copy()
    params["cursor"] = cursor
    return f"{request.path}?{params.urlencode()}"


@router.get(
    "/software",
    response={200: SoftwarePage, **ERRORS},
    operation_id="list_catalogue_software",
    summary="List the catalogue's software",
)
def list_software(request: HttpRequest, filters: Query[CatalogueQuery]) -> dict[str, Any]:
    """Published entries matching every filter given, a page at a time, with how many
    match. The filters are those of the catalogue page."""
    values = {k: (v or "") for k, v in filters.model_dump().items() if k not in ("cursor", "limit")}
    found = queries.search_software(queries.CatalogueFilters(**values)).order_by()
    order = ORDERS[filters.sort]
    try:
        page = keyset_page(
            found,
            order,
            filters.cursor,
            filters.limit,
            fetch=lambda rows: rows.select_related("parent").prefetch_related("categories"),
        )
    except CursorError as error:
        raise BadParameter("cursor", str(error)) from error
    return {
        "count": found.count(),
        "sort": filters.sort,
        "next_cursor": page.next_cursor,
        "next": _next_url(request, page.next_cursor),
        "results": [_row(software, request) for software in page.rows],
    }


@router.get(
    "/software/{slug}",
    response={200: SoftwareDetail, 404: Error, **ERRORS},
    operation_id="get_catalogue_software",
    summary="One catalogue entry",
)
def get_software(
    request: HttpRequest,
    slug: str = Path(description="The entry's `slug`.", examples=["glpi"], max_length=200),
) -> dict[str, Any]:
    """A published entry with its descriptions, similar software, plugins, instances,
    providers, custom attributes, linked repositories, and users and referents counted
    per organisation."""
    software = None
    if "\x00" not in slug:
        software = (
            queries.with_counts(queries.published().filter(slug=slug))
            .select_related("parent")
            .prefetch_related("categories")
            .first()
        )
    if software is None:
        raise Http404(_("There is no such software."))
    counts = counts_by_organisation([software.pk]).get(software.pk, {})
    return {
        **_row(software, request),
        "description_fr": software.description_fr,
        "description_en": software.description_en,
        "logo_url": (
            request.build_absolute_uri(reverse("catalogue:logo-file", args=[software.logo]))
            if software.logo
            else software.logo_url
        ),
        "dereferenced_reason": software.dereferenced_reason,
        "dereferenced_on": software.dereferenced_on.isoformat()
        if software.dereferenced_on
        else None,
        "last_recommended_version": software.last_recommended_version,
        "similar": [s.slug for s in queries.similar_of(software)],
        "plugins": [s.slug for s in queries.plugins_of(software)],
        "has_expert": queries.has_expert(software),
        "organisations": {
            name: {"users": c["userCount"], "referents": c["referentCount"]}
            for name, c in counts.items()
        },
        "instances": [
            {
                "id": i.pk,
                "name": i.name,
                "url": i.url,
                "organisation": i.organisation_label,
                "audience": i.audience,
                "public": i.public,
            }
            for i in queries.instances(software)
        ],
        "providers": [
            {"name": p.name, "website": p.website} for p in software.providers.order_by("name")
        ],
        "attributes": {d.key: value for d, value in queries.attributes_of(software)},
        "repositories": [r.pk for r in queries.repositories_of(software)],
    }
