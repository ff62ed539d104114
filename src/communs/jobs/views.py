"""Job offer pages and their moderation.

- ``/jobs/``: published offers not expired, newest first, filtered by remote work,
  skill, organisation (its key) and place (words it contains); a malformed filter
  answers 400 with the form, never 500;
- ``/jobs/<slug>/``: an offer (a proposal is seen only by its author and moderators;
  an expired offer says so and is no longer listed);
- ``/jobs/propose/`` (agents), ``/jobs/moderation/`` and ``/jobs/<slug>/publish/``,
  ``…/reject/`` (moderators, POST). Every change is in the audit log.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from communs.accounts.roles import agent_required, is_moderator, moderator_required
from communs.audit.log import diff, record, snapshot
from communs.jobs.forms import JobOfferForm
from communs.jobs.models import JobOffer, Moderation, Skill
from communs.sources.models import Organisation
from communs.web.present import SLUG_STEM, free_slug

PAGE_SIZE = 30
AUDITED = ["title", "organisation", "place", "remote", "link", "expires_on", "description"]


class FilterForm(forms.Form):
    remote = forms.ChoiceField(
        label=gettext_lazy("Remote work"),
        required=False,
        choices=[
            ("", gettext_lazy("Any")),
            ("yes", gettext_lazy("Possible")),
            ("no", gettext_lazy("On site")),
        ],
    )
    skill = forms.SlugField(label=gettext_lazy("Skill"), required=False, max_length=80)
    organisation = forms.SlugField(
        label=gettext_lazy("Organisation"), required=False, max_length=200
    )
    place = forms.CharField(label=gettext_lazy("Place"), required=False, max_length=100)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only the skills of offers on the list: a choice that finds nothing helps nobody.
        used = Skill.objects.filter(joboffer__in=JobOffer.objects.visible()).distinct()
        self.fields["skill"].widget = forms.Select(
            choices=[("", _("Any"))] + [(s.slug, s.name) for s in used.order_by("name")]
        )


def offer_list(request: HttpRequest) -> HttpResponse:
    form = FilterForm(request.GET or None)
    offers = JobOffer.objects.visible().select_related("organisation").prefetch_related("skills")
    status = 200
    if form.is_bound and not form.is_valid():
        status = 400
        offers = offers.none()
    elif form.is_bound:
        data = form.cleaned_data
        if data["remote"]:
            offers = offers.filter(remote=data["remote"] == "yes")
        if data["skill"]:
            offers = offers.filter(skills__slug=data["skill"])
        if data["organisation"]:
            offers = offers.filter(organisation__key=data["organisation"])
        if data["place"]:
            offers = offers.filter(place__icontains=data["place"])
    page = Paginator(offers.order_by("-published_at", "-pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    organisations = (
        Organisation.objects.filter(job_offers__in=JobOffer.objects.visible())
        .distinct()
        .order_by("name")
    )
    return render(
        request,
        "jobs/offer_list.html",
        {
            "form": form if form.is_bound else FilterForm(),
            "page": page,
            "organisations": organisations,
            "section": "jobs",
        },
        status=status,
    )


def can_see(user: Any, offer: JobOffer) -> bool:
    if offer.moderation == Moderation.PUBLISHED:
        return True
    if is_moderator(user):
        return True
    return bool(user.is_authenticated and offer.proposed_by_id == user.pk)


def offer_detail(request: HttpRequest, slug: str) -> HttpResponse:
    offer = get_object_or_404(
        JobOffer.objects.select_related("organisation").prefetch_related("skills"), slug=slug
    )
    if not can_see(request.user, offer):
        raise Http404
    return render(
        request,
        "jobs/offer_detail.html",
        {
            "offer": offer,
            "expired": offer.is_expired(),
            "may_moderate": is_moderator(request.user),
            "section": "jobs",
        },
    )


def _reserved_slugs() -> set[str]:
    """The fixed first segments of the jobs URLs ("propose", "moderation"…): an offer
    with one of them as slug would be hidden behind that route."""
    from communs.jobs.urls import urlpatterns  # the URLconf imports this module

    patterns = (str(entry.pattern) for entry in urlpatterns)
    return {pattern.split("/")[0] for pattern in patterns if "<" not in pattern} - {""}


def _unique_slug(title: str) -> str:
    base = slugify(title)[:200] or "offre"
    stem = base[:SLUG_STEM]
    taken = set(JobOffer.objects.filter(slug__startswith=stem).values_list("slug", flat=True))
    return free_slug(base, taken | _reserved_slugs())


@agent_required
def propose(request: HttpRequest) -> HttpResponse:
    form = JobOfferForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        offer = form.save(commit=False)
        offer.slug = _unique_slug(offer.title)
        offer.proposed_by = request.user
        offer.moderation = Moderation.PROPOSED
        with transaction.atomic():
            offer.save()
            form.save_skills(offer)
            record(
                request.user, "job.propose", offer, diff({}, snapshot(offer, [*AUDITED, "skills"]))
            )
        messages.success(
            request, _("Thank you: a moderator will review the offer before it is published.")
        )
        return redirect(offer.get_absolute_url())
    return render(
        request,
        "jobs/offer_form.html",
        {"form": form, "section": "jobs"},
        status=400 if request.method == "POST" else 200,
    )


@moderator_required
def moderation(request: HttpRequest) -> HttpResponse:
    proposals = (
        JobOffer.objects.filter(moderation=Moderation.PROPOSED)
        .select_related("organisation")
        .order_by("created_at", "pk")
    )
    return render(request, "jobs/moderation.html", {"proposals": proposals, "section": "jobs"})


def _moderate(request: HttpRequest, slug: str, state: str, action: str, note: str) -> HttpResponse:
    offer = get_object_or_404(JobOffer, slug=slug)
    with transaction.atomic():
        # Conditional: two moderators deciding at once record one decision.
        changed = JobOffer.objects.filter(pk=offer.pk, moderation=Moderation.PROPOSED).update(
            moderation=state,
            published_at=timezone.now() if state == Moderation.PUBLISHED else None,
        )
        if changed:
            record(
                request.user,
                action,
                offer,
                {"moderation": {"before": Moderation.PROPOSED, "after": state}},
            )
    if changed:
        messages.success(request, note)
    else:
        messages.info(request, _("This offer was already moderated."))
    return redirect("jobs:job-moderation")


@require_POST
@moderator_required
def publish(request: HttpRequest, slug: str) -> HttpResponse:
    return _moderate(
        request, slug, Moderation.PUBLISHED, "job.publish", _("The offer is published.")
    )


@require_POST
@moderator_required
def reject(request: HttpRequest, slug: str) -> HttpResponse:
    return _moderate(request, slug, Moderation.REJECTED, "job.reject", _("The offer is rejected."))
