"""What the newsletters hold about a person with an account: the subscriptions of
their addresses. Subscribers are addresses, not accounts, so they are found by the
account's addresses, and deleted with the account."""

from __future__ import annotations

from typing import Any

from communs.accounts.personal_data import iso
from communs.newsletters.models import Subscriber


def _addresses(user: Any) -> set[str]:
    from allauth.account.models import EmailAddress

    found = {
        a.lower() for a in EmailAddress.objects.filter(user=user).values_list("email", flat=True)
    }
    if user.email:
        found.add(user.email.lower())
    return found


def export_subscriptions(user: Any) -> list[dict[str, Any]]:
    return [
        {
            "email": row.email,
            "subscribed_at": iso(row.created_at),
            "confirmed_at": iso(row.confirmed_at),
            "issues_received": row.deliveries.filter(sent_at__isnull=False).count(),
        }
        for row in Subscriber.objects.filter(email__in=_addresses(user)).order_by("pk")
    ]


def erase_subscriptions(user: Any) -> None:
    Subscriber.objects.filter(email__in=_addresses(user)).delete()
