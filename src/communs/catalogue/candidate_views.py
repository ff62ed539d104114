"""Catalogue entries proposed from valid publiccode.yml files (moderators only).

The analysis validates every harvested repository's publiccode.yml and keeps a summary
of the valid ones (``communs.analysis.queries.catalogue_candidates``). This page lists
those whose repository is not in the catalogue yet; one button drafts an entry from the
file (``communs.catalogue.from_publiccode``), in the *proposed* state, linked to the
repository and proposed by the moderator, who then reviews and publishes it as any
other proposal. The creation is written to the audit log.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import InvalidPage
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from communs.accounts.roles import moderator_required
from communs.analysis.models import RepositoryAnalysis
from communs.analysis.queries import catalogue_candidates
from communs.audit.log import diff, record, snapshot
from communs.catalogue.forms import unique_slug
from communs.catalogue.from_publiccode import from_summary, software_fields
from communs.catalogue.models import Category, Moderation, Software
from communs.publiccode.remote import RemoteError, raw_urls
from communs.repositories.models import Repository
from communs.web.queries import page_of

PROPOSE_ACTION = "software.propose_from_publiccode"
FIELDS = [
    "name",
    "function",
    "description_fr",
    "description_en",
    "licence",
    "website",
    "repository_url",
    "logo_url",
    "environments",
    "software_type",
    "repository",
    "categories",
]


def open_candidates() -> QuerySet[RepositoryAnalysis]:
    """Valid publiccode.yml files of live repositories that no catalogue entry links to."""
    linked = Software.objects.filter(repository=OuterRef("repository"))
    return catalogue_candidates().exclude(Exists(linked))


def logo_base(analysis: RepositoryAnalysis) -> str:
    """The folder of the publiccode.yml among the repository's raw files (for a logo
    given as a relative path), or ``""`` when the forge's raw address is not known."""
    repository = analysis.repository
    try:
        addresses = raw_urls(repository.url, repository.forge.kind, repository.default_branch)
    except RemoteError:
        return ""
    if not addresses:
        return ""
    root = addresses[0].rpartition("/")[0]
    folder = str((analysis.publiccode or {}).get("file") or "").rpartition("/")[0]
    return f"{root}/{folder}" if folder and ".." not in folder.split("/") else root


def draft(analysis: RepositoryAnalysis) -> tuple[dict[str, Any], list[str]]:
    """The fields of the entry drafted from a candidate, and its category slugs."""
    summary = (analysis.publiccode or {}).get("summary") or {}
    proposed = software_fields(from_summary(summary), logo_base=logo_base(analysis))
    repository = analysis.repository
    values = proposed.fields
    values["name"] = values["name"] or repository.name[:200]
    values["repository_url"] = values["repository_url"] or repository.url
    return values, proposed.categories


def matching_categories(slugs: list[str]) -> list[Category]:
    """Categories whose slug, or English or French name, matches a publiccode category."""
    if not slugs:
        return []
    wanted = set(slugs)
    return [
        category
        for category in Category.objects.all()
        if {category.slug, slugify(category.name_en), slugify(category.name_fr)} & wanted
    ]


def _row(analysis: RepositoryAnalysis) -> dict[str, Any]:
    summary = (analysis.publiccode or {}).get("summary") or {}
    shorts = summary.get("short_descriptions") or {}
    language = (get_language() or "fr")[:2]
    short = next(
        (text for tag, text in shorts.items() if tag.split("-")[0].lower() == language),
        next(iter(shorts.values()), ""),
    )
    return {
        "analysis": analysis,
        "repository": analysis.repository,
        "name": summary.get("name") or analysis.repository.name,
        "short_description": short,
        "licence": summary.get("license") or "",
        "file": (analysis.publiccode or {}).get("file") or "publiccode.yml",
    }


def _blank_invalid_fields(software: Software) -> None:
    """Leave empty what the model's validators refuse (a file valid for publiccode.yml
    may still hold a URL Django finds wrong): the moderator fills it in on review."""
    try:
        software.full_clean(exclude=["slug", "name"], validate_unique=False)
    except ValidationError as error:
        for name in error.message_dict:
            if name in FIELDS and name not in ("name", "repository", "categories"):
                setattr(software, name, Software._meta.get_field(name).get_default())


@moderator_required
def candidates(request: HttpRequest) -> HttpResponse:
    try:
        page = page_of(open_candidates(), request.GET.get("page"))
    except InvalidPage as error:
        raise Http404(_("There is no such page.")) from error
    context = {
        "section": "catalogue",
        "page": page,
        "rows": [_row(analysis) for analysis in page.object_list],
    }
    return render(request, "catalogue/candidates/list.html", context)


@require_POST
@moderator_required
def propose(request: HttpRequest, repository_id: int) -> HttpResponse:
    with transaction.atomic():
        # Lock the repository row (PostgreSQL; SQLite's write transaction is already
        # exclusive), so two moderators clicking together make one entry, not two.
        if not Repository.objects.select_for_update().filter(pk=repository_id).exists():
            raise Http404
        analysis = open_candidates().filter(repository_id=repository_id).first()
        if analysis is None:
            messages.info(request, _("This repository is already in the catalogue."))
            return redirect("catalogue:candidates")
        values, slugs = draft(analysis)
        software = Software(
            **values,
            slug=unique_slug(values["name"]),
            moderation=Moderation.PROPOSED,
            proposed_by=request.user,
            repository=analysis.repository,
        )
        _blank_invalid_fields(software)
        software.save()
        software.categories.set(matching_categories(slugs))
        changes = diff({}, snapshot(software, FIELDS))
        changes["publiccode"] = {
            "before": None,
            "after": f"{analysis.repository.forge.host}/{analysis.repository.full_path}",
        }
        record(request.user, PROPOSE_ACTION, software, changes)
    messages.success(
        request,
        _("“%(name)s” is proposed: review it, then publish it.") % {"name": software.name},
    )
    return redirect(software.get_absolute_url())
