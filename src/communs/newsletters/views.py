"""Newsletter pages: the archive, an issue, subscribing, confirming, unsubscribing.

No page shows a subscriber's address, not even to its owner: the confirmation and
unsubscribe pages say what will happen, not to whom.
"""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.csrf import csrf_exempt

from communs.api.ratelimit import Rate, client_address, window
from communs.newsletters import subscription
from communs.newsletters.forms import SubscribeForm
from communs.newsletters.models import Issue

PAGE_SIZE = 30
# Each subscription sends a message to an address someone typed: one machine may ask
# for this many an hour, so that the form cannot be used to mail strangers in bulk.
SUBSCRIBE_RATE = Rate(requests=10, period=3600, period_name="hour")


def subscribe_refusal(request: HttpRequest) -> int:
    """Seconds to wait before subscribing again from this client, or 0."""
    address = client_address(request.META, getattr(settings, "TRUSTED_PROXY_HEADER", ""))
    number, retry_after = window(time.time(), SUBSCRIBE_RATE)
    client = hashlib.blake2b(address.encode(), digest_size=12).hexdigest()
    key = f"communs.newsletters.subscribe.{number}.{client}"
    cache.add(key, 0, timeout=SUBSCRIBE_RATE.period + 1)
    try:
        used = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=SUBSCRIBE_RATE.period + 1)
        used = 1
    return retry_after if used > SUBSCRIBE_RATE.requests else 0


def issue_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(Issue.objects.all(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "newsletters/issue_list.html",
        {"page": page, "form": SubscribeForm(), "section": "newsletters"},
    )


def issue_detail(request: HttpRequest, slug: str) -> HttpResponse:
    issue = get_object_or_404(Issue, slug=slug)
    newer = (
        Issue.objects.filter(published_on__gt=issue.published_on).order_by("published_on").first()
    )
    older = (
        Issue.objects.filter(published_on__lt=issue.published_on).order_by("-published_on").first()
    )
    return render(
        request,
        "newsletters/issue_detail.html",
        {"issue": issue, "newer": newer, "older": older, "section": "newsletters"},
    )


def subscribe(request: HttpRequest) -> HttpResponse:
    form = SubscribeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        wait = subscribe_refusal(request)
        if wait:
            response = render(
                request, "newsletters/subscribe.html", {"form": form, "limited": True}, status=429
            )
            response["Retry-After"] = str(wait)
            return response
        language = (getattr(request, "LANGUAGE_CODE", "") or "")[:8]
        subscription.subscribe(form.cleaned_data["email"], language)
        # The same answer whatever the address's state: nobody learns who subscribed.
        return render(request, "newsletters/subscribe.html", {"done": True})
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "newsletters/subscribe.html",
        {"form": form, "section": "newsletters"},
        status=status,
    )


def confirm(request: HttpRequest, token: str) -> HttpResponse:
    subscriber = subscription.subscriber_for(
        token, subscription.CONFIRM_SALT, subscription.CONFIRM_MAX_AGE
    )
    if subscriber is None:
        return render(request, "newsletters/confirm.html", {"invalid": True}, status=404)
    if request.method == "POST":
        subscription.confirm(subscriber)
        return render(request, "newsletters/confirm.html", {"done": True})
    return render(
        request, "newsletters/confirm.html", {"already": subscriber.is_confirmed, "token": token}
    )


# The token is the authority, not a session: mail clients post the one-click
# unsubscription (RFC 8058) without any cookie or CSRF token.
@csrf_exempt
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    subscriber = subscription.subscriber_for(token, subscription.UNSUBSCRIBE_SALT)
    if request.method == "POST":
        if subscriber is not None:
            subscription.unsubscribe(subscriber)
        # Unsubscribing twice (or a stale link) ends in the same place.
        return render(request, "newsletters/unsubscribe.html", {"done": True})
    if subscriber is None:
        return render(request, "newsletters/unsubscribe.html", {"invalid": True}, status=404)
    return render(request, "newsletters/unsubscribe.html", {"token": token})
