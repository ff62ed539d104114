"""Double opt-in and one-click unsubscription; no address on any page."""

from __future__ import annotations

import base64
import re
import zlib

from django.core import mail, signing
from django.urls import reverse

from communs.newsletters import subscription
from communs.newsletters.models import Subscriber
from communs.newsletters.sending import message_for

ADDRESS = "Jeanne.Martin@Example.org"


def words(response) -> str:
    """The page without its per-request CSRF tokens."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())


def link_in(body: str) -> str:
    return re.search(r"https?://\S+", body).group(0)


def path_of(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def test_subscribing_needs_the_confirmation_link_and_its_button(client, db) -> None:
    response = client.post(reverse("newsletters:newsletter-subscribe"), {"email": ADDRESS})
    assert response.status_code == 200
    assert ADDRESS.lower() not in response.content.decode().lower()
    subscriber = Subscriber.objects.get()
    assert subscriber.email == ADDRESS.lower() and not subscriber.is_confirmed
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [ADDRESS.lower()]

    confirm_path = path_of(link_in(mail.outbox[0].body))
    # Opening the link (a mail scanner does) confirms nothing.
    page = client.get(confirm_path)
    assert page.status_code == 200 and b'<form method="post"' in page.content
    assert not Subscriber.objects.get().is_confirmed
    assert client.post(confirm_path).status_code == 200
    assert Subscriber.objects.get().is_confirmed


def test_the_answer_is_the_same_for_a_known_address_and_no_second_mail(client, db) -> None:
    first = client.post(reverse("newsletters:newsletter-subscribe"), {"email": ADDRESS})
    again = client.post(reverse("newsletters:newsletter-subscribe"), {"email": ADDRESS.upper()})
    assert words(first) == words(again)
    assert Subscriber.objects.count() == 1
    assert len(mail.outbox) == 1  # no flood: one message per quarter of an hour
    Subscriber.objects.update(confirmed_at="2026-01-01T00:00:00Z")
    confirmed = client.post(reverse("newsletters:newsletter-subscribe"), {"email": ADDRESS})
    assert words(confirmed) == words(first) and len(mail.outbox) == 1


def test_a_bad_address_is_a_form_error(client, db) -> None:
    for data in ({"email": "pas une adresse"}, {}, {"email": "x" * 300 + "@example.org"}):
        response = client.post(reverse("newsletters:newsletter-subscribe"), data)
        assert response.status_code == 400
    assert Subscriber.objects.count() == 0


def test_a_tampered_expired_or_foreign_token_confirms_nothing(client, db) -> None:
    subscriber = Subscriber.objects.create(email="a@example.org")
    token = subscription.confirm_token(subscriber)
    assert client.post(f"/newsletters/confirm/{token}x/").status_code == 404
    other = subscription.unsubscribe_token(subscriber)  # the wrong salt
    assert client.post(f"/newsletters/confirm/{other}/").status_code == 404
    assert subscription.subscriber_for(token, subscription.CONFIRM_SALT, max_age=-1) is None
    assert not Subscriber.objects.get().is_confirmed


def test_unsubscribing_in_one_click_deletes_the_address(client, issue, db) -> None:
    subscriber = Subscriber.objects.create(
        email="a@example.org", confirmed_at="2026-01-01T00:00:00Z"
    )
    message = message_for(issue, subscriber, "https://communs.example")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = message.extra_headers["List-Unsubscribe"].strip("<>")
    assert url.startswith("https://communs.example/newsletters/unsubscribe/")
    path = path_of(url)
    # A person opening the link gets a button; nothing happens yet.
    page = client.get(path)
    assert page.status_code == 200 and b"a@example.org" not in page.content
    assert Subscriber.objects.exists()
    # The mail client's one-click POST: no cookie, no CSRF token.
    strict = client.__class__(enforce_csrf_checks=True)
    response = strict.post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert not Subscriber.objects.exists()
    # Again, or a stale link: the same end, and GET says the link is spent.
    assert strict.post(path).status_code == 200
    assert client.get(path).status_code == 404


def test_unsubscribe_tokens_do_not_outlive_a_new_subscription(client, db) -> None:
    old = Subscriber.objects.create(email="a@example.org")
    token = subscription.unsubscribe_token(old)
    old.delete()
    Subscriber.objects.create(email="a@example.org")
    client.post(f"/newsletters/unsubscribe/{token}/")
    assert Subscriber.objects.count() == 1


def test_one_client_cannot_subscribe_strangers_in_bulk(client, db) -> None:
    from communs.newsletters.views import SUBSCRIBE_RATE

    url = reverse("newsletters:newsletter-subscribe")
    for n in range(SUBSCRIBE_RATE.requests):
        assert client.post(url, {"email": f"victim{n}@example.org"}).status_code == 200
    refused = client.post(url, {"email": "one.more@example.org"})
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert not Subscriber.objects.filter(email="one.more@example.org").exists()
    assert len(mail.outbox) == SUBSCRIBE_RATE.requests
    other = client.post(url, {"email": "x@example.org"}, REMOTE_ADDR="192.0.2.9")
    assert other.status_code == 200


def test_a_token_does_not_carry_the_address(db) -> None:
    subscriber = Subscriber.objects.create(email="jean.dupont@example.org")
    for token in [
        subscription.confirm_token(subscriber),
        subscription.unsubscribe_token(subscriber),
    ]:
        payload = token.split(":")[0]
        decoded = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        if token.startswith("."):  # compressed payloads start with a dot
            decoded = zlib.decompress(base64.urlsafe_b64decode(payload[1:] + "=" * 4))
        assert b"jean" not in decoded and b"example" not in decoded
    # The token is still tied to the address: the same row with another address refuses it.
    token = subscription.unsubscribe_token(subscriber)
    assert subscription.subscriber_for(token, subscription.UNSUBSCRIBE_SALT) == subscriber
    Subscriber.objects.filter(pk=subscriber.pk).update(email="autre@example.org")
    assert subscription.subscriber_for(token, subscription.UNSUBSCRIBE_SALT) is None


def test_a_link_sent_before_the_change_still_unsubscribes(client, db) -> None:
    subscriber = Subscriber.objects.create(email="a@example.org")
    old = signing.dumps(
        {"s": subscriber.pk, "a": "a@example.org"}, salt=subscription.UNSUBSCRIBE_SALT
    )
    assert client.post(f"/newsletters/unsubscribe/{old}/").status_code == 200
    assert not Subscriber.objects.exists()
