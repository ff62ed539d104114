"""The catalogue's write side: what agents and moderators do, one view per action.

Who may do what is decided by ``communs.accounts.roles`` (docs/accounts.md):

- agents propose software (it stays ``proposed`` until a moderator publishes it),
  declare that they use it, become referents, add instances;
- moderators also publish, edit, categorise and dereference entries, edit the
  categories, and read the audit log;
- anyone signed in with a verified address may write to a software's referents.

Every change goes through ``communs.audit.log.record``, with the fields that changed,
before and after; entries about a software target the software, so its page can show
its history. Forms are validated on the server (``communs.catalogue.forms``), every
POST is CSRF-checked by Django's middleware, and a failed form is answered with 400.
"""

from __future__ import annotations

import datetime
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMessage, get_connection
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.forms.utils import ErrorDict
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from communs.accounts.models import profile_of
from communs.accounts.roles import agent_required, moderator_required
from communs.api.ratelimit import Rate, client_address, parse_rate, window
from communs.audit.log import actor_label, diff, record, snapshot
from communs.audit.models import AuditEntry
from communs.catalogue import lifecycle, logos
from communs.catalogue.forms import (
    CategoriseForm,
    CategoryForm,
    ContactForm,
    DereferenceForm,
    HandOverForm,
    InstanceForm,
    LogoForm,
    ProposeForm,
    ReferentForm,
    SoftwareEditForm,
    UsageForm,
    unique_slug,
)
from communs.catalogue.models import Category, Moderation, Referent, Software, Status, Usage
from communs.catalogue.views import can_see

EDITABLE = SoftwareEditForm.Meta.fields
USAGE_FIELDS = ["organisation", "use_case", "version", "os", "service_url"]
REFERENT_FIELDS = ["organisation", "is_expert", "use_case"]
AUDIT_PAGE_SIZE = 50


def visible_software(user: Any, slug: str) -> Software:
    """The software at ``slug``, if this person may see it (``views.can_see``)."""
    software = get_object_or_404(Software, slug=slug)
    if not can_see(user, software):
        raise Http404
    return software


def _form_page(
    request: HttpRequest,
    form: Any,
    *,
    title: str,
    software: Software | None = None,
    lead: str = "",
    submit: str = "",
    withdraw: str = "",
    status: int = 200,
    extra: dict | None = None,
) -> HttpResponse:
    if request.method == "POST" and status == 200 and form.errors:
        status = 400
    context = {
        "form": form,
        "title": title,
        "software": software,
        "lead": lead,
        "submit": submit or _("Save"),
        "withdraw": withdraw,
        **(extra or {}),
    }
    return render(request, "catalogue/actions/form.html", context, status=status)


def _posted(request: HttpRequest) -> Any:
    """The POSTed data, even empty (an empty POST is a form with errors, not a new form)."""
    return request.POST if request.method == "POST" else None


def _touch(software: Software) -> None:
    software.updated_at = timezone.now()
    software.save(update_fields=["updated_at"])


# Agents ------------------------------------------------------------------------------


@agent_required
def propose(request: HttpRequest) -> HttpResponse:
    form = ProposeForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        software = form.save(commit=False)
        software.slug = unique_slug(software.name)
        software.moderation = Moderation.PROPOSED
        software.proposed_by = request.user
        with transaction.atomic():
            software.save()
            record(
                request.user,
                "software.propose",
                software,
                diff({}, snapshot(software, ProposeForm.Meta.fields)),
            )
        messages.success(
            request, _("Thank you: a moderator will review your proposal before it is published.")
        )
        return redirect(software.get_absolute_url())
    return _form_page(
        request,
        form,
        title=_("Propose software"),
        lead=_(
            "Propose free software that your administration uses. It is published once a "
            "moderator has reviewed it; only you and the moderators see it until then."
        ),
        submit=_("Propose"),
    )


@dataclass(frozen=True)
class OwnRow:
    """What differs between declaring use and becoming referent: the row an agent
    keeps about a software (one at most), its form, and the words of each step."""

    model: type[Usage] | type[Referent]
    form: type[UsageForm] | type[ReferentForm]
    fields: list[str]
    action: str  # the audit prefix: "usage" or "referent"
    created: str  # the audit action for a new row ("declare", "join")
    withdrawn: str
    saved: str
    title: str
    lead: str
    submit_new: str
    withdraw: str
    on_create: Callable[[Any], None] = lambda item: None


