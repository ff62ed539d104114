"""The public pages: they read through ``communs.web.queries`` and render templates.

Each view only turns the request into query arguments and the results into a context;
what is counted, filtered and sorted, and how, lives in the queries.
"""

from __future__ import annotations

from django.core.paginator import InvalidPage, Page
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from communs.sources.models import Organisation
from communs.web import queries

# The largest primary key either database stores (a signed 64-bit integer).
MAX_ID = 2**63 - 1


def _page_or_404(rows: QuerySet, request: HttpRequest) -> Page:
    try:
        return queries.page_of(rows, request.GET.get("page"))
    except InvalidPage as error:
        raise Http404(_("There is no such page.")) from error


def wants_fragment(request: HttpRequest) -> bool:
    """True for an htmx request that swaps part of the page: it gets the fragment only.

    A history restore (the visitor went back and htmx has no copy of the page) asks
    for the whole page, as does every request without JavaScript.
    """
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def _page_or_fragment(
    request: HttpRequest, context: dict, page_template: str, fragment_template: str
) -> HttpResponse:
    fragment = wants_fragment(request)
    response = render(request, fragment_template if fragment else page_template, context)
    # The same URL answers two ways: caches must keep them apart.
    patch_vary_headers(response, ["HX-Request", "HX-History-Restore-Request"])
    return response


def home(request: HttpRequest) -> HttpResponse:
    context = {
        "section": "home",
        "figures": queries.site_figures(),
        "newest": queries.newest_repositories(8),
        "recently_pushed": queries.recently_pushed_repositories(8),
        "top_languages": queries.top_values("language", 10),
        "top_licenses": queries.top_values("license", 10),
    }
    return render(request, "web/home.html", context)


def repository_list(request: HttpRequest) -> HttpResponse:
    try:
        found = queries.repository_search(request.GET)
    except InvalidPage as error:
        raise Http404(_("There is no such page.")) from error
    context = {
        "section": "repositories",
        "filters": found.query,
        "facets": found.result.facets,
        "page": found.page,
        "sorts": queries.SEARCH_SORT_LABELS,
        "sort": found.result.sort,
        "sort_label": found.sort_label,
    }
    return _page_or_fragment(
        request, context, "web/repository_list.html", "web/_repository_list_partial.html"
    )


def repository_detail(request: HttpRequest, pk: int) -> HttpResponse:
    if pk > MAX_ID:
        # The URL accepts any digits; the database would fail on a number past its range.
        raise Http404(_("There is no such repository."))
    repository = get_object_or_404(queries.repository_detail_queryset(), pk=pk)
    organisation = repository.account.organisation if repository.account else None
    if organisation is None:
        organisation = repository.forge.organisation
    from communs.analysis.display import analysis_view
    from communs.analysis.queries import analysis_of
    from communs.history.display import repository_trend

    context = {
        "section": "repositories",
        "repository": repository,
        "organisation": organisation,
        "ministry": organisation.ministry if organisation else None,
        # The stored analysis of its code (None until `communs analyse` reads it).
        "analysis": analysis_view(analysis_of(repository.pk)),
        # Its stars and forks day by day (communs.history), None before any snapshot.
        "trend": repository_trend(repository.pk),
    }
    return render(request, "web/repository_detail.html", context)


def organisation_list(request: HttpRequest) -> HttpResponse:
    filters = queries.OrganisationFilters.from_params(request.GET)
    try:
        page = queries.organisation_page(filters, request.GET.get("page"))
    except InvalidPage as error:
        raise Http404(_("There is no such page.")) from error
    context = {
        "section": "organisations",
        "filters": filters,
        "ministries": queries.ministries(),
        "sorts": queries.ORGANISATION_SORTS,
        "page": page,
    }
    return _page_or_fragment(
        request, context, "web/organisation_list.html", "web/_organisation_list_partial.html"
    )


def organisation_detail(request: HttpRequest, key: str) -> HttpResponse:
    organisation = get_object_or_404(Organisation.objects.select_related("parent"), key=key)
    subtree = queries.subtree_ids(organisation)
    page = _page_or_404(queries.organisation_repositories(subtree), request)
    queries.add_repository_counts([organisation])
    ancestors = organisation.ancestors()
    # Its ministry's page (figures and tree): its own when it is one, else the one above.
    ministry = next(
        (node for node in [organisation, *ancestors] if node.level == Organisation.Level.MINISTRY),
        None,
    )
    context = {
        "section": "organisations",
        "organisation": organisation,
        "ancestors": ancestors,
        "ministry": ministry,
        "children": queries.organisation_children(organisation),
        "accounts": queries.organisation_accounts(organisation),
        "forges": list(organisation.forges.order_by("host")),
        "page": page,
        "has_descendants": len(subtree) > 1,
    }
    return render(request, "web/organisation_detail.html", context)
