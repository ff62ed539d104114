"""E-mail alerts for the categories a person follows.

A signed-in person with a verified address follows a category (``CategoryFollow``);
``communs catalogue send-alerts`` then e-mails each follower one digest of the
published entries added or updated in the categories they follow (and in their
sub-categories) since their last digest.

Each follow remembers up to when its news was announced (``last_sent_at``). A run
fixes its clock once, then, person by person, sends the message and moves their
follows to that clock in the same transaction: a run interrupted by a failing mail
server leaves the people not yet written to as they were, and the next run sends
them their digest, while nobody already served hears of the same change twice.

Each digest carries a signed link that stops every alert of its recipient without
signing in. Following the link shows a button (a POST): link scanners of mail
gateways open links, and must not unsubscribe people. Mail clients get the true
one-click form (RFC 8058) through the ``List-Unsubscribe`` headers.

``with_descendants`` is the one decision; the rest reads and
writes rows and sends mail.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.views import redirect_to_login
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from communs.catalogue.lifecycle import primary_address
from communs.catalogue.models import Category, CategoryFollow, Software

TOKEN_SALT = "communs.catalogue.alerts-unsubscribe"  # noqa: S105 (a salt, not a secret)
DEFAULT_LANGUAGE = "fr"


# Decisions -------------------------------------------------------------------------


def with_descendants(roots: Iterable[int], parent_of: dict[int, int | None]) -> set[int]:
    """The categories ``roots`` and every category below them, from a child → parent
    map. Bounded by the map's size even if the tree had a cycle."""
    children: dict[int, list[int]] = {}
    for child, parent in parent_of.items():
        if parent is not None:
            children.setdefault(parent, []).append(child)
    found: set[int] = set()
    pending = list(roots)
    while pending:
        node = pending.pop()
        if node in found:
            continue
        found.add(node)
        pending.extend(children.get(node, ()))
    return found


# Tokens ------------------------------------------------------------------------------


def unsubscribe_token(user: Any) -> str:
    return signing.dumps({"u": user.pk}, salt=TOKEN_SALT)