def _own_row(request: HttpRequest, slug: str, kind: OwnRow) -> HttpResponse:
    """The agent's own row about a software: declared, updated, or withdrawn."""
    software = visible_software(request.user, slug)
    row = kind.model.objects.filter(software=software, agent=request.user).first()
    # Taken now: validating the form writes the posted values into the instance.
    before = snapshot(row, kind.fields) if row else {}
    if request.method == "POST" and "withdraw" in request.POST:
        if row is not None:
            with transaction.atomic():
                row.delete()
                record(request.user, f"{kind.action}.withdraw", software, diff(before, {}))
                _touch(software)
            messages.success(request, kind.withdrawn)
        return redirect(software.get_absolute_url())
    initial = {} if row else {"organisation": profile_of(request.user).organisation}
    form = kind.form(_posted(request), instance=row, initial=initial)
    if request.method == "POST" and form.is_valid():
        item = form.save(commit=False)
        item.software = software
        item.agent = request.user
        if row is None:
            kind.on_create(item)
        try:
            with transaction.atomic():
                item.save()
                record(
                    request.user,
                    f"{kind.action}.update" if row else f"{kind.action}.{kind.created}",
                    software,
                    diff(before, snapshot(item, kind.fields)),
                )
                _touch(software)
        except IntegrityError:  # the same person, twice at once
            return redirect(software.get_absolute_url())
        messages.success(request, kind.saved)
        return redirect(software.get_absolute_url())
    return _form_page(
        request,
        form,
        software=software,
        title=kind.title % {"name": software.name},
        lead=kind.lead,
        submit=_("Save") if row else kind.submit_new,
        withdraw=kind.withdraw if row else "",
    )


def _confirmed_now(referent: Referent) -> None:
    # Becoming referent counts as a confirmation: the first reminder is a year away.
    referent.created_at = referent.confirmed_at = timezone.now()


@agent_required
def declare_use(request: HttpRequest, slug: str) -> HttpResponse:
    return _own_row(
        request,
        slug,
        OwnRow(
            model=Usage,
            form=UsageForm,
            fields=USAGE_FIELDS,
            action="usage",
            created="declare",
            withdrawn=_("You no longer declare using this software."),
            saved=_("Your use of this software is recorded."),
            title=_("I use %(name)s"),
            lead=_("Tell your colleagues how your organisation uses this software."),
            submit_new=_("Declare"),
            withdraw=_("I no longer use it"),
        ),
    )


@agent_required
def become_referent(request: HttpRequest, slug: str) -> HttpResponse:
    return _own_row(
        request,
        slug,
        OwnRow(
            model=Referent,
            form=ReferentForm,
            fields=REFERENT_FIELDS,
            action="referent",
            created="join",
            withdrawn=_("You are no longer a referent of this software."),
            saved=_("You are a referent of this software: thank you."),
            title=_("Become a referent of %(name)s"),
            lead=_(
                "Referents answer their colleagues' questions. Your address is never shown: "
                "messages reach you through this site, and you are asked once a year to "
                "confirm."
            ),
            submit_new=_("Become a referent"),
            withdraw=_("Stop being a referent"),
            on_create=_confirmed_now,
        ),
    )


@agent_required
def add_instance(request: HttpRequest, slug: str) -> HttpResponse:
    software = visible_software(request.user, slug)
    initial = {"organisation": profile_of(request.user).organisation}
    form = InstanceForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        instance = form.save(commit=False)
        instance.software = software
        with transaction.atomic():
            instance.save()
            record(
                request.user,
                "instance.add",
                software,
                {"instance": {"before": None, "after": instance.name}},
            )
            _touch(software)
        messages.success(request, _("The service is added."))
        return redirect(software.get_absolute_url())
    return _form_page(
        request,
        form,
        software=software,
        title=_("Add a service running %(name)s") % {"name": software.name},
        lead=_("A service your organisation runs with this software, for others to use."),
        submit=_("Add"),
    )


