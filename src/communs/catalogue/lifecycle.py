"""The referent lifecycle: a yearly confirmation, hand-over to a colleague, lapse.

Every ``REFERENT_CONFIRM_EVERY_DAYS`` (a year) after a referent last confirmed (or
became referent), ``communs catalogue remind-referents`` e-mails them a signed link;
following it and pressing the button sets ``confirmed_at``. A referent who has not confirmed
``REFERENT_LAPSE_AFTER_DAYS`` after the reminder is flagged ``lapsed``: kept, with its
history, but no longer counted or contacted. Confirming later lifts the flag.

Reminders are not a column of ``Referent``: each one is an audit entry
(``referent.remind``), so the log is the one record of what was sent and when, and
the last reminder of each referent is read from it in one query.

``next_step`` is the pure decision; the rest sends mail and writes rows.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from communs.accounts.models import profile_of
from communs.accounts.roles import is_agent
from communs.audit.log import actor_label, diff, record
from communs.audit.models import AuditEntry
from communs.catalogue.models import Referent

REMIND = "remind"
LAPSE = "lapse"
TOKEN_SALT = "communs.catalogue.referent-confirm"  # noqa: S105 (a salt, not a secret)


def next_step(
    now: datetime.datetime,
    since: datetime.datetime,
    last_reminder: datetime.datetime | None,
    lapsed: bool,
    every: datetime.timedelta,
    lapse_after: datetime.timedelta,
) -> str | None:
    """What is due for one referent: ``REMIND``, ``LAPSE`` or nothing.

    ``since`` is when they last confirmed (or became referent). A reminder sent after
    that is pending: the referent lapses once it is ``lapse_after`` old. Otherwise a
    reminder is due once ``since`` is ``every`` old. A lapsed referent is left alone.
    """
    if lapsed:
        return None
    if last_reminder is not None and last_reminder >= since:
        return LAPSE if now - last_reminder >= lapse_after else None
    if now - since >= every:
        return REMIND
    return None


@dataclass
class Summary:
    reminded: int = 0
    lapsed: int = 0


def _every() -> datetime.timedelta:
    return datetime.timedelta(days=settings.REFERENT_CONFIRM_EVERY_DAYS)


def _lapse_after() -> datetime.timedelta:
    return datetime.timedelta(days=settings.REFERENT_LAPSE_AFTER_DAYS)


def confirmation_token(referent: Referent) -> str:
    """A signed token naming the referent and its agent: after a hand-over, the
    previous agent's link no longer confirms anything."""
    return signing.dumps({"r": referent.pk, "a": referent.agent_id}, salt=TOKEN_SALT)


def referent_for_token(token: str) -> Referent | None:
    """The referent a token names, when it is genuine, recent enough, and still theirs."""
    # The link must outlive the lapse, so that a late confirmation lifts the flag.
    max_age = _every() + _lapse_after()
    try:
        data = signing.loads(token, salt=TOKEN_SALT, max_age=max_age)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    return (
        Referent.objects.select_related("software", "agent")
        .filter(pk=data.get("r"), agent_id=data.get("a"))
        .first()
    )


def confirm(referent: Referent, actor: Any = None, now: datetime.datetime | None = None) -> None:
    """The referent is still there: ``confirmed_at`` is now, and any lapse is lifted."""
    before = {"confirmed_at": referent.confirmed_at, "lapsed": referent.lapsed}
    referent.confirmed_at = now or timezone.now()
    referent.lapsed = False
    referent.save(update_fields=["confirmed_at", "lapsed"])
    after = {"confirmed_at": referent.confirmed_at, "lapsed": False}
    record(
        actor if actor is not None else referent.agent,
        "referent.confirm",
        referent,
        diff(before, after),
    )


class HandOverRefused(Exception):
    """Why a hand-over cannot be made, in the reader's language."""


HAND_OVER_SALT = "communs.catalogue.hand-over"  # noqa: S105 (a salt, not a secret)
# How long a colleague has to accept a hand-over, and how many invitations a referent
# may send a day (each is an e-mail to an address the referent typed).
HAND_OVER_MAX_AGE = datetime.timedelta(days=14)
HAND_OVER_INVITATIONS_PER_DAY = 5


