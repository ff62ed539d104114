"""Subscribing with a double opt-in, and unsubscribing in one click.

- Subscribing stores a *pending* address and e-mails it a signed link
  (``confirm_token``, valid :data:`CONFIRM_MAX_AGE`); the page the link opens has a
  button, since mail scanners open links by themselves and must not subscribe anyone.
  The answer to the form is the same whether the address was new, pending or already
  confirmed: the form tells nobody who is subscribed.
- Every issue carries a signed unsubscribe link (``unsubscribe_token``, no expiry) in
  its body and in ``List-Unsubscribe`` with ``List-Unsubscribe-Post`` (RFC 8058):
  mail clients POST to it without cookies; a person opening it gets a page with a
  button. Unsubscribing deletes the address.

Tokens name the subscriber's row and a keyed hash of its address, never the address
(a signed value is only base64-encoded: anyone holding the link could read it): a token
stops working once the row is deleted, and a new subscription of the same address needs
a new confirmation.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac

from communs.newsletters.models import Subscriber

CONFIRM_SALT = "communs.newsletters.confirm"
UNSUBSCRIBE_SALT = "communs.newsletters.unsubscribe"
CONFIRM_MAX_AGE = datetime.timedelta(days=7)
# A pending address gets at most one confirmation e-mail in this time: the form cannot
# be used to flood someone's mailbox.
RESEND_AFTER = datetime.timedelta(minutes=15)


def _address_mark(address: str, salt: str) -> str:
    # Keyed with the secret: a plain hash would let anyone holding a link test guesses.
    return salted_hmac(salt + ".address", address).hexdigest()[:20]


def _token(subscriber: Subscriber, salt: str) -> str:
    # signing.dumps only base64-encodes its payload: the address itself must not be in it.
    return signing.dumps(
        {"s": subscriber.pk, "h": _address_mark(subscriber.email, salt)}, salt=salt
    )


def confirm_token(subscriber: Subscriber) -> str:
    return _token(subscriber, CONFIRM_SALT)


def unsubscribe_token(subscriber: Subscriber) -> str:
    return _token(subscriber, UNSUBSCRIBE_SALT)


def subscriber_for(token: str, salt: str, max_age: datetime.timedelta | None = None) -> Any:
    """The subscriber a genuine token names, or None (tampered, expired, gone)."""
    try:
        data = signing.loads(token, salt=salt, max_age=max_age)
    except signing.BadSignature:  # SignatureExpired is one too
        return None
    if not isinstance(data, dict) or not isinstance(data.get("s"), int):
        return None
    subscriber = Subscriber.objects.filter(pk=data["s"]).first()
    if subscriber is None:
        return None
    if "a" in data:  # a link sent before tokens stopped carrying the address
        return subscriber if data["a"] == subscriber.email else None
    mark = data.get("h")
    if isinstance(mark, str) and constant_time_compare(mark, _address_mark(subscriber.email, salt)):
        return subscriber
    return None


def absolute(path: str, site_url: str | None = None) -> str:
    return (settings.SITE_URL if site_url is None else site_url).rstrip("/") + path


def subscribe(address: str, language: str = "") -> bool:
    """Record ``address`` as pending and send it the confirmation link; True when a
    message was sent. Already confirmed: nothing happens."""
    address = address.strip().lower()
    now = timezone.now()
    try:
        with transaction.atomic():
            subscriber, _created = Subscriber.objects.get_or_create(
                email=address, defaults={"language": language[:8]}
            )
    except IntegrityError:  # the same address, twice at once
        subscriber = Subscriber.objects.get(email=address)
    if subscriber.is_confirmed:
        return False
    # Claimed by a conditional update: two quick submissions send one message.
    claimed = (
        Subscriber.objects.filter(pk=subscriber.pk, confirmed_at=None)
        .filter(Q(confirmation_sent_at=None) | Q(confirmation_sent_at__lt=now - RESEND_AFTER))
        .update(confirmation_sent_at=now)
    )
    if not claimed:
        return False
    link = absolute(reverse("newsletters:newsletter-confirm", args=[confirm_token(subscriber)]))
    with translation.override(subscriber.language or settings.LANGUAGE_CODE):
        context = {"link": link, "site_name": settings.SITE_NAME, "days": CONFIRM_MAX_AGE.days}
        subject = " ".join(
            render_to_string("newsletters/email/confirm_subject.txt", context).split()
        )
        body = render_to_string("newsletters/email/confirm.txt", context)
    EmailMessage(subject=subject, body=body, to=[subscriber.email]).send()
    return True


def confirm(subscriber: Subscriber) -> None:
    Subscriber.objects.filter(pk=subscriber.pk, confirmed_at=None).update(
        confirmed_at=timezone.now()
    )


def unsubscribe(subscriber: Subscriber) -> None:
    Subscriber.objects.filter(pk=subscriber.pk).delete()