@agent_required
def hand_over(request: HttpRequest, slug: str) -> HttpResponse:
    """Ask a colleague, by address, to take the referent's role over.

    The page lists nobody, and the answer is the same whether the address belongs to
    an agent, to someone else or to no account: the colleague is e-mailed a link to
    accept (``hand_over_accept``), and the referent stays until they do.
    """
    software = visible_software(request.user, slug)
    referent = Referent.objects.filter(software=software, agent=request.user).first()
    if referent is None:
        raise Http404
    form = HandOverForm(_posted(request), user=request.user)
    if request.method == "POST" and form.is_valid():
        site = request.build_absolute_uri("/")
        if lifecycle.invite_colleague(referent, form.cleaned_data["colleague"], request.user, site):
            messages.success(
                request,
                _(
                    "If this address belongs to an agent who is not already a referent of "
                    "this software, they receive an e-mail to accept. You stay the referent "
                    "until they do."
                ),
            )
            return redirect(software.get_absolute_url())
        form.add_error(
            None,
            _("You have sent several hand-over requests today: please try again tomorrow."),
        )
        return _form_page(
            request, form, software=software, status=429, title=_("Hand over to a colleague")
        )
    return _form_page(
        request,
        form,
        software=software,
        title=_("Hand over to a colleague"),
        lead=_(
            "Your colleague becomes the referent of %(name)s in your place once they accept: "
            "they receive an e-mail with a link. For everyone's privacy, this site does not "
            "say whether an address has an account."
        )
        % {"name": software.name},
        submit=_("Send the request"),
    )


