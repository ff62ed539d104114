"""Sending an issue to the confirmed subscribers, in batches, resumable.

``communs newsletters send ISSUE`` first *plans* the issue: one ``Delivery`` row per
confirmed subscriber who has none for it (``bulk_create`` ignoring conflicts, so
planning twice adds nobody twice). Then it works through the rows not yet sent, a batch
at a time over one mail connection. Each row is claimed by a conditional update
(``sent_at`` still empty) inside the transaction that hands its message to the mail
backend: if the backend raises, the claim is rolled back and the row stays to send;
if it returns, the row is committed as sent. A run interrupted anywhere (an exception,
SIGTERM, a dead mail server) is resumed by running the command again, which sends only
the rows still unsent. Two runs at once cannot both claim a row: on PostgreSQL the
second waits on the row lock and then finds it sent; SQLite serialises the transactions.

The one case this cannot cover is a process killed between the mail server accepting
a message and the commit of its row (a few milliseconds): that person would get the
message again on resume. Marking before sending would lose the message instead; a
duplicate is the lesser harm.

Addresses confirmed after the planning are added by the next run, since it plans again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from communs.markup import render_markdown
from communs.newsletters.models import Delivery, Issue, Subscriber
from communs.newsletters.subscription import absolute, unsubscribe_token

DEFAULT_BATCH = 100


@dataclass
class SendReport:
    planned: int = 0
    sent: int = 0
    already_sent: int = 0


def plan(issue: Issue) -> int:
    """Add a delivery row for each confirmed subscriber without one; how many added."""
    before = Delivery.objects.filter(issue=issue).count()
    subscribers = Subscriber.objects.filter(confirmed_at__isnull=False).exclude(
        deliveries__issue=issue
    )
    Delivery.objects.bulk_create(
        [Delivery(issue=issue, subscriber=s) for s in subscribers.only("pk")],
        ignore_conflicts=True,
        batch_size=1000,
    )
    return Delivery.objects.filter(issue=issue).count() - before


def message_for(issue: Issue, subscriber: Subscriber, site_url: str | None = None) -> Any:
    unsubscribe_url = absolute(
        reverse("newsletters:newsletter-unsubscribe", args=[unsubscribe_token(subscriber)]),
        site_url,
    )
    with translation.override(subscriber.language or settings.LANGUAGE_CODE):
        context = {
            "issue": issue,
            "body_html": render_markdown(issue.body),
            "url": absolute(issue.get_absolute_url(), site_url),
            "unsubscribe_url": unsubscribe_url,
            "site_name": settings.SITE_NAME,
        }
        text = render_to_string("newsletters/email/issue.txt", context)
        html = render_to_string("newsletters/email/issue.html", context)
    message = EmailMultiAlternatives(
        subject=issue.title,
        body=text,
        to=[subscriber.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "List-Id": f"{settings.SITE_NAME} <newsletter.{_host(site_url)}>",
        },
    )
    message.attach_alternative(html, "text/html")
    return message


def _host(site_url: str | None) -> str:
    from urllib.parse import urlsplit

    return urlsplit(site_url or settings.SITE_URL).hostname or "localhost"


def send_issue(
    issue: Issue,
    batch_size: int = DEFAULT_BATCH,
    site_url: str | None = None,
    on_sent: Callable[[Delivery], None] | None = None,
) -> SendReport:
    """Plan, then send every unsent delivery of ``issue`` (see the module doc)."""
    report = SendReport(planned=plan(issue))
    report.already_sent = Delivery.objects.filter(issue=issue, sent_at__isnull=False).count()
    batch_size = max(1, batch_size)
    last_pk = 0
    while True:
        batch = list(
            Delivery.objects.filter(issue=issue, sent_at=None, pk__gt=last_pk)
            .select_related("subscriber")
            .order_by("pk")[:batch_size]
        )
        if not batch:
            break
        last_pk = batch[-1].pk
        connection = get_connection()
        with connection:
            for delivery in batch:
                with transaction.atomic():
                    claimed = Delivery.objects.filter(pk=delivery.pk, sent_at=None).update(
                        sent_at=timezone.now()
                    )
                    if not claimed:
                        continue  # another run sent it, or the person left
                    message = message_for(issue, delivery.subscriber, site_url)
                    message.connection = connection
                    message.send()
                report.sent += 1
                if on_sent is not None:
                    on_sent(delivery)
    return report


def find_issue(key: str) -> Issue | None:
    """An issue by slug, or by number (``12``)."""
    found = Issue.objects.filter(slug=key).first()
    if found is None and key.isdigit():
        found = Issue.objects.filter(number=int(key)).order_by("-published_on").first()
    return found
