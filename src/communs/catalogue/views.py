"""The catalogue's public pages (list, software, instances) and an agent's own list.

Views turn the request into query arguments and render; what is filtered, counted and
shown lives in ``communs.catalogue.queries``.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import InvalidPage
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from communs.accounts.roles import is_moderator
from communs.catalogue import exports, queries
from communs.catalogue.models import Environment, Software, Status
from communs.repositories.exports import write_csv
from communs.web.queries import page_of

# Agents' and moderators' buttons and forms (declare use, become referent, contact the
# referents, moderate) live with their views; the software page includes them.
ACTIONS_TEMPLATE = "catalogue/actions/_software_actions.html"

SORT_LABELS = {
    "name": gettext_lazy("Name"),
    "added": gettext_lazy("Newest first"),
    "updated": gettext_lazy("Recently updated"),
    "users": gettext_lazy("Most users"),
    "referents": gettext_lazy("Most referents"),
}


def _wants_fragment(request: HttpRequest) -> bool:
    # As the repository list: htmx swaps the fragment, a history restore gets the page.
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def _page(rows: Any, request: HttpRequest) -> Any:
    try:
        return page_of(rows, request.GET.get("page"))
    except InvalidPage as error:
        raise Http404(_("There is no such page.")) from error


def can_see(user: Any, software: Software) -> bool:
    """Published entries are public; a proposal is shown to its author and moderators
    (to everyone else it does not exist: 404)."""
    if software.is_published:
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    return software.proposed_by_id == user.pk or is_moderator(user)


def _actions_template() -> str | None:
    """The fragment of agents' actions on a software page, once that part exists."""
    try:
        get_template(ACTIONS_TEMPLATE)
    except TemplateDoesNotExist:
        return None
    return ACTIONS_TEMPLATE


def software_list(request: HttpRequest) -> HttpResponse:
    filters = queries.CatalogueFilters.from_params(request.GET)
    page = _page(queries.search_software(filters), request)
    context = {
        "section": "catalogue",
        "filters": filters,
        "page": page,
        "sorts": SORT_LABELS,
        "categories": queries.categories(),
        "organisations": queries.using_organisations(),
        "environments": Environment.choices,
        "statuses": Status.choices,
        "licences": queries.licences(),
    }
    fragment = _wants_fragment(request)
    response = render(
        request,
        "catalogue/_software_list_partial.html" if fragment else "catalogue/software_list.html",
        context,
    )
    patch_vary_headers(response, ["HX-Request", "HX-History-Restore-Request"])
    return response


def software_detail(request: HttpRequest, slug: str) -> HttpResponse:
    software = get_object_or_404(
        Software.objects.select_related("parent", "repository", "proposed_by"), slug=slug
    )
    if not can_see(request.user, software):
        raise Http404(_("There is no such software."))
    context = {
        "section": "catalogue",
        "software": software,
        "description": software.description(),
        "users": queries.users_per_organisation(software),
        "referents": queries.referents_per_organisation(software),
        "has_expert": queries.has_expert(software),
        "instances": list(queries.instances(software)),
        "similar": queries.similar_of(software),
        "plugins": queries.plugins_of(software),
        "parent": software.parent if software.parent and software.parent.is_published else None,
        "providers": list(software.providers.order_by("name")),
        "categories": list(software.categories.order_by("name_fr")),
        "attributes": queries.attributes_of(software),
        "repositories": queries.repositories_of(software),
        "history": queries.history_of(software),
        "environments": [
            label for code, label in Environment.choices if code in software.environments
        ],
    }
    context["actions_template"] = _actions_template()
    context["user_total"] = sum(c.count for c in context["users"])
    context["referent_total"] = sum(c.count for c in context["referents"])
    return render(request, "catalogue/software_detail.html", context)


def instance_list(request: HttpRequest) -> HttpResponse:
    page = _page(queries.instances(), request)
    return render(request, "catalogue/instance_list.html", {"section": "catalogue", "page": page})


@login_required
def my_software(request: HttpRequest) -> HttpResponse:
    rows = list(queries.software_of_agent(request.user))
    mine_used = set(request.user.software_usages.values_list("software_id", flat=True))
    mine_referent = set(request.user.software_referents.values_list("software_id", flat=True))
    for software in rows:
        software.is_used = software.pk in mine_used
        software.is_referent = software.pk in mine_referent
    return render(
        request, "catalogue/my_software.html", {"section": "catalogue", "software_list": rows}
    )


def export_json(request: HttpRequest) -> HttpResponse:
    """``catalogue.json``: every published entry in the shape of the SILL's ``sill.json``."""
    site = request.build_absolute_uri("/").rstrip("/")
    response = JsonResponse(
        exports.catalogue_document(site), safe=False, json_dumps_params={"ensure_ascii": False}
    )
    response["Access-Control-Allow-Origin"] = "*"
    return response


def export_csv(request: HttpRequest) -> HttpResponse:
    """``catalogue.csv``: the open-data rows of the catalogue, one line per entry."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="catalogue.csv"'
    response["Access-Control-Allow-Origin"] = "*"
    fields = [f.name for f in exports.SOFTWARE_FIELDS]
    write_csv(exports.software_rows(), fields, response)
    return response