def invite_colleague(referent: Referent, address: str, actor: Any, site_url: str = "") -> bool:
    """Ask the owner of ``address`` to take ``referent``'s role over, by e-mail.

    The referent learns nothing from it: whatever the address (an agent's, a visitor's,
    nobody's), the caller answers the same, and the invitation is recorded the same way
    (without the address). Only an agent who is not already a referent of the software
    is written to; they accept with the signed link (:func:`hand_over_invitation`).
    Returns False when the referent has sent too many invitations today (the one
    refusal that depends on the referent alone).
    """
    since = timezone.now() - datetime.timedelta(days=1)
    sent = AuditEntry.objects.filter(
        action="referent.hand_over_invite",
        target_type=ContentType.objects.get_for_model(Referent),
        target_id=str(referent.pk),
        at__gte=since,
    ).count()
    if sent >= HAND_OVER_INVITATIONS_PER_DAY:
        return False
    record(actor, "referent.hand_over_invite", referent, {})
    colleague = find_agent_by_address(address)
    if (
        colleague is None
        or not is_agent(colleague)
        or colleague.pk == referent.agent_id
        or Referent.objects.filter(software=referent.software_id, agent=colleague).exists()
    ):
        return True
    path = reverse("catalogue:hand-over-accept", args=[hand_over_token(referent, colleague)])
    # To the verified address as the colleague registered it, not as it was typed.
    stored = colleague.emailaddress_set.filter(email__iexact=address.strip(), verified=True)
    _send(
        [stored.values_list("email", flat=True).first() or address.strip()],
        "catalogue/actions/email/hand_over_invite_subject.txt",
        "catalogue/actions/email/hand_over_invite.txt",
        {
            "software": referent.software,
            "previous": actor_label(referent.agent),
            "accept_url": _absolute(site_url, path),
            "software_url": _absolute(site_url, referent.software.get_absolute_url()),
            "days": HAND_OVER_MAX_AGE.days,
        },
    )
    return True


def hand_over_token(referent: Referent, colleague: Any) -> str:
    """A signed token naming the referent row, its agent now and the colleague: it stops
    working once the row changes hands, or after ``HAND_OVER_MAX_AGE``."""
    data = {"r": referent.pk, "a": referent.agent_id, "c": colleague.pk}
    return signing.dumps(data, salt=HAND_OVER_SALT)


def hand_over_invitation(token: str) -> tuple[Referent, Any] | None:
    """The referent row and the colleague a hand-over token names, while it holds."""
    from django.contrib.auth import get_user_model

    try:
        data = signing.loads(token, salt=HAND_OVER_SALT, max_age=HAND_OVER_MAX_AGE.total_seconds())
    except signing.BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    referent = (
        Referent.objects.select_related("software", "agent")
        .filter(pk=data.get("r"), agent_id=data.get("a"))
        .first()
    )
    colleague = get_user_model().objects.filter(pk=data.get("c"), is_active=True).first()
    if referent is None or colleague is None:
        return None
    return referent, colleague


def hand_over(referent: Referent, colleague: Any, actor: Any, site_url: str = "") -> Referent:
    """Make ``colleague`` the referent in ``referent``'s place (they accepted), and tell
    the previous referent.

    The colleague must be an agent and not already a referent of this software. Their
    year starts now: they are reminded a year from today, like anyone who just became
    referent.
    """
    if colleague is None or not is_agent(colleague):
        raise HandOverRefused(_("Only an agent can become a referent."))
    if colleague.pk == referent.agent_id:
        raise HandOverRefused(_("You are already the referent."))
    if Referent.objects.filter(software=referent.software_id, agent=colleague).exists():
        raise HandOverRefused(_("You are already a referent of this software."))
    previous = referent.agent
    now = timezone.now()
    with transaction.atomic():
        # The row is locked and must still be the previous agent's: of two colleagues
        # accepting at once, the second is refused rather than silently winning.
        still = Referent.objects.select_for_update().filter(pk=referent.pk, agent=previous)
        if not still.exists():
            raise HandOverRefused(_("This role has changed hands already."))
        referent.agent = colleague
        referent.organisation = profile_of(colleague).organisation
        referent.created_at = now
        # Accepting is confirming: the first reminder is a year away.
        referent.confirmed_at = now
        referent.lapsed = False
        referent.save()
        record(
            actor,
            "referent.hand_over",
            referent,
            {"agent": {"before": actor_label(previous), "after": actor_label(colleague)}},
        )
    address = primary_address(previous)
    if address:
        _send(
            [address],
            "catalogue/actions/email/handed_over_subject.txt",
            "catalogue/actions/email/handed_over.txt",
            {
                "referent": referent,
                "software": referent.software,
                "colleague": actor_label(colleague),
                "software_url": _absolute(site_url, referent.software.get_absolute_url()),
            },
        )
    return referent


def primary_address(user: Any) -> str:
    """The address to write to: the primary verified one, else any verified one."""
    from allauth.account.models import EmailAddress

    found = (
        EmailAddress.objects.filter(user=user, verified=True)
        .order_by("-primary", "pk")
        .values_list("email", flat=True)
        .first()
    )
    return found or ""