def hand_over_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The link of the hand-over e-mail: a button (mail scanners follow links on their
    own), which makes the colleague the referent."""
    template = "catalogue/actions/hand_over_accept.html"
    invitation = lifecycle.hand_over_invitation(token)
    if invitation is None:
        return render(request, template, {"invalid": True}, status=404)
    referent, colleague = invitation
    if request.user.is_authenticated and request.user.pk != colleague.pk:
        # Someone else's invitation, opened in this person's session: not theirs to take.
        return render(request, template, {"invalid": True}, status=404)
    context = {"referent": referent, "software": referent.software}
    if request.method == "POST":
        try:
            # Recorded as the referent's hand-over (they asked), now that it is accepted.
            lifecycle.hand_over(
                referent, colleague, referent.agent, request.build_absolute_uri("/")
            )
        except lifecycle.HandOverRefused as refusal:
            return render(request, template, {**context, "refused": str(refusal)}, status=409)
        return render(request, template, {**context, "done": True})
    return render(request, template, context)


def may_change_logo(user: Any, software: Software) -> bool:
    """Moderators, the agent who proposed the entry, and its referents."""
    from communs.accounts.roles import is_agent, is_moderator

    if is_moderator(user):
        return True
    return is_agent(user) and (
        software.proposed_by_id == user.pk
        or Referent.objects.filter(software=software, agent=user).exists()
    )


@agent_required
def change_logo(request: HttpRequest, slug: str) -> HttpResponse:
    """Upload (or remove) an entry's logo: checked by its content, stored as a PNG."""
    software = visible_software(request.user, slug)
    if not may_change_logo(request.user, software):
        raise PermissionDenied
    if request.method == "POST" and _body_length(request) > logos.max_bytes() + 64 * 1024:
        # Refused from its declared length, without reading the file (the CSRF check may
        # have spooled it to disk already: a reverse proxy should cap request bodies).
        form = LogoForm({})
        form.cleaned_data, form._errors = {}, ErrorDict()  # an error, without validating
        form.add_error(
            None,
            _("The file is too large: %(kb)d KB at most.") % {"kb": logos.max_bytes() // 1024},
        )
        return _form_page(
            request,
            form,
            software=software,
            status=413,
            title=_("Logo of %(name)s") % {"name": software.name},
        )
    form = LogoForm(
        _posted(request),
        request.FILES if request.method == "POST" else None,
        has_logo=bool(software.logo),
    )
    if request.method == "POST" and form.is_valid():
        before = software.logo
        png = form.cleaned_data.get("logo")
        after = logos.store_logo(png) if png else ""
        if after != before:
            with transaction.atomic():
                software.logo = after
                software.updated_at = timezone.now()
                software.save(update_fields=["logo", "updated_at"])
                record(
                    request.user,
                    "software.logo",
                    software,
                    {"logo": {"before": before or None, "after": after or None}},
                )
            if before:
                logos.delete_unused(before)
        messages.success(request, _("The logo is saved.") if after else _("The logo is removed."))
        return redirect(software.get_absolute_url())
    return _form_page(
        request,
        form,
        software=software,
        title=_("Logo of %(name)s") % {"name": software.name},
        lead=_(
            "The image is checked and converted to PNG: only its pixels are kept, without "
            "its metadata."
        ),
        extra={"current_logo": software.logo},
    )


def _body_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def logo_file(request: HttpRequest, name: str) -> HttpResponse:
    """A stored logo. Always our own PNG (``logos.store_logo`` wrote it), sent as such,
    never sniffed; named by its content, so it may be cached for ever."""
    path = logos.path_of(name)
    if path is None:
        raise Http404
    response = FileResponse(path.open("rb"), content_type="image/png")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


def confirm_referent(request: HttpRequest, token: str) -> HttpResponse:
    """The link of the yearly e-mail. Following it shows a button; only pressing it
    confirms, since mail scanners follow links on their own."""
    referent = lifecycle.referent_for_token(token)
    if referent is None:
        return render(
            request, "catalogue/actions/confirm_referent.html", {"invalid": True}, status=404
        )
    if request.method == "POST":
        lifecycle.confirm(referent)
        return render(
            request, "catalogue/actions/confirm_referent.html", {"referent": referent, "done": True}
        )
    return render(request, "catalogue/actions/confirm_referent.html", {"referent": referent})


# Moderators --------------------------------------------------------------------------


@moderator_required
def moderation_queue(request: HttpRequest) -> HttpResponse:
    proposals = (
        Software.objects.filter(moderation=Moderation.PROPOSED)
        .select_related("proposed_by")
        .order_by("added_at")
    )
    return render(request, "catalogue/actions/moderation.html", {"proposals": proposals})


@require_POST
@moderator_required
def publish(request: HttpRequest, slug: str) -> HttpResponse:
    software = get_object_or_404(Software, slug=slug)
    if software.moderation != Moderation.PUBLISHED:
        with transaction.atomic():
            software.moderation = Moderation.PUBLISHED
            software.updated_at = timezone.now()
            software.save(update_fields=["moderation", "updated_at"])
            record(
                request.user,
                "software.publish",
                software,
                {"moderation": {"before": Moderation.PROPOSED, "after": Moderation.PUBLISHED}},
            )
        messages.success(request, _("%(name)s is published.") % {"name": software.name})
    if request.POST.get("next") == "queue":
        return redirect("catalogue:moderation")
    return redirect(software.get_absolute_url())


@require_POST
@moderator_required
def reject(request: HttpRequest, slug: str) -> HttpResponse:
    """Turn a proposal down: it is deleted (a published entry is dereferenced instead)."""
    software = get_object_or_404(Software, slug=slug, moderation=Moderation.PROPOSED)
    with transaction.atomic():
        # Recorded first: the entry keeps the proposal's name after the row is gone.
        record(request.user, "software.reject", software, {"name": software.name})
        software.delete()
    messages.success(request, _("The proposal %(name)s is turned down.") % {"name": software.name})
    return redirect("catalogue:moderation")


@moderator_required
def edit(request: HttpRequest, slug: str) -> HttpResponse:
    software = get_object_or_404(Software, slug=slug)
    before = snapshot(software, EDITABLE)
    form = SoftwareEditForm(_posted(request), instance=software)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            edited = form.save(commit=False)
            edited.updated_at = timezone.now()
            edited.save()
            changes = diff(before, snapshot(edited, EDITABLE))
            if changes:
                record(request.user, "software.edit", edited, changes)
        messages.success(request, _("The entry is saved."))
        return redirect(edited.get_absolute_url())
    return _form_page(
        request, form, software=software, title=_("Edit %(name)s") % {"name": software.name}
    )


@moderator_required
def categorise(request: HttpRequest, slug: str) -> HttpResponse:
    software = get_object_or_404(Software, slug=slug)
    before = snapshot(software, ["categories"])
    form = CategoriseForm(_posted(request), instance=software)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
            changes = diff(before, snapshot(software, ["categories"]))
            if changes:
                record(request.user, "software.categorise", software, changes)
                _touch(software)
        messages.success(request, _("The categories are saved."))
        return redirect(software.get_absolute_url())
    return _form_page(
        request,
        form,
        software=software,
        title=_("Categories of %(name)s") % {"name": software.name},
        extra={"categories_url": reverse("catalogue:categories")},
    )


@moderator_required
def dereference(request: HttpRequest, slug: str) -> HttpResponse:
    software = get_object_or_404(Software, slug=slug)
    fields = ["status", "dereferenced_reason", "dereferenced_on", "last_recommended_version"]
    initial = {
        "dereferenced_on": timezone.localdate(),
        "last_recommended_version": software.last_recommended_version
        or software.version_recommended,
    }
    form = DereferenceForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        before = snapshot(software, fields)
        software.status = Status.DEREFERENCED
        software.dereferenced_reason = form.cleaned_data["reason"]
        software.dereferenced_on = form.cleaned_data["dereferenced_on"]
        software.last_recommended_version = form.cleaned_data["last_recommended_version"]
        software.updated_at = timezone.now()
        with transaction.atomic():
            software.save()
            record(
                request.user,
                "software.dereference",
                software,
                diff(before, snapshot(software, fields)),
            )
        messages.success(request, _("%(name)s is dereferenced.") % {"name": software.name})
        return redirect(software.get_absolute_url())
    return _form_page(
        request,
        form,
        software=software,
        title=_("Dereference %(name)s") % {"name": software.name},
        lead=_(
            "The entry stays in the catalogue, marked as no longer recommended, with the reason."
        ),
        submit=_("Dereference"),
    )


@moderator_required
def categories(request: HttpRequest) -> HttpResponse:
    form = CategoryForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            category = form.save()
            record(
                request.user,
                "category.add",
                category,
                diff({}, snapshot(category, ["name_fr", "name_en", "slug", "parent"])),
            )
        messages.success(request, _("The category is added."))
        return redirect("catalogue:categories")
    status = 400 if form.errors else 200
    rows = Category.objects.select_related("parent").order_by("name_fr")
    return render(
        request,
        "catalogue/actions/categories.html",
        {"form": form, "categories": rows},
        status=status,
    )


@moderator_required
def category_edit(request: HttpRequest, slug: str) -> HttpResponse:
    category = get_object_or_404(Category, slug=slug)
    fields = ["name_fr", "name_en", "slug", "parent"]
    before = snapshot(category, fields)
    form = CategoryForm(_posted(request), instance=category)
    form.fields["parent"].queryset = Category.objects.exclude(pk=category.pk)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            category = form.save()
            changes = diff(before, snapshot(category, fields))
            if changes:
                record(request.user, "category.edit", category, changes)
        messages.success(request, _("The category is saved."))
        return redirect("catalogue:categories")
    return _form_page(
        request,
        form,
        title=_("Edit the category %(name)s") % {"name": category.name_fr},
        extra={"back_url": reverse("catalogue:categories")},
    )


@require_POST
@moderator_required
def category_delete(request: HttpRequest, slug: str) -> HttpResponse:
    """Remove a category: its software lose it, its children move up to its parent."""
    category = get_object_or_404(Category, slug=slug)
    with transaction.atomic():
        before = snapshot(category, ["name_fr", "name_en", "slug", "parent"])
        Category.objects.filter(parent=category).update(parent=category.parent)
        # Recorded first: the entry keeps the category's name after the row is gone.
        record(request.user, "category.delete", category, diff(before, {}))
        category.delete()
    messages.success(request, _("The category is deleted."))
    return redirect("catalogue:categories")


@moderator_required
def audit_log(request: HttpRequest) -> HttpResponse:
    entries = AuditEntry.objects.select_related("target_type").order_by("-at", "-id")
    action = request.GET.get("action", "").strip()[:64]
    if action:
        entries = entries.filter(action__startswith=action)
    page = Paginator(entries, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    actions = AuditEntry.objects.order_by("action").values_list("action", flat=True).distinct()
    return render(
        request,
        "catalogue/actions/audit_log.html",
        {"page": page, "action": action, "actions": list(actions)},
    )


# Contact the referents ---------------------------------------------------------------


def _contact_rate() -> Rate | None:
    try:
        return parse_rate(getattr(settings, "CONTACT_RATE_LIMIT", "5/hour"))
    except ValueError:
        return None


def contact_refusal(request: HttpRequest, rate: Rate | None) -> int:
    """Seconds to wait before writing again, or 0 when this message may go.

    Counted twice: per account, from the audit log (exact across server processes and
    restarts), and per client address, in the cache (so that one machine cannot
    spread its messages over many accounts).
    """
    if rate is None:
        return 0
    now = time.time()
    since = timezone.now() - datetime.timedelta(seconds=rate.period)
    sent = AuditEntry.objects.filter(
        action="contact.send", actor=request.user, at__gte=since
    ).order_by("at")
    if sent.count() >= rate.requests:
        oldest = sent.first()
        return max(1, int(rate.period - (timezone.now() - oldest.at).total_seconds()) + 1)
    address = client_address(request.META, getattr(settings, "TRUSTED_PROXY_HEADER", ""))
    number, retry_after = window(now, rate)
    client = hashlib.blake2b(address.encode(), digest_size=12).hexdigest()
    key = f"communs.contact.rate.{rate.requests}.{rate.period}.{number}.{client}"
    cache.add(key, 0, timeout=rate.period + 1)
    try:
        used = cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=rate.period + 1)
        used = 1
    return retry_after if used > rate.requests else 0


def contact_referents(request: HttpRequest, slug: str) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    sender_address = lifecycle.primary_address(request.user)
    if not request.user.is_active or not sender_address:
        # Only a verified address can be held to account for what it sends.
        raise PermissionDenied
    software = visible_software(request.user, slug)
    title = _("Contact the referents of %(name)s") % {"name": software.name}
    referents = list(
        Referent.objects.filter(software=software, lapsed=False).select_related("agent")
    )
    form = ContactForm(_posted(request))
    if not referents:
        return _form_page(
            request,
            None,
            software=software,
            status=404,
            title=title,
            lead=_("This software has no referent at the moment."),
        )
    if request.method == "POST" and form.is_valid():
        wait = contact_refusal(request, _contact_rate())
        if wait:
            form.add_error(
                None,
                _("You have sent many messages lately: please write again in %(minutes)d minutes.")
                % {"minutes": max(1, -(-wait // 60))},
            )
            response = _form_page(
                request,
                form,
                software=software,
                status=429,
                title=title,
            )
            response["Retry-After"] = str(wait)
            return response
        sent = _send_to_referents(request, software, referents, form.cleaned_data, sender_address)
        record(
            request.user,
            "contact.send",
            software,
            {"recipients": sent, "reply_to_shared": bool(form.cleaned_data["share_address"])},
        )
        messages.success(request, _("Your message is sent to the referents."))
        return redirect(software.get_absolute_url())
    return _form_page(
        request,
        form,
        software=software,
        title=title,
        lead=_(
            "Your message is e-mailed to each referent separately: no one sees the "
            "referents' addresses, nor yours unless you allow it below."
        ),
        submit=_("Send"),
    )


def _send_to_referents(
    request: HttpRequest, software: Software, referents: list[Referent], data: dict, sender: str
) -> int:
    profile = profile_of(request.user)
    context = {
        "site_name": settings.SITE_NAME,
        "software": software,
        "sender_name": actor_label(request.user),
        "sender_organisation": profile.organisation.name if profile.organisation_id else "",
        "message": data["message"],
        "share_address": data["share_address"],
        "software_url": request.build_absolute_uri(software.get_absolute_url()),
    }
    subject = f"[{settings.SITE_NAME}] {software.name}: {data['subject']}"
    body = render_to_string("catalogue/actions/email/contact.txt", context)
    reply_to = [sender] if data["share_address"] else []
    # One message per referent, each addressed to that referent only.
    mails = []
    for referent in referents:
        address = lifecycle.primary_address(referent.agent)
        if address:
            mails.append(EmailMessage(subject=subject, body=body, to=[address], reply_to=reply_to))
    if mails:
        get_connection().send_messages(mails)
    return len(mails)
