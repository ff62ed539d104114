"""/agents/: the opt-in directory of agents (``communs.accounts.directory``)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from communs.accounts import directory

PER_PAGE = 50


def agent_list(request: HttpRequest) -> HttpResponse:
    organisation = request.GET.get("organisation", "").strip()[:200]
    skill = request.GET.get("skill", "").strip()[:100]
    found = directory.search(organisation, skill)
    page = Paginator(found, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/directory/list.html",
        {
            "section": "agents",
            "page": page,
            "count": len(found),
            "facets": directory.facets(),
            "organisation": organisation,
            "skill": skill,
        },
    )


def agent_detail(request: HttpRequest, pk: int) -> HttpResponse:
    profile = directory.listed().filter(pk=pk).first()
    if profile is None:
        # Not listed (or no longer): the same answer as for no such person.
        raise Http404
    return render(
        request,
        "accounts/directory/detail.html",
        {
            "section": "agents",
            "profile": profile,
            "name": directory.display_name(profile),
            **directory.listing(profile),
        },
    )