def find_agent_by_address(address: str) -> Any:
    """The active user owning ``address`` as a verified address, or None."""
    from allauth.account.models import EmailAddress

    found = (
        EmailAddress.objects.filter(email__iexact=address.strip(), verified=True)
        .select_related("user")
        .first()
    )
    if found is None or not found.user.is_active:
        return None
    return found.user


def last_reminders(referent_ids: Iterable[int]) -> dict[int, datetime.datetime]:
    """When each referent was last reminded, from the audit log, in one query."""
    content_type = ContentType.objects.get_for_model(Referent)
    rows = (
        AuditEntry.objects.filter(
            target_type=content_type,
            action="referent.remind",
            target_id__in=[str(pk) for pk in referent_ids],
        )
        .values("target_id")
        .annotate(last=Max("at"))
    )
    return {int(row["target_id"]): row["last"] for row in rows}


def remind_referents(
    now: datetime.datetime | None = None, site_url: str | None = None, dry_run: bool = False
) -> Summary:
    """Send the reminders due and flag the referents whose reminder went unanswered."""
    now = now or timezone.now()
    site_url = settings.SITE_URL if site_url is None else site_url
    summary = Summary()
    referents = list(
        Referent.objects.filter(lapsed=False).select_related("software", "agent").order_by("pk")
    )
    reminded_at = last_reminders(referent.pk for referent in referents)
    with translation.override(settings.LANGUAGE_CODE):
        for referent in referents:
            step = next_step(
                now,
                referent.confirmed_at or referent.created_at,
                reminded_at.get(referent.pk),
                referent.lapsed,
                _every(),
                _lapse_after(),
            )
            if step == REMIND:
                summary.reminded += 1
                if not dry_run:
                    _remind(referent, site_url, now)
            elif step == LAPSE:
                summary.lapsed += 1
                if not dry_run:
                    referent.lapsed = True
                    referent.save(update_fields=["lapsed"])
                    entry = record(
                        None,
                        "referent.lapse",
                        referent,
                        {"lapsed": {"before": False, "after": True}},
                    )
                    AuditEntry.objects.filter(pk=entry.pk).update(at=now)
    return summary


def _remind(referent: Referent, site_url: str, now: datetime.datetime) -> None:
    address = primary_address(referent.agent)
    if address:
        _send(
            [address],
            "catalogue/actions/email/reminder_subject.txt",
            "catalogue/actions/email/reminder.txt",
            {
                "referent": referent,
                "software": referent.software,
                "confirm_url": _confirm_url(site_url, referent),
                "software_url": _absolute(site_url, referent.software.get_absolute_url()),
                "lapse_days": settings.REFERENT_LAPSE_AFTER_DAYS,
            },
        )
    # Recorded even without an address: the lapse clock starts all the same.
    entry = record(None, "referent.remind", referent, {"sent": bool(address)})
    # The entry carries the run's clock, so that the lapse is counted from it.
    AuditEntry.objects.filter(pk=entry.pk).update(at=now)


def _absolute(site_url: str, path: str) -> str:
    return site_url.rstrip("/") + path if site_url else path


def _confirm_url(site_url: str, referent: Referent) -> str:
    path = reverse("catalogue:referent-confirm", args=[confirmation_token(referent)])
    return _absolute(site_url, path)


def _send(to: list[str], subject_template: str, body_template: str, context: dict) -> None:
    context = {"site_name": settings.SITE_NAME, **context}
    subject = " ".join(render_to_string(subject_template, context).split())
    body = render_to_string(body_template, context)
    EmailMessage(subject=subject, body=body, to=to, connection=get_connection()).send()


# The parts of `communs catalogue remind-referents`.
def add_remind_arguments(parser: Any) -> None:
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help=_("count what is due without sending or flagging anything"),
    )
    parser.add_argument(
        "--site-url",
        default=None,
        help=_("the site's address for links in the e-mails (default: COMMUNS_SITE_URL)"),
    )


def run_remind(options: dict, stdout: Any) -> Summary:
    summary = remind_referents(site_url=options.get("site_url"), dry_run=options.get("dry_run"))
    if options.get("dry_run"):
        message = _("Reminders due: %(reminded)d; referents to flag as lapsed: %(lapsed)d")
    else:
        message = _("Reminders sent: %(reminded)d; referents flagged as lapsed: %(lapsed)d")
    stdout.write(message % {"reminded": summary.reminded, "lapsed": summary.lapsed})
    return summary


__all__ = [
    "LAPSE",
    "REMIND",
    "HandOverRefused",
    "Summary",
    "add_remind_arguments",
    "confirm",
    "confirmation_token",
    "find_agent_by_address",
    "hand_over",
    "hand_over_invitation",
    "hand_over_token",
    "invite_colleague",
    "last_reminders",
    "next_step",
    "primary_address",
    "referent_for_token",
    "remind_referents",
    "run_remind",
]
