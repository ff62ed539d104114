"""Dependencies across public code: the most used packages, and who depends on one.

Both read :mod:`communs.analysis.queries`, as the API does.
"""

from __future__ import annotations

from django.core.paginator import InvalidPage, Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from communs.analysis import queries

PER_PAGE = 50


def _page(rows: object, request: HttpRequest):  # noqa: ANN202 - a Django Page
    paginator = Paginator(rows, PER_PAGE)  # type: ignore[arg-type]
    number = request.GET.get("page") or 1
    try:
        return paginator.page(number)
    except InvalidPage as error:
        raise Http404(_("There is no such page.")) from error


def dependency_list(request: HttpRequest) -> HttpResponse:
    purl_type = request.GET.get("type", "").strip()
    if purl_type not in queries.PACKAGE_TYPES:
        purl_type = ""
    q = request.GET.get("q", "").replace("\x00", "").strip()[: queries.MAX_QUERY]
    page = _page(queries.most_used_packages(purl_type, q), request)
    context = {
        "section": "dependencies",
        "page": page,
        "packages": queries.packages(page.object_list),
        "types": queries.PACKAGE_TYPES,
        "type": purl_type,
        "q": q,
    }
    return render(request, "web/dependency_list.html", context)


def dependency_detail(request: HttpRequest, package: str) -> HttpResponse:
    found = queries.package_from_path(package)
    if found is None:
        raise Http404(_("There is no such package."))
    page = _page(queries.dependents(found), request)
    context = {
        "section": "dependencies",
        "package": found,
        "page": page,
        "count": queries.dependents_count(found),
    }
    return render(request, "web/dependency_detail.html", context)