def user_for_token(token: str) -> Any:
    """The person a genuine token names, or None (tampered, foreign or unknown)."""
    try:
        data = signing.loads(token, salt=TOKEN_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    return get_user_model().objects.filter(pk=data["u"]).first()


# The digest --------------------------------------------------------------------------


@dataclass
class Summary:
    sent: int = 0
    entries: int = 0
    people: int = 0


@dataclass
class Digest:
    user: Any
    address: str
    language: str
    follows: list[CategoryFollow]
    new: list[Software]
    updated: list[Software]


def digest_for(
    user: Any, follows: list[CategoryFollow], until: datetime.datetime, parent_of: dict
) -> Digest | None:
    """What ``user`` should hear about now, or None when there is nothing (or no
    verified address to write to)."""
    address = primary_address(user) if user.is_active else ""
    if not address:
        return None
    span = Q()
    for follow in follows:
        categories = with_descendants([follow.category_id], parent_of)
        since = follow.last_sent_at
        span |= Q(categories__in=categories) & (
            Q(added_at__gt=since, added_at__lte=until)
            | Q(updated_at__gt=since, updated_at__lte=until)
        )
    entries = list(Software.objects.published().filter(span).distinct().order_by("name", "pk"))
    if not entries:
        return None
    # The follow's language when the person followed, the latest one first.
    language = next(
        (
            f.language
            for f in sorted(follows, key=lambda f: f.created_at, reverse=True)
            if f.language
        ),
        "",
    )
    if language[:2] not in dict(settings.LANGUAGES):
        language = DEFAULT_LANGUAGE
    since_of = min(follow.last_sent_at for follow in follows)
    new = [entry for entry in entries if entry.added_at > since_of]
    updated = [entry for entry in entries if entry.added_at <= since_of]
    return Digest(user, address, language[:2], follows, new, updated)


def _absolute(site_url: str, path: str) -> str:
    return site_url.rstrip("/") + path if site_url else path


def message_for(digest: Digest, site_url: str) -> EmailMessage:
    """The digest as one message to its recipient alone."""
    unsubscribe_url = _absolute(
        site_url, reverse("catalogue:alerts-unsubscribe", args=[unsubscribe_token(digest.user)])
    )
    with translation.override(digest.language):
        context = {
            "site_name": settings.SITE_NAME,
            "categories": [f.category.name(digest.language) for f in digest.follows],
            "new": [(s, _absolute(site_url, s.get_absolute_url())) for s in digest.new],
            "updated": [(s, _absolute(site_url, s.get_absolute_url())) for s in digest.updated],
            "unsubscribe_url": unsubscribe_url,
            "mine_url": _absolute(site_url, reverse("catalogue:mine")),
        }
        subject = " ".join(render_to_string("catalogue/alerts/digest_subject.txt", context).split())
        body = render_to_string("catalogue/alerts/digest.txt", context)
    return EmailMessage(
        subject=subject,
        body=body,
        to=[digest.address],
        headers={
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )


def _batches(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def send_alerts(
    now: datetime.datetime | None = None, site_url: str | None = None, batch_size: int = 100
) -> Summary:
    """Send each follower their digest once; safe to run again or after a crash."""
    until = now or timezone.now()
    site_url = settings.SITE_URL if site_url is None else site_url
    summary = Summary()
    parent_of = dict(Category.objects.values_list("pk", "parent_id"))
    follower_ids = (
        CategoryFollow.objects.filter(last_sent_at__lt=until)
        .order_by("user_id")
        .values_list("user_id", flat=True)
        .distinct()
    )
    users = get_user_model().objects
    for batch in _batches(list(follower_ids), max(1, batch_size)):
        follows_of: dict[int, list[CategoryFollow]] = {}
        for follow in CategoryFollow.objects.filter(user_id__in=batch).select_related("category"):
            follows_of.setdefault(follow.user_id, []).append(follow)
        connection = get_connection()
        with connection:
            for user in users.filter(pk__in=batch).order_by("pk"):
                summary.people += 1
                follows = follows_of.get(user.pk, [])
                digest = digest_for(user, follows, until, parent_of) if follows else None
                with transaction.atomic():
                    # Moved with the message: if sending fails, the change is undone
                    # and the next run sends this digest again.
                    CategoryFollow.objects.filter(pk__in=[f.pk for f in follows]).update(
                        last_sent_at=until
                    )
                    if digest is not None:
                        message = message_for(digest, site_url)
                        message.connection = connection
                        message.send()
                        summary.sent += 1
                        summary.entries += len(digest.new) + len(digest.updated)
    return summary


def run_send(options: dict, stdout: Any) -> Summary:
    summary = send_alerts(site_url=options.get("site_url"), batch_size=options["batch_size"])
    stdout.write(
        _("Alerts sent: %(sent)d, announcing %(entries)d entries; followers read: %(people)d")
        % {"sent": summary.sent, "entries": summary.entries, "people": summary.people}
    )
    return summary


def add_send_arguments(parser: Any) -> None:
    parser.add_argument(
        "--batch-size",
        type=int,
        default=100,
        help=_("how many followers to read and write to at a time (default: 100)"),
    )
    parser.add_argument(
        "--site-url",
        default=None,
        help=_("the site's address for links in the e-mails (default: COMMUNS_SITE_URL)"),
    )


# Views -------------------------------------------------------------------------------


def may_follow(user: Any) -> bool:
    """Signed in, active, with a verified address to write to."""
    return bool(user.is_authenticated and user.is_active and primary_address(user))


def _back(request: HttpRequest, category: Category) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(category.get_absolute_url())


def _follow_view(request: HttpRequest, slug: str, follow: bool) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.POST.get("next") or request.get_full_path())
    if not may_follow(request.user):
        raise PermissionDenied
    category = get_object_or_404(Category, slug=slug)
    name = category.name()
    if follow:
        language = (getattr(request, "LANGUAGE_CODE", "") or "")[:8]
        _follow, created = CategoryFollow.objects.get_or_create(
            user=request.user, category=category, defaults={"language": language}
        )
        if not created and language and _follow.language != language:
            _follow.language = language
            _follow.save(update_fields=["language"])
        messages.success(
            request,
            _("You will receive e-mail alerts about %(category)s.") % {"category": name},
        )
    else:
        CategoryFollow.objects.filter(user=request.user, category=category).delete()
        messages.success(
            request,
            _("You will no longer receive e-mail alerts about %(category)s.") % {"category": name},
        )
    return _back(request, category)


@require_POST
def follow_category(request: HttpRequest, slug: str) -> HttpResponse:
    return _follow_view(request, slug, follow=True)


@require_POST
def unfollow_category(request: HttpRequest, slug: str) -> HttpResponse:
    return _follow_view(request, slug, follow=False)


# The token is the authority here, not a session: mail clients post the one-click
# unsubscription (RFC 8058) without any cookie or CSRF token.
@csrf_exempt
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    user = user_for_token(token)
    if user is None:
        return render(request, "catalogue/alerts/unsubscribe.html", {"invalid": True}, status=404)
    if request.method == "POST":
        CategoryFollow.objects.filter(user=user).delete()
        return render(request, "catalogue/alerts/unsubscribe.html", {"done": True})
    count = CategoryFollow.objects.filter(user=user).count()
    return render(request, "catalogue/alerts/unsubscribe.html", {"count": count})


def followed_categories(user: Any) -> list[Category]:
    if not getattr(user, "is_authenticated", False):
        return []
    return [
        follow.category
        for follow in CategoryFollow.objects.filter(user=user).select_related("category")
    ]


__all__ = [
    "Digest",
    "Summary",
    "add_send_arguments",
    "digest_for",
    "follow_category",
    "followed_categories",
    "may_follow",
    "message_for",
    "run_send",
    "send_alerts",
    "unfollow_category",
    "unsubscribe",
    "unsubscribe_token",
    "user_for_token",
    "with_descendants",
]
