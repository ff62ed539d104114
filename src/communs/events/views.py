"""Event pages, calendars and registration.

- ``/events/``: upcoming events (soonest first) and past ones (latest first, paged),
  optionally of one kind (``?kind=webinar``);
- ``/events/<slug>/``: an event, its recordings and slides, and for an agent the
  registration box;
- ``/events/<slug>/register/`` and ``…/cancel/`` (POST, agents);
- ``/events/calendar.ics`` and ``/events/<slug>/event.ics``: iCalendar;
- ``/events/feed.atom``: Atom (``feeds.py``).

Who registered is never shown: a page says how many seats are taken and, to the person
signed in, where they stand.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from communs.accounts.roles import agent_required, is_agent
from communs.events import ical, registration
from communs.events.models import Event, Kind, Registration

PAST_PAGE_SIZE = 20
CALENDAR_SIZE = 500


def event_list(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", "")
    if kind and kind not in Kind.values:
        return render(
            request,
            "events/event_list.html",
            {"error": _("Unknown kind of event."), "kinds": Kind.choices, "section": "events"},
            status=400,
        )
    events = Event.objects.all()
    if kind:
        events = events.filter(kind=kind)
    upcoming = events.upcoming().order_by("starts_at", "pk")
    past = Paginator(events.past().order_by("-starts_at", "-pk"), PAST_PAGE_SIZE)
    page = past.get_page(request.GET.get("page"))
    return render(
        request,
        "events/event_list.html",
        {
            "upcoming": upcoming,
            "page": page,
            "kind": kind,
            "kinds": Kind.choices,
            "section": "events",
        },
    )


def event_detail(request: HttpRequest, slug: str) -> HttpResponse:
    event = get_object_or_404(Event, slug=slug)
    mine = None
    queue_place = None
    if request.user.is_authenticated:
        mine = (
            Registration.objects.filter(event=event, user=request.user)
            .exclude(status=Registration.Status.CANCELLED)
            .first()
        )
        if mine is not None and mine.status == Registration.Status.WAITING:
            queue_place = registration.place_in_queue(mine)
    counts = registration.counts(event)
    context = {
        "event": event,
        "start": event.local_start(),
        "end": event.local_end(),
        "mine": mine,
        "queue_place": queue_place,
        "counts": counts,
        "seats_left": (
            None if event.capacity is None else max(0, event.capacity - counts["confirmed"])
        ),
        "may_register": is_agent(request.user),
        "accepts": event.accepts_registrations(),
        "section": "events",
    }
    return render(request, "events/event_detail.html", context)


@require_POST
@agent_required
def register(request: HttpRequest, slug: str) -> HttpResponse:
    event = get_object_or_404(Event, slug=slug)
    try:
        row = registration.register(event, request.user)
    except registration.RegistrationClosed:
        return HttpResponseBadRequest(_("This event takes no registrations."))
    if row.status == Registration.Status.CONFIRMED:
        messages.success(request, _("You are registered."))
    else:
        messages.info(
            request,
            _(
                "The event is full: you are on the waiting list and will be told by e-mail "
                "if a seat is freed."
            ),
        )
    return redirect(event.get_absolute_url())


@require_POST
@agent_required
def cancel(request: HttpRequest, slug: str) -> HttpResponse:
    event = get_object_or_404(Event, slug=slug)
    registration.cancel(event, request.user)
    messages.success(request, _("Your registration is cancelled."))
    return redirect(event.get_absolute_url())


def _calendar_response(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def calendar(request: HttpRequest) -> HttpResponse:
    """Every event, the latest first, up to :data:`CALENDAR_SIZE`."""
    events = Event.objects.order_by("-starts_at", "pk")[:CALENDAR_SIZE]
    name = _("Events of %(site)s") % {"site": settings.SITE_NAME}
    return _calendar_response(ical.calendar_for(events, settings.SITE_URL, name), "events.ics")


def event_calendar(request: HttpRequest, slug: str) -> HttpResponse:
    event = get_object_or_404(Event, slug=slug)
    body = ical.calendar_for([event], settings.SITE_URL, event.title)
    return _calendar_response(body, f"{event.slug}.ics")
